"""Reads and checks offer_content/: every problem as `file:line: field: what and what instead`."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError

from bot.content import first_message, readability
from bot.content.model import (
    NATIONAL,
    REQUIRED_TOPICS,
    Amount,
    Contact,
    ContentError,
    Council,
    Link,
    Offer,
    Problem,
    SafetyService,
    SafetyServices,
    Topic,
    Translation,
    Variant,
)
from bot.i18n import EASY_ENGLISH
from nlu.risk.taxonomy import CATEGORIES as RISK_CATEGORIES

SCHEMA_DIR = "schema"
COUNCIL_FILE = "council.yml"
# The numbers for risk replies, beside the council folders (see the file's own comments).
SAFETY_FILE = "safety_services.yml"
# A safeguarding lead re-checks the numbers at least this often.
SAFETY_RECHECK = timedelta(days=183)
_PLACEHOLDER = re.compile(r"\{amount:([a-z][a-z0-9_]*)\}")
_ANY_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
REVIEW_EVERY = timedelta(days=365)
# Hints for pattern errors, by the field's name.
_PATTERN_HINTS = {
    "id": "lower_snake_case letters, digits and _",
    "last_reviewed": "a date like 2026-11-01",
    "valid_from": "a date like 2026-11-01",
    "valid_until": "a date like 2026-11-01",
    "url": "an https:// address",
    "phone": "digits and spaces, like 01632 960000",
    "email": "an email address",
    "source_hash": "the 12-character hash `carebot content check` prints",
}
_TYPE_WORDS = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "array": "a list",
    "object": "a mapping of fields",
    "boolean": "true or false",
}


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Keeps dates as text, so the schema (not YAML's guesses) decides what a date is. LibYAML's
    parser when PyYAML has it: loading the content is 5 times faster (every start, every
    reload, every test)."""


class _ExplainingLoader(yaml.SafeLoader):
    """The pure-Python parser, only to word a syntax error ("expected ',' or ']', but got
    ':'" is clearer to an editor than LibYAML's "did not find expected ',' or ']'")."""


for _loader in (_Loader, _ExplainingLoader):
    _loader.yaml_implicit_resolvers = {
        key: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
        for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


@lru_cache(maxsize=2)
def _validator(name: str) -> Draft7Validator:
    schema_path = Path(__file__).resolve().parents[2] / "offer_content" / SCHEMA_DIR / name
    return Draft7Validator(json.loads(schema_path.read_text(encoding="utf-8")))


def _type_word(value: Any) -> str:
    for python_type, word in (
        (bool, "true/false"),
        (str, "text"),
        (int, "a number"),
        (float, "a number"),
        (list, "a list"),
        (dict, "a mapping"),
    ):
        if isinstance(value, python_type):
            return word
    return "nothing" if value is None else type(value).__name__


def _field_name(path: Iterable[Any]) -> str:
    name = ""
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "file"


class _Lines:
    """Maps a path inside the YAML document to the line it was written on."""

    def __init__(self, node: yaml.Node | None) -> None:
        self._root = node

    def line(self, path: Iterable[Any], *, key: bool = True) -> int:
        node = self._root
        line = 1 if node is None else node.start_mark.line + 1
        for part in path:
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if key_node.value == part:
                        line = (key_node if key else value_node).start_mark.line + 1
                        node = value_node
                        break
                else:
                    return line
            elif (
                isinstance(node, yaml.SequenceNode)
                and isinstance(part, int)
                and part < len(node.value)
            ):
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                return line
        return line


@dataclass
class _File:
    path: Path
    name: str  # as shown in messages: relative to the content folder's parent
    data: Any = None
    lines: _Lines = field(default_factory=lambda: _Lines(None))
    problems: list[Problem] = field(default_factory=list)

    def add(
        self, path: Iterable[Any], message: str, *, severity: str = "error", line: int | None = None
    ) -> None:
        path = list(path)
        self.problems.append(
            Problem(self.name, line or self.lines.line(path), _field_name(path), message, severity)
        )


def _parse(text: str, loader_class: type) -> tuple[yaml.Node | None, Any]:
    """Parsed once: the node tree gives line numbers, the same tree gives the data."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def _explained(text: str) -> yaml.YAMLError | None:
    try:
        _parse(text, _ExplainingLoader)
    except yaml.YAMLError as exc:
        return exc
    return None


def _syntax_error(f: _File, exc: yaml.YAMLError) -> None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    f.add(
        ["yaml"],
        f"not valid YAML ({problem}); check indentation and quotes",
        line=mark.line + 1 if mark else 1,
    )


def _read(path: Path, root: Path) -> _File:
    f = _File(path=path, name=str(path.relative_to(root.parent)))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        f.add([], "not UTF-8 text; save the file as UTF-8", line=1)
        return f
    try:
        node, f.data = _parse(text, _Loader)
    except yaml.YAMLError as fast_error:
        _syntax_error(f, _explained(text) or fast_error)
        return f
    f.lines = _Lines(node)
    if not isinstance(f.data, dict):
        f.add([], "expected a mapping of fields (key: value), got " + _type_word(f.data), line=1)
        f.data = None
    return f


def _schema_problems(f: _File, schema: str) -> None:
    for error in sorted(_validator(schema).iter_errors(f.data), key=lambda e: list(e.path)):
        _report(f, error)


def _report(f: _File, error: ValidationError) -> None:
    path = list(error.path)
    validator, value, expected = error.validator, error.instance, error.validator_value
    leaf = next((p for p in reversed(path) if isinstance(p, str)), "")
    if validator == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        name = missing[0] if missing else "field"
        f.add([*path, name], "missing; this field is required", line=f.lines.line(path))
    elif validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        for extra in sorted(set(value) - set(allowed)):
            f.add([*path, extra], f"unknown field; expected one of {', '.join(allowed)}")
    elif validator == "type":
        f.add(path, f"expected {_TYPE_WORDS.get(expected, expected)}, got {_type_word(value)}")
    elif validator == "maxLength":
        screen = first_message.SCREEN_LINES * first_message.SCREEN_COLUMNS
        aim = f" (one phone screen is about {screen})" if leaf == "answer" else ""
        f.add(path, f"{len(value)} characters is too long; keep it to {expected}{aim}")
    elif validator == "minLength":
        f.add(path, f"too short; write at least {expected} characters")
    elif validator == "pattern":
        hint = _PATTERN_HINTS.get(leaf, f"text matching {expected}")
        f.add(path, f"{value!r} is not valid; expected {hint}")
    elif validator == "enum":
        f.add(path, f"{value!r} is not allowed; expected one of {', '.join(map(str, expected))}")
    elif validator in ("minItems", "maxItems"):
        word = "at least" if validator == "minItems" else "at most"
        f.add(path, f"expected {word} {expected} item(s), got {len(value)}")
    elif validator == "anyOf" and leaf == "" and isinstance(value, dict):
        f.add(path, "give at least one of phone, email or url")
    elif validator == "minProperties":
        f.add(path, "say at least one of age_bands or conditions")
    elif validator == "exclusiveMinimum":
        f.add(path, f"must be more than {expected}")
    elif validator == "propertyNames":
        f.add(path, f"{value!r} is not a valid name here")
    else:
        f.add(path, error.message)


def _date(f: _File, path: list[Any], value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        f.add(path, f"{value!r} is not a real date; expected a date like 2026-11-01")
        return None


def _texts(data: dict[str, Any]) -> Iterator[tuple[list[Any], str]]:
    """Every text a young person can be sent, with its path."""
    for key in ("answer", "detail"):
        if isinstance(data.get(key), str):
            yield [key], data[key]
    for i, variant in enumerate(data.get("variants") or []):
        for key in ("answer", "detail"):
            if isinstance(variant, dict) and isinstance(variant.get(key), str):
                yield ["variants", i, key], variant[key]
    for code, translation in (data.get("translations") or {}).items():
        if not isinstance(translation, dict):
            continue
        for key in ("answer", "detail"):
            if isinstance(translation.get(key), str):
                yield ["translations", code, key], translation[key]
        for i, variant in enumerate(translation.get("variants") or []):
            for key in ("answer", "detail"):
                if isinstance(variant, dict) and isinstance(variant.get(key), str):
                    yield ["translations", code, "variants", i, key], variant[key]


def _build_topic(f: _File, folder: str, today: date) -> Topic | None:
    data = f.data
    before = len([p for p in f.problems if p.severity == "error"])
    amounts: dict[str, Amount] = {}
    for amount_id, raw in (data.get("amounts") or {}).items():
        valid_from = _date(f, ["amounts", amount_id, "valid_from"], raw.get("valid_from"))
        valid_until = _date(f, ["amounts", amount_id, "valid_until"], raw.get("valid_until"))
        if valid_from is None:
            continue
        if valid_until is not None and valid_until < today:
            f.add(
                ["amounts", amount_id, "valid_until"],
                f"this amount ended on {valid_until.isoformat()}; update it from a current source "
                "or remove it and tell people to ask their PA",
            )
        amounts[amount_id] = Amount(
            value=float(raw["value"]),
            period=raw["period"],
            valid_from=valid_from,
            valid_until=valid_until,
            source=raw["source"],
            currency=raw.get("currency", "GBP"),
        )
    for path, text in _texts(data):
        for placeholder in _ANY_PLACEHOLDER.findall(text):
            match = _PLACEHOLDER.fullmatch(placeholder)
            if match is None:
                f.add(
                    path,
                    f"{placeholder} is not a placeholder the bot knows; "
                    "expected {amount:ID} or no braces",
                )
            elif match.group(1) not in amounts:
                f.add(
                    path,
                    f"{placeholder} names no amount; expected one of "
                    f"{', '.join(sorted(amounts)) or '(add an amounts: entry)'}",
                )
    reviewed = _date(f, ["last_reviewed"], data.get("last_reviewed"))
    if reviewed is not None and today - reviewed > REVIEW_EVERY:
        f.add(
            ["last_reviewed"],
            f"last reviewed {reviewed.isoformat()}, over 12 months ago; "
            "check it against its sources and update the date",
            severity="warning",
        )
    variants = tuple(
        Variant(
            age_bands=tuple(v["when"].get("age_bands", ())),
            conditions=tuple(v["when"].get("conditions", ())),
            answer=v["answer"].strip(),
            detail=(v.get("detail") or "").strip() or None,
        )
        for v in data.get("variants") or []
    )
    translations: dict[str, Translation] = {}
    for code, raw in (data.get("translations") or {}).items():
        raw_variants = raw.get("variants") or []
        if raw_variants and len(raw_variants) != len(variants):
            f.add(
                ["translations", code, "variants"],
                f"has {len(raw_variants)} variants but the English has {len(variants)}; "
                "translate each variant, in the same order",
            )
        translations[code] = Translation(
            status=raw["status"],
            source_hash=raw["source_hash"],
            title=raw["title"].strip(),
            answer=raw["answer"].strip(),
            detail=(raw.get("detail") or "").strip() or None,
            variants=tuple(
                (v["answer"].strip(), (v.get("detail") or "").strip() or None) for v in raw_variants
            ),
        )
    if len([p for p in f.problems if p.severity == "error"]) > before:
        return None
    return Topic(
        id=data["id"],
        council_id=folder,
        path=f.name,
        title=data["title"].strip(),
        answer=data["answer"].strip(),
        detail=(data.get("detail") or "").strip() or None,
        variants=variants,
        amounts=amounts,
        contacts=tuple(Contact(**c) for c in data.get("contacts") or []),
        links=tuple(Link(**link) for link in data.get("links") or []),
        related=tuple(data.get("related") or []),
        sources=tuple(s["file"] for s in data["sources"]),
        owner=data["owner"],
        last_reviewed=reviewed,
        examples=tuple(e.strip() for e in data.get("examples") or [] if e.strip()),
        translations=translations,
    )


@dataclass
class CheckResult:
    offer: Offer | None
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


def _normalise_example(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.casefold()).split())


def check_offer(
    root: Path, *, today: date | None = None, languages: Iterable[str] = ()
) -> CheckResult:
    """Read every file under root and report every problem; `offer` is None when any is an error.

    `languages` are the translations every topic should have (missing ones are warnings)."""
    today = today or date.today()
    languages = tuple(languages)
    files: list[_File] = []
    councils: dict[str, Council] = {}
    topics: dict[str, dict[str, Topic]] = {}
    topic_files: dict[tuple[str, str], _File] = {}
    if not root.is_dir():
        problem = Problem(str(root), 1, "folder", "the content folder does not exist")
        return CheckResult(None, [problem])
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if folder.name == SCHEMA_DIR:
            continue
        council_file = folder / COUNCIL_FILE
        if folder.name != NATIONAL:
            f = _read(council_file, root) if council_file.is_file() else None
            if f is None:
                files.append(
                    missing := _File(council_file, str(council_file.relative_to(root.parent)))
                )
                missing.add(
                    [],
                    f"missing; every council folder needs a {COUNCIL_FILE} "
                    "with its id, name and owner",
                    line=1,
                )
                continue
            files.append(f)
            if f.data is not None:
                _schema_problems(f, "council.schema.json")
                if f.data.get("id") not in (None, folder.name):
                    f.add(
                        ["id"],
                        f"{f.data['id']!r} is not this folder's council; "
                        f"expected {folder.name!r} (the folder name)",
                    )
                if not f.problems:
                    councils[folder.name] = Council(
                        id=folder.name,
                        name=f.data["name"],
                        short_name=f.data.get("short_name") or f.data["name"][:24],
                        owner=f.data["owner"],
                        children_duty_phone=f.data.get("children_duty_phone"),
                        retention_months=f.data.get("retention_months", 12),
                    )
        topics[folder.name] = {}
        for path in sorted(folder.glob("*.yml")):
            if path.name == COUNCIL_FILE:
                continue
            f = _read(path, root)
            files.append(f)
            if f.data is None:
                continue
            _schema_problems(f, "topic.schema.json")
            if f.problems and any(p.severity == "error" for p in f.problems):
                continue
            topic_id = f.data["id"]
            if topic_id in topics[folder.name]:
                other = topic_files[(folder.name, topic_id)]
                f.add(
                    ["id"],
                    f"{topic_id!r} is already used by {other.name}; "
                    "each topic id appears once per council",
                )
                continue
            topic = _build_topic(f, folder.name, today)
            if topic is not None:
                topics[folder.name][topic_id] = topic
                topic_files[(folder.name, topic_id)] = f
        for f in files:
            if f.path.suffix == ".yml" and f.path.parent == folder and f.data is not None:
                for extra in sorted(set(f.path.parent.glob("*.yaml"))):
                    f.add([], f"{extra.name}: use the .yml ending so the bot reads it", line=1)
                break

    national = topics.get(NATIONAL, {})
    if not (root / NATIONAL).is_dir():
        files.append(f := _File(root / NATIONAL, f"{root.name}/{NATIONAL}"))
        f.add(
            [],
            "missing; the national baseline folder answers topics a council has no file for",
            line=1,
        )
    else:
        for topic_id in REQUIRED_TOPICS:
            if topic_id not in national:
                files.append(f := _File(root / NATIONAL, f"{root.name}/{NATIONAL}/{topic_id}.yml"))
                f.add(
                    [], f"missing; the baseline must answer {topic_id!r} for every council", line=1
                )

    # References, shared examples and translations need every topic loaded first.
    seen_examples: dict[str, tuple[str, _File, int]] = {}
    for (folder, topic_id), f in sorted(topic_files.items(), key=lambda item: item[1].name):
        topic = topics[folder][topic_id]
        for i, other in enumerate(topic.related):
            if other not in topics.get(folder, {}) and other not in national:
                f.add(
                    ["related", i],
                    f"{other!r} is not a topic of {folder} or the national "
                    "baseline; expected an existing topic id",
                )
        for i, example in enumerate(topic.examples):
            key = _normalise_example(example)
            owner = seen_examples.get(key)
            if owner is not None and owner[0] != topic_id:
                f.add(
                    ["examples", i],
                    f"{example!r} is also an example of {owner[0]!r} "
                    f"({owner[1].name}:{owner[2]}); each example question "
                    "belongs to one topic",
                )
            elif owner is None:
                seen_examples[key] = (topic_id, f, f.lines.line(["examples", i], key=False))
        current = topic.english_hash()
        for code in languages:
            if code not in topic.translations:
                f.add(
                    ["translations"],
                    f"no {code} translation; add one (source_hash: {current})",
                    severity="warning",
                )
        for code, translation in topic.translations.items():
            if translation.source_hash != current:
                f.add(
                    ["translations", code],
                    f"stale: the English changed since this was "
                    f"translated; update it and set source_hash: {current}",
                    severity="warning",
                )
            if translation.status == "draft":
                f.add(
                    ["translations", code, "status"],
                    "draft translation awaiting review by a qualified translator",
                    severity="warning",
                )
            if code == EASY_ENGLISH:
                texts = [("answer", translation.answer), ("detail", translation.detail)]
                texts += [(f"variants[{n}]", a) for n, (a, _d) in enumerate(translation.variants)]
                for field_name, text in texts:
                    for problem in readability.problems(text or ""):
                        f.add(
                            ["translations", code, field_name.split("[")[0]],
                            f"Easy English: {problem}",
                            severity="warning",
                        )

    _first_message_problems(topic_files)
    safety = _build_safety(root, files, today)
    problems = sorted(
        (p for f in files for p in f.problems),
        key=lambda p: (p.severity != "error", p.path, p.line),
    )
    if any(p.severity == "error" for p in problems):
        return CheckResult(None, problems)
    return CheckResult(Offer(councils=councils, topics=topics, safety=safety), problems)


def _first_message_problems(topic_files: dict[tuple[str, str], _File]) -> None:
    """Every first message leads with the fact and fits one phone screen (first_message.py)."""
    for (council, topic_id), f in topic_files.items():
        for path, message, severity in first_message.problems(f.data, council, topic_id):
            f.add(path, message, severity=severity)


def _build_safety(root: Path, files: list[_File], today: date) -> SafetyServices | None:
    """Read safety_services.yml: every service a category names must exist, and an old check
    is a warning (the numbers must stay right)."""
    path = root / SAFETY_FILE
    if not path.is_file():
        missing = _File(path, str(path.relative_to(root.parent)))
        missing.add([], "missing; the bot needs it for its risk replies", line=1)
        files.append(missing)
        return None
    f = _read(path, root)
    files.append(f)
    if f.data is None:
        return None
    _schema_problems(f, "safety.schema.json")
    if f.problems:
        return None
    services = {sid: SafetyService(id=sid, **fields) for sid, fields in f.data["services"].items()}
    by_category: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for category, entry in f.data["categories"].items():
        if category not in RISK_CATEGORIES:
            f.add(["categories", category], f"{category!r} is not a risk category")
        for key in ("services", "under_18"):
            for i, sid in enumerate(entry.get(key) or ()):
                if sid not in services:
                    f.add(["categories", category, key, i], f"{sid!r} is not in `services`")
        by_category[category] = (tuple(entry["services"]), tuple(entry.get("under_18") or ()))
    checked = _date(f, ["checked_on"], f.data["checked_on"])
    if checked is not None and today - checked > SAFETY_RECHECK:
        f.add(
            ["checked_on"],
            f"the numbers were last checked on {checked.isoformat()}; check every number "
            "and update the date",
            severity="warning",
        )
    if (f.problems and any(p.severity == "error" for p in f.problems)) or checked is None:
        return None
    return SafetyServices(checked, f.data["checked_by"], services, by_category)


def load_offer(root: Path, *, today: date | None = None) -> Offer:
    """The content, or ContentError naming the first error (warnings do not stop it)."""
    result = check_offer(root, today=today)
    if result.offer is None:
        first = result.errors[0]
        raise ContentError(first.path, first.line, first.field, first.message)
    return result.offer
