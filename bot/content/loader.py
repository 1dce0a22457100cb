"""Reads offer_content/<council>/<topic>.yml into an Offer, or says exactly what is wrong."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.content.model import AGE_BANDS, ContentError, Offer, Topic, TopicText

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_COUNCIL_ID = re.compile(r"^[a-z][a-z0-9-]*$")
# One phone screen, and safely under WhatsApp's 4,096 characters.
MAX_ANSWER = 600
MAX_DETAIL = 1200
# Titles become buttons: WhatsApp list rows allow 24 characters.
MAX_TITLE = 24
_FIELDS = {
    "id",
    "title",
    "answer",
    "detail",
    "age_bands",
    "related",
    "sources",
    "owner",
    "last_reviewed",
    "examples",
}
_REQUIRED = ("id", "title", "answer", "sources", "owner", "last_reviewed")


class _LineLoader(yaml.SafeLoader):
    """A SafeLoader that remembers the line each mapping key was written on."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    lines = {
        key_node.value: key_node.start_mark.line + 1
        for key_node, _ in node.value
        if isinstance(key_node, yaml.ScalarNode)
    }
    mapping["__lines__"] = lines
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _File:
    def __init__(self, path: Path, root: Path) -> None:
        self.path = path
        self.name = str(path.relative_to(root.parent)) if root.parent in path.parents else str(path)

    def error(self, data: dict[str, Any] | None, field_name: str, problem: str) -> ContentError:
        line = 1
        if data is not None:
            line = data.get("__lines__", {}).get(field_name.split(".")[-1], 1)
        return ContentError(self.name, line, field_name, problem)


def _text(f: _File, data: dict[str, Any], key: str, limit: int, *, required: bool) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise f.error(data, key, "missing; expected text")
        return None
    if not isinstance(value, str) or not value.strip():
        raise f.error(data, key, f"expected text, got {type(value).__name__}")
    value = value.strip()
    if len(value) > limit:
        raise f.error(data, key, f"{len(value)} characters is too long; keep it under {limit}")
    return value


def _topic_text(f: _File, data: dict[str, Any]) -> TopicText:
    return TopicText(
        answer=_text(f, data, "answer", MAX_ANSWER, required=True) or "",
        detail=_text(f, data, "detail", MAX_DETAIL, required=False),
    )


def _load_topic(f: _File, council_id: str) -> Topic:
    try:
        data = yaml.load(f.path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise ContentError(
            f.name, line, "yaml", f"not valid YAML ({getattr(exc, 'problem', exc)})"
        ) from None
    except UnicodeDecodeError:
        raise ContentError(f.name, 1, "file", "not UTF-8 text") from None
    if not isinstance(data, dict):
        raise ContentError(f.name, 1, "file", "expected a mapping of fields (key: value)")
    for key in data:
        if key != "__lines__" and key not in _FIELDS:
            raise f.error(data, key, f"unknown field; expected one of {', '.join(sorted(_FIELDS))}")
    for key in _REQUIRED:
        if key not in data:
            raise f.error(None, key, "missing")
    topic_id = data["id"]
    if not isinstance(topic_id, str) or not _ID.match(topic_id):
        raise f.error(data, "id", "expected lower_snake_case text")
    if topic_id != f.path.stem:
        raise f.error(data, "id", f"{topic_id!r} does not match the file name {f.path.name!r}")
    if not isinstance(data["last_reviewed"], date):
        raise f.error(data, "last_reviewed", "expected a date like 2026-11-01")
    by_band: dict[str, TopicText] = {}
    bands = data.get("age_bands") or {}
    if not isinstance(bands, dict):
        raise f.error(data, "age_bands", "expected a mapping of age band to answer")
    for band, body in bands.items():
        if band == "__lines__":
            continue
        if band not in AGE_BANDS:
            raise f.error(bands, band, f"unknown age band; expected one of {', '.join(AGE_BANDS)}")
        if not isinstance(body, dict):
            raise f.error(bands, band, "expected answer and optional detail")
        by_band[band] = _topic_text(f, body)
    sources = data["sources"]
    if not isinstance(sources, list) or not sources:
        raise f.error(data, "sources", "expected a list of source documents")
    examples = data.get("examples") or []
    if not isinstance(examples, list) or not all(isinstance(e, str) for e in examples):
        raise f.error(data, "examples", "expected a list of example questions")
    related = data.get("related") or []
    if not isinstance(related, list) or not all(isinstance(r, str) for r in related):
        raise f.error(data, "related", "expected a list of topic ids")
    return Topic(
        id=topic_id,
        council_id=council_id,
        title=_text(f, data, "title", MAX_TITLE, required=True) or topic_id,
        text=_topic_text(f, data),
        by_age_band=by_band,
        related=tuple(related),
        sources=tuple(s["file"] if isinstance(s, dict) else str(s) for s in sources),
        examples=tuple(e.strip() for e in examples if e.strip()),
    )


def load_offer(root: Path) -> Offer:
    """Load every council folder under root; raise ContentError at the first problem."""
    councils: dict[str, dict[str, Topic]] = {}
    for folder in sorted(
        p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))
    ):
        if not _COUNCIL_ID.match(folder.name):
            raise ContentError(folder.name, 1, "folder", "council folders are lower-case ids")
        topics: dict[str, Topic] = {}
        for path in sorted(folder.glob("*.yml")):
            topic = _load_topic(_File(path, root), folder.name)
            topics[topic.id] = topic
        for topic in topics.values():
            for other in topic.related:
                if other not in topics:
                    raise _File(folder / f"{topic.id}.yml", root).error(
                        None, "related", f"unknown topic {other!r} in {folder.name}"
                    )
        councils[folder.name] = topics
    return Offer(councils=councils)
