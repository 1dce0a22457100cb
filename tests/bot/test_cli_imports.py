"""`carebot` commands that need no NLU model never import Rasa or TensorFlow (seconds to load),
and the command table names a real handler for every command."""

from __future__ import annotations

import argparse
import ast
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import COMMANDS, _parser, handler
from bot.settings import PROJECT_ROOT

HEAVY = ["rasa", "tensorflow"]
# Run through bot.cli.main in a fresh process, in this order (db upgrade first: the rest
# need the schema).
LIGHT_RUNS = [
    ["--help"],
    ["db", "upgrade"],
    ["people"],
    ["config", "check"],
    ["duty", "report"],
    ["staff", "list"],
    ["schedule", "show"],
]
# Light too, but only imported (running them needs content fixtures or writes demo data).
LIGHT_IMPORTS = ["content", "demo-data"]
NEEDS_MODEL = {"run", "chat", "train", "nlu"}

# After each step, its exit status (None when only imported) and the heavy top-level
# packages loaded so far; the last step is a control that shows the probe does see Rasa
# when a command that needs the model is imported.
PROBE = """
import contextlib, io, json, sys
from bot import cli

HEAVY = set(sys.argv[2].split(","))
runs, imports, out = json.loads(sys.argv[3]), json.loads(sys.argv[4]), {}

def loaded():
    return sorted({name.split(".")[0] for name in sys.modules} & HEAVY)

for argv in runs:
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            code = cli.main(argv)
        except SystemExit as stop:
            code = stop.code
    out[" ".join(argv)] = [code, loaded()]
for command in imports:
    cli.handler(command)
    out[command] = [None, loaded()]
import nlu, nlu.reloading, nlu.training_data
out["nlu data helpers"] = [None, loaded()]
# They load the model only when they run, and not at all with the NLU service.
cli.handler("run")
cli.handler("chat")
out["run and chat, imported"] = [None, loaded()]
cli.handler("train")
out["control: train"] = [None, loaded()]
with open(sys.argv[1], "w") as f:
    json.dump(out, f)
"""


def test_light_commands_never_import_rasa_or_tensorflow(tmp_path: Path) -> None:
    result_file = tmp_path / "loaded.json"
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "CAREBOT_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'carebot.db'}",
    }
    args = [str(result_file), ",".join(HEAVY), json.dumps(LIGHT_RUNS), json.dumps(LIGHT_IMPORTS)]
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = json.loads(result_file.read_text())
    expected = {" ".join(argv): [0, []] for argv in LIGHT_RUNS}
    light_steps = [*LIGHT_IMPORTS, "nlu data helpers", "run and chat, imported"]
    expected |= {step: [None, []] for step in light_steps}
    expected["control: train"] = [None, HEAVY]
    assert loaded == expected


def subcommands() -> set[str]:
    """Every COMMAND the parser accepts."""
    (action,) = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return set(action.choices)


def test_the_table_covers_exactly_the_parsers_commands() -> None:
    assert set(COMMANDS) == subcommands()
    assert set(COMMANDS) > NEEDS_MODEL


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_resolves_to_its_handler(command: str) -> None:
    module, function = COMMANDS[command].split(":")
    run = handler(command)
    assert (run.__module__, run.__name__) == (module, function)
    assert list(inspect.signature(run).parameters)[:2] == ["settings", "args"]


def rasa_imports(path: Path) -> list[int]:
    """Lines of `path` that import Rasa or TensorFlow, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        found += [node.lineno for name in names if name.split(".")[0] in HEAVY]
    return found


def test_only_nlu_imports_rasa() -> None:
    found = {
        str(path.relative_to(PROJECT_ROOT)): lines
        for folder in ("bot", "dialogues")
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py"))
        if (lines := rasa_imports(path))
    }
    assert found == {}
    assert rasa_imports(PROJECT_ROOT / "nlu" / "rasa_interpreter.py")
