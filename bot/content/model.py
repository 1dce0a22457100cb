"""Frozen, validated content as the dialogue engine reads it."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

AGE_BANDS = ("16-17", "18-20", "21-25")
CONDITIONS = (
    "in_higher_education",
    "lives_outside_area",
    "is_parent",
    "unaccompanied_asylum_seeker",
)
# The baseline folder: statutory entitlements every council's answers fall back to.
NATIONAL = "national"
# Every sample council must answer these (directly or through the baseline).
REQUIRED_TOPICS = (
    "council_tax",
    "housing",
    "money_grants",
    "benefits",
    "university",
    "education_training",
    "jobs",
    "health",
    "mental_health",
    "leisure",
    "travel",
    "documents",
    "immigration",
    "post21_support",
    "complaints_advocacy",
    "relationships_mentoring",
    "parenting",
    "legal_rights",
)
# How a topic's text names one of its amounts; the check and the rendering read the same form.
AMOUNT_PLACEHOLDER = re.compile(r"\{amount:([a-z][a-z0-9_]*)\}")


class ContentError(ValueError):
    """A content file is wrong; str() is one line `file:line: field: problem`."""

    def __init__(self, path: str, line: int, field_name: str, problem: str) -> None:
        super().__init__(f"{path}:{line}: {field_name}: {problem}")
        self.path = path
        self.line = line
        self.field_name = field_name
        self.problem = problem


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the content; a warning does not stop the content loading."""

    path: str
    line: int
    field: str
    message: str
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.path}:{self.line}: {self.field}: {prefix}{self.message}"


@dataclass(frozen=True)
class Amount:
    """A sum of money a topic states as `{amount:ID}`, with the dates it holds between.

    `period` is one-off, week, month, year or total; `source` is where the figure comes from."""

    value: float
    period: str
    valid_from: date
    valid_until: date | None
    source: str
    currency: str = "GBP"

    def valid_on(self, day: date) -> bool:
        """Whether the figure holds on `day` (both dates included); if not, it is never stated."""
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


@dataclass(frozen=True)
class Contact:
    """Someone to contact about a topic; every way to reach them is optional."""

    name: str
    phone: str | None = None
    email: str | None = None
    url: str | None = None
    hours: str | None = None


@dataclass(frozen=True)
class Link:
    """A web page with more on a topic (the schema allows only https)."""

    title: str
    url: str


@dataclass(frozen=True)
class Variant:
    """An answer for only some of a topic's readers, chosen by age band and circumstances."""

    age_bands: tuple[str, ...]
    conditions: tuple[str, ...]
    answer: str
    detail: str | None

    def matches(self, band: str | None, conditions: frozenset[str]) -> bool:
        """Whether it is for this person: no age bands means any age (even unknown), and they
        must meet every one of its conditions."""
        if self.age_bands and band not in self.age_bands:
            return False
        return set(self.conditions) <= conditions


@dataclass(frozen=True)
class Translation:
    """A topic in another language; once the English changes (`source_hash` no longer
    matches) it is stale and never sent. `variants` are (answer, detail) in the English order."""

    status: str  # draft or reviewed
    source_hash: str
    title: str
    answer: str
    detail: str | None
    variants: tuple[tuple[str, str | None], ...] = ()


@dataclass(frozen=True)
class Topic:
    """One question's answer for a council (or the national baseline), before `render` picks
    the variant and language for a particular person."""

    id: str
    council_id: str
    path: str
    title: str
    answer: str
    detail: str | None = None
    variants: tuple[Variant, ...] = ()
    amounts: Mapping[str, Amount] = field(default_factory=dict)
    contacts: tuple[Contact, ...] = ()
    links: tuple[Link, ...] = ()
    related: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    owner: str = ""
    last_reviewed: date | None = None
    examples: tuple[str, ...] = ()
    translations: Mapping[str, Translation] = field(default_factory=dict)

    def english_hash(self) -> str:
        """Fingerprint of the English a translation was made from; a change makes it stale."""
        body = {
            "title": self.title,
            "answer": self.answer,
            "detail": self.detail,
            "variants": [[v.answer, v.detail] for v in self.variants],
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:12]

    def pick(self, band: str | None, conditions: frozenset[str]) -> int | None:
        """Index of the first matching variant, or None for the main answer."""
        for index, variant in enumerate(self.variants):
            if variant.matches(band, conditions):
                return index
        return None


@dataclass(frozen=True)
class Council:
    """A council using the bot, from its folder's council.yml; `id` is the folder name."""

    id: str
    name: str
    short_name: str
    owner: str
    # Children's services out-of-hours line: given to under-18s at risk (a child in law).
    children_duty_phone: str | None = None
    # How long conversation text is kept (and escalation excerpts after resolution).
    retention_months: int = 12


@dataclass(frozen=True)
class SafetyService:
    """A service the bot gives when someone may be at risk (offer_content/safety_services.yml)."""

    id: str
    name: str
    phone: str | None = None
    text_word: str | None = None
    text_number: str | None = None
    max_age: int | None = None
    always_open: bool = False


@dataclass(frozen=True)
class SafetyServices:
    """The services for risk replies, with who last checked the numbers and when."""

    checked_on: date
    checked_by: str
    services: Mapping[str, SafetyService]
    # risk category -> (services for everyone, services for under-18s)
    by_category: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]

    def for_category(self, category: str, age: int | None) -> list[SafetyService]:
        """The services to list for this risk and age, in the order staff chose."""
        everyone, children = self.by_category.get(category, ((), ()))
        ids = children if age is not None and age < 18 and children else everyone
        return [
            self.services[i]
            for i in ids
            if i in self.services
            and (age is None or self.services[i].max_age is None or age <= self.services[i].max_age)
        ]

    @property
    def emergency(self) -> SafetyService:
        """The 999 entry, which the schema makes every safety file have."""
        return self.services["emergency"]


@dataclass(frozen=True)
class Offer:
    """Every council's topics over the national baseline."""

    councils: Mapping[str, Council]
    topics: Mapping[str, Mapping[str, Topic]]  # council id (or NATIONAL) -> topic id -> topic
    # The numbers for risk replies; None only for content folders made without them (tests).
    safety: SafetyServices | None = None

    def topic(self, council_id: str | None, topic_id: str) -> Topic | None:
        """The council's own topic, else the national one (also for an unknown council)."""
        if council_id is not None:
            own = self.topics.get(council_id, {}).get(topic_id)
            if own is not None:
                return own
        return self.topics.get(NATIONAL, {}).get(topic_id)

    def topic_ids(self) -> frozenset[str]:
        """Every topic id some council or the national baseline has."""
        return frozenset(t for topics in self.topics.values() for t in topics)

    def council_ids(self) -> tuple[str, ...]:
        """The councils' ids, sorted; the national baseline is not a council."""
        return tuple(sorted(self.councils))

    def title(self, topic_id: str, council_id: str | None = None) -> str:
        """The topic's English title as `topic()` finds it, else any council's, else the id."""
        topic = self.topic(council_id, topic_id)
        if topic is None:
            for topics in self.topics.values():
                if topic_id in topics:
                    topic = topics[topic_id]
                    break
        return topic.title if topic else topic_id

    def examples_by_topic(self) -> dict[str, list[str]]:
        """Example questions per topic, for NLU training."""
        merged: dict[str, list[str]] = {}
        for topics in self.topics.values():
            for topic in topics.values():
                merged.setdefault(topic.id, []).extend(topic.examples)
        return merged
