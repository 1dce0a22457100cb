"""The safety lexicon: every phrase fires, wherever it sits in a message, whatever the case."""

from __future__ import annotations

import pytest
import yaml

from dialogues.safety import CRISIS, HOMELESS_NOW, LEXICON_PATH, default_lexicon

LEXICON = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
CASES = [
    (category, phrase)
    for category in (CRISIS, HOMELESS_NOW)
    for phrases in LEXICON[category].values()
    for phrase in phrases
]


@pytest.mark.parametrize(("category", "phrase"), CASES, ids=[p for _, p in CASES])
def test_every_phrase_triggers_its_path(category: str, phrase: str) -> None:
    lexicon = default_lexicon()
    assert lexicon.match(phrase) == category
    assert lexicon.match(f"honestly {phrase.upper()}!!! idk") == category


@pytest.mark.parametrize(
    "text",
    [
        "can i get council tax paid",
        "who is my pa",
        "I killed it at work",
        "the gym was not safe-ish lol",
        "kicked off at the match",
    ],
)
def test_ordinary_messages_do_not(text: str) -> None:
    assert default_lexicon().match(text) is None


def test_crisis_outranks_homelessness() -> None:
    assert default_lexicon().match("got kicked out and i want to die") == CRISIS
