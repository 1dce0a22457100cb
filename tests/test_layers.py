"""Layers point one way. Channels, the dashboard, the CLIs and the server wire everything;
`dialogues/` holds the conversation; the domain (advisers, keeping in touch, content) never
imports `dialogues/` or the web; the shared core (models, messages, payloads, the outbox
dispatcher...) imports none of them; `nlu/` stands alone. Imports inside functions count."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.settings import PROJECT_ROOT

WIRING, DIALOGUES, DOMAIN, CORE, NLU = "wiring", "dialogues", "domain", "core", "nlu"
# Longest prefix wins; anything else under bot/ is the shared core.
PREFIXES = {
    "dialogues": DIALOGUES,
    "nlu": NLU,
    "bot.channels": WIRING,
    "bot.dashboard": WIRING,
    "bot.cli": WIRING,
    "bot.content_cli": WIRING,
    "bot.ops_cli": WIRING,
    "bot.server": WIRING,
    "bot.runtime": WIRING,
    "bot.workers": WIRING,
    "bot.__main__": WIRING,
    "bot.scheduler": WIRING,
    "bot.demo": WIRING,
    "bot.nlu_eval": WIRING,
    "bot.risk_eval": WIRING,
    "bot.keeping_in_touch.schedule_cli": WIRING,
    "bot.advisers": DOMAIN,
    "bot.keeping_in_touch": DOMAIN,
    "bot.content": DOMAIN,
    "bot.retention": DOMAIN,
    "bot": CORE,
}
MAY_IMPORT = {
    WIRING: {WIRING, DIALOGUES, DOMAIN, CORE, NLU},
    DIALOGUES: {DIALOGUES, DOMAIN, CORE, NLU},
    DOMAIN: {DOMAIN, CORE, NLU},
    CORE: {CORE},
    NLU: {NLU},
}


def layer(module: str) -> str | None:
    matches = [p for p in PREFIXES if module == p or module.startswith(p + ".")]
    return PREFIXES[max(matches, key=len)] if matches else None


def imported(source: str) -> list[tuple[str, int]]:
    """Every project module a file imports, at any depth ("from bot import x" as bot.x)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(f"{node.module}.{alias.name}", node.lineno) for alias in node.names]
    return found


def breaches(module: str, source: str) -> list[str]:
    mine = layer(module)
    if mine is None:
        return []
    return [
        f"{module}:{line} imports {name} ({layer(name)})"
        for name, line in imported(source)
        if layer(name) is not None and layer(name) not in MAY_IMPORT[mine]
    ]


def modules() -> list[tuple[str, Path]]:
    found = []
    for folder in ("bot", "dialogues", "nlu"):
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
            found.append((".".join(parts).removesuffix(".__init__"), path))
    return found


def test_every_import_keeps_to_the_layers() -> None:
    found = [b for m, path in modules() for b in breaches(m, path.read_text(encoding="utf-8"))]
    assert found == []


def test_the_layers_know_every_module() -> None:
    assert len(modules()) > 80
    assert all(layer(m) is not None for m, _ in modules())


def test_a_breach_is_caught_even_inside_a_function() -> None:
    inside = "def f():\n    from dialogues.handlers import keeping_in_touch\n"
    assert breaches("bot.keeping_in_touch.jobs", inside) == [
        "bot.keeping_in_touch.jobs:2 imports dialogues.handlers.keeping_in_touch (dialogues)"
    ]
    assert breaches("bot.outbox", "from bot import payloads\nfrom bot.advisers import reach\n") == [
        "bot.outbox:2 imports bot.advisers.reach (domain)"
    ]
    assert breaches("bot.dashboard.app", "from dialogues.engine import DialogueEngine\n") == []


def queued_directly(source: str) -> list[int]:
    """Lines that make an OutboxItem themselves instead of calling outbox.enqueue()."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("OutboxItem")
    ]


def test_outbox_enqueue_is_the_one_way_to_queue() -> None:
    found = {
        module: lines
        for module, path in modules()
        if module != "bot.outbox" and (lines := queued_directly(path.read_text(encoding="utf-8")))
    }
    assert found == {}
    assert queued_directly("item = OutboxItem(channel='email')\n") == [1]
