"""Reads and checks offer_content/: every problem as `file:line: field: what and what instead`.

One file at a time is files.py (YAML, lines, the schema); checks across files are checks.py."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bot.content import checks
from bot.content.files import (
    SCHEMA_DIR,
    ContentFile,
    check_schema,
    missing_file,
    parse_date,
    read_file,
)
from bot.content.model import (
    AMOUNT_PLACEHOLDER,
    NATIONAL,
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
from nlu.risk.taxonomy import CATEGORIES as RISK_CATEGORIES

COUNCIL_FILE = "council.yml"
# The numbers for risk replies, beside the council folders (see the file's own comments).
SAFETY_FILE = "safety_services.yml"
# A safeguarding lead re-checks the numbers at least this often.
SAFETY_RECHECK = timedelta(days=183)
_ANY_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
REVIEW_EVERY = timedelta(days=365)


@dataclass
class CheckResult:
    """Every problem found (errors first), and the offer when none is an error."""

    offer: Offer | None
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        """The problems that stop the content loading."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """The problems worth fixing that still let the content load."""
        return [p for p in self.problems if p.severity == "warning"]


@dataclass
class _Reading:
    """Everything read so far: the checks across topics need all of it."""

    root: Path
    today: date
    files: list[ContentFile] = field(default_factory=list)
    councils: dict[str, Council] = field(default_factory=dict)
    topics: dict[str, dict[str, Topic]] = field(default_factory=dict)
    topic_files: dict[tuple[str, str], ContentFile] = field(default_factory=dict)


def check_offer(
    root: Path, *, today: date | None = None, languages: Iterable[str] = ()
) -> CheckResult:
    """Read every file under root and report every problem; `offer` is None when any is an error.

    `languages` are the translations every topic should have (missing ones are warnings)."""
    today = today or date.today()
    if not root.is_dir():
        problem = Problem(str(root), 1, "folder", "the content folder does not exist")
        return CheckResult(None, [problem])
    reading = _Reading(root, today)
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if folder.name != SCHEMA_DIR:
            _read_folder(reading, folder)
    reading.files += checks.baseline_problems(root, reading.topics.get(NATIONAL, {}))
    # References, shared examples and translations need every topic loaded first.
    checks.topic_problems(reading.topics, reading.topic_files, languages)
    checks.first_message_problems(reading.topic_files)
    safety = _build_safety(root, reading.files, today)
    problems = sorted(
        (p for f in reading.files for p in f.problems),
        key=lambda p: (p.severity != "error", p.path, p.line),
    )
    if any(p.severity == "error" for p in problems):
        return CheckResult(None, problems)
    offer = Offer(councils=reading.councils, topics=reading.topics, safety=safety)
    return CheckResult(offer, problems)


def load_offer(root: Path, *, today: date | None = None) -> Offer:
    """The content, or ContentError naming the first error (warnings do not stop it)."""
    result = check_offer(root, today=today)
    if result.offer is None:
        first = result.errors[0]
        raise ContentError(first.path, first.line, first.field, first.message)
    return result.offer


def _read_folder(reading: _Reading, folder: Path) -> None:
    """A council's folder (its council file, then its topics) or the national baseline's."""
    if folder.name != NATIONAL and not _read_council(reading, folder):
        return  # without its council file the folder is no council: its topics are not read
    reading.topics[folder.name] = {}
    for path in sorted(folder.glob("*.yml")):
        if path.name != COUNCIL_FILE:
            _read_topic(reading, path, folder.name)
    checks.yaml_ending_problems(reading.files, folder)


def _read_council(reading: _Reading, folder: Path) -> bool:
    """Read the folder's council file; False when it has none."""
    path = folder / COUNCIL_FILE
    if not path.is_file():
        message = (
            f"missing; every council folder needs a {COUNCIL_FILE} with its id, name and owner"
        )
        reading.files.append(missing_file(path, reading.root, message))
        return False
    f = read_file(path, reading.root)
    reading.files.append(f)
    if f.data is not None:
        council = _build_council(f, folder.name)
        if council is not None:
            reading.councils[folder.name] = council
    return True


def _build_council(f: ContentFile, council_id: str) -> Council | None:
    check_schema(f, "council.schema.json")
    if f.data.get("id") not in (None, council_id):
        f.add(
            ["id"],
            f"{f.data['id']!r} is not this folder's council; "
            f"expected {council_id!r} (the folder name)",
        )
    if f.problems:
        return None
    return Council(
        id=council_id,
        name=f.data["name"],
        short_name=f.data.get("short_name") or f.data["name"][:24],
        owner=f.data["owner"],
        children_duty_phone=f.data.get("children_duty_phone"),
        retention_months=f.data.get("retention_months", 12),
    )


def _read_topic(reading: _Reading, path: Path, council_id: str) -> None:
    """Read one topic file; the topic is kept only when it has no error."""
    f = read_file(path, reading.root)
    reading.files.append(f)
    if f.data is None:
        return
    check_schema(f, "topic.schema.json")
    if f.has_errors():
        return  # the fields below may be missing or of the wrong type
    topic_id = f.data["id"]
    if topic_id in reading.topics[council_id]:
        other = reading.topic_files[(council_id, topic_id)]
        f.add(
            ["id"],
            f"{topic_id!r} is already used by {other.name}; each topic id appears once per council",
        )
        return
    topic = _build_topic(f, council_id, reading.today)
    if topic is not None:
        reading.topics[council_id][topic_id] = topic
        reading.topic_files[(council_id, topic_id)] = f


def _error_count(f: ContentFile) -> int:
    return len([p for p in f.problems if p.severity == "error"])


def _build_topic(f: ContentFile, council_id: str, today: date) -> Topic | None:
    """The topic in a file that matches the schema; None when a date, a placeholder or a
    translation in it is wrong."""
    data = f.data
    before = _error_count(f)
    amounts = _amounts(f, today)
    _placeholder_problems(f, amounts)
    reviewed = _last_reviewed(f, today)
    variants = tuple(
        Variant(
            age_bands=tuple(v["when"].get("age_bands", ())),
            conditions=tuple(v["when"].get("conditions", ())),
            answer=v["answer"].strip(),
            detail=_detail(v),
        )
        for v in data.get("variants") or []
    )
    translations = _translations(f, len(variants))
    if _error_count(f) > before:
        return None
    return Topic(
        id=data["id"],
        council_id=council_id,
        path=f.name,
        title=data["title"].strip(),
        answer=data["answer"].strip(),
        detail=_detail(data),
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


def _detail(data: dict[str, Any]) -> str | None:
    """The optional detail, with an empty one as none."""
    return (data.get("detail") or "").strip() or None


def _amounts(f: ContentFile, today: date) -> dict[str, Amount]:
    """The topic's amounts; one that has ended is an error, to be updated or removed."""
    amounts: dict[str, Amount] = {}
    for amount_id, raw in (f.data.get("amounts") or {}).items():
        valid_from = parse_date(f, ["amounts", amount_id, "valid_from"], raw.get("valid_from"))
        valid_until = parse_date(f, ["amounts", amount_id, "valid_until"], raw.get("valid_until"))
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
    return amounts


def _placeholder_problems(f: ContentFile, amounts: dict[str, Amount]) -> None:
    """Braces in a text must name one of the topic's amounts: rendering fills in only those."""
    for path, text in _texts(f.data):
        for placeholder in _ANY_PLACEHOLDER.findall(text):
            match = AMOUNT_PLACEHOLDER.fullmatch(placeholder)
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


def _texts(data: dict[str, Any]) -> Iterator[tuple[list[Any], str]]:
    """Every text a young person can be sent, with its path."""
    yield from _answer_and_variants(data, [])
    for code, translation in (data.get("translations") or {}).items():
        if isinstance(translation, dict):
            yield from _answer_and_variants(translation, ["translations", code])


def _answer_and_variants(data: dict[str, Any], at: list[Any]) -> Iterator[tuple[list[Any], str]]:
    yield from _answer_and_detail(data, at)
    for i, variant in enumerate(data.get("variants") or []):
        if isinstance(variant, dict):
            yield from _answer_and_detail(variant, [*at, "variants", i])


def _answer_and_detail(data: dict[str, Any], at: list[Any]) -> Iterator[tuple[list[Any], str]]:
    for key in ("answer", "detail"):
        if isinstance(data.get(key), str):
            yield [*at, key], data[key]


def _last_reviewed(f: ContentFile, today: date) -> date | None:
    """The review date; over REVIEW_EVERY ago is a warning (the facts may have changed)."""
    reviewed = parse_date(f, ["last_reviewed"], f.data.get("last_reviewed"))
    if reviewed is not None and today - reviewed > REVIEW_EVERY:
        f.add(
            ["last_reviewed"],
            f"last reviewed {reviewed.isoformat()}, over 12 months ago; "
            "check it against its sources and update the date",
            severity="warning",
        )
    return reviewed


def _translations(f: ContentFile, variant_count: int) -> dict[str, Translation]:
    """The topic's translations; each must have the English's variants, in the same order (the
    variant picked for the English is the one sent in translation)."""
    translations: dict[str, Translation] = {}
    for code, raw in (f.data.get("translations") or {}).items():
        raw_variants = raw.get("variants") or []
        if raw_variants and len(raw_variants) != variant_count:
            f.add(
                ["translations", code, "variants"],
                f"has {len(raw_variants)} variants but the English has {variant_count}; "
                "translate each variant, in the same order",
            )
        translations[code] = Translation(
            status=raw["status"],
            source_hash=raw["source_hash"],
            title=raw["title"].strip(),
            answer=raw["answer"].strip(),
            detail=_detail(raw),
            variants=tuple((v["answer"].strip(), _detail(v)) for v in raw_variants),
        )
    return translations


def _build_safety(root: Path, files: list[ContentFile], today: date) -> SafetyServices | None:
    """Read safety_services.yml: every service a category names must exist, and an old check
    is a warning (the numbers must stay right)."""
    path = root / SAFETY_FILE
    if not path.is_file():
        files.append(missing_file(path, root, "missing; the bot needs it for its risk replies"))
        return None
    f = read_file(path, root)
    files.append(f)
    if f.data is None:
        return None
    check_schema(f, "safety.schema.json")
    if f.problems:
        return None
    services = {sid: SafetyService(id=sid, **fields) for sid, fields in f.data["services"].items()}
    by_category = _safety_categories(f, services)
    checked = parse_date(f, ["checked_on"], f.data["checked_on"])
    if checked is not None and today - checked > SAFETY_RECHECK:
        f.add(
            ["checked_on"],
            f"the numbers were last checked on {checked.isoformat()}; check every number "
            "and update the date",
            severity="warning",
        )
    if f.has_errors() or checked is None:
        return None
    return SafetyServices(checked, f.data["checked_by"], services, by_category)


def _safety_categories(
    f: ContentFile, services: dict[str, SafetyService]
) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Risk category -> (services for everyone, for under-18s): each a category the bot
    knows, naming only services in the file."""
    by_category: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for category, entry in f.data["categories"].items():
        if category not in RISK_CATEGORIES:
            f.add(["categories", category], f"{category!r} is not a risk category")
        for key in ("services", "under_18"):
            for i, sid in enumerate(entry.get(key) or ()):
                if sid not in services:
                    f.add(["categories", category, key, i], f"{sid!r} is not in `services`")
        by_category[category] = (tuple(entry["services"]), tuple(entry.get("under_18") or ()))
    return by_category
