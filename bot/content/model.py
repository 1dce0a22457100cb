"""Frozen, validated content as the dialogue engine reads it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

AGE_BANDS = ("16-17", "18-20", "21-25")


class ContentError(ValueError):
    """A content file is wrong; str() is one line `file:line: field: problem`."""

    def __init__(self, path: str, line: int, field_name: str, problem: str) -> None:
        super().__init__(f"{path}:{line}: {field_name}: {problem}")
        self.path = path
        self.line = line
        self.field_name = field_name
        self.problem = problem


@dataclass(frozen=True)
class TopicText:
    answer: str
    detail: str | None = None


@dataclass(frozen=True)
class Topic:
    id: str
    council_id: str
    title: str
    text: TopicText
    by_age_band: Mapping[str, TopicText] = field(default_factory=dict)
    related: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()

    def for_age_band(self, band: str | None) -> TopicText:
        """The text for this age band, or the general text when the band has no variant."""
        if band is not None and band in self.by_age_band:
            return self.by_age_band[band]
        return self.text


@dataclass(frozen=True)
class Offer:
    """Every council's topics, keyed by council id then topic id."""

    councils: Mapping[str, Mapping[str, Topic]]

    def topic(self, council_id: str | None, topic_id: str) -> Topic | None:
        if council_id is None:
            return None
        return self.councils.get(council_id, {}).get(topic_id)

    def topic_ids(self) -> frozenset[str]:
        return frozenset(t for topics in self.councils.values() for t in topics)

    def council_ids(self) -> tuple[str, ...]:
        return tuple(sorted(self.councils))

    def title(self, topic_id: str) -> str:
        """A topic's title from whichever council has it (titles agree across councils)."""
        for council_id in self.council_ids():
            topic = self.councils[council_id].get(topic_id)
            if topic is not None:
                return topic.title
        return topic_id

    def examples_by_topic(self) -> dict[str, list[str]]:
        """Example questions per topic, for NLU training."""
        merged: dict[str, list[str]] = {}
        for topics in self.councils.values():
            for topic in topics.values():
                merged.setdefault(topic.id, []).extend(topic.examples)
        return merged
