"""One content file: read as YAML, each field's line remembered, checked against its schema,
and every problem worded for the council staff member who edits it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError

from bot.content import first_message
from bot.content.model import Problem

SCHEMA_DIR = "schema"
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
class ContentFile:
    """A file's data (None when it could not be read as a mapping) and its problems so far."""

    path: Path
    name: str  # as shown in messages: relative to the content folder's parent
    data: Any = None
    lines: _Lines = field(default_factory=lambda: _Lines(None))
    problems: list[Problem] = field(default_factory=list)

    def add(
        self, path: Iterable[Any], message: str, *, severity: str = "error", line: int | None = None
    ) -> None:
        """Record a problem at the field `path`, on the line that field was written on."""
        path = list(path)
        self.problems.append(
            Problem(self.name, line or self.lines.line(path), _field_name(path), message, severity)
        )

    def has_errors(self) -> bool:
        """Whether any problem so far is an error (warnings do not count)."""
        return any(p.severity == "error" for p in self.problems)


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


def _syntax_error(f: ContentFile, exc: yaml.YAMLError) -> None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    f.add(
        ["yaml"],
        f"not valid YAML ({problem}); check indentation and quotes",
        line=mark.line + 1 if mark else 1,
    )


def read_file(path: Path, root: Path) -> ContentFile:
    """The file under the content folder `root`; its data is None when it is not UTF-8, not
    YAML or not a mapping, and the problem says which."""
    f = ContentFile(path=path, name=str(path.relative_to(root.parent)))
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


def missing_file(path: Path, root: Path, message: str) -> ContentFile:
    """A file that should exist and does not, with `message` saying why it is needed."""
    f = ContentFile(path, str(path.relative_to(root.parent)))
    f.add([], message, line=1)
    return f


def check_schema(f: ContentFile, schema: str) -> None:
    """Add every way the file's data breaks `schema` (a file in offer_content/schema/)."""
    for error in sorted(_validator(schema).iter_errors(f.data), key=lambda e: list(e.path)):
        _report(f, error)


def _report(f: ContentFile, error: ValidationError) -> None:
    path = list(error.path)
    if error.validator == "required":
        # The error sits on the mapping; the editor needs the missing field's name.
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        name = missing[0] if missing else "field"
        f.add([*path, name], "missing; this field is required", line=f.lines.line(path))
    elif error.validator == "additionalProperties":
        # One problem per unknown field, each on its own line.
        allowed = sorted(error.schema.get("properties", {}))
        for extra in sorted(set(error.instance) - set(allowed)):
            f.add([*path, extra], f"unknown field; expected one of {', '.join(allowed)}")
    else:
        leaf = next((p for p in reversed(path) if isinstance(p, str)), "")
        f.add(path, _message(error, leaf))


def _message(error: ValidationError, leaf: str) -> str:
    """What is wrong with one field and what to write instead; `leaf` is the field's name."""
    validator, value, expected = error.validator, error.instance, error.validator_value
    if validator == "type":
        return f"expected {_TYPE_WORDS.get(expected, expected)}, got {_type_word(value)}"
    if validator == "maxLength":
        screen = first_message.SCREEN_LINES * first_message.SCREEN_COLUMNS
        aim = f" (one phone screen is about {screen})" if leaf == "answer" else ""
        return f"{len(value)} characters is too long; keep it to {expected}{aim}"
    if validator == "minLength":
        return f"too short; write at least {expected} characters"
    if validator == "pattern":
        hint = _PATTERN_HINTS.get(leaf, f"text matching {expected}")
        return f"{value!r} is not valid; expected {hint}"
    if validator == "enum":
        return f"{value!r} is not allowed; expected one of {', '.join(map(str, expected))}"
    if validator in ("minItems", "maxItems"):
        word = "at least" if validator == "minItems" else "at most"
        return f"expected {word} {expected} item(s), got {len(value)}"
    if validator == "anyOf" and leaf == "" and isinstance(value, dict):
        return "give at least one of phone, email or url"
    if validator == "minProperties":
        return "say at least one of age_bands or conditions"
    if validator == "exclusiveMinimum":
        return f"must be more than {expected}"
    if validator == "propertyNames":
        return f"{value!r} is not a valid name here"
    return error.message


def parse_date(f: ContentFile, path: list[Any], value: str | None) -> date | None:
    """The date written at `path`, or None (with a problem when it is not a real date)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        f.add(path, f"{value!r} is not a real date; expected a date like 2026-11-01")
        return None
