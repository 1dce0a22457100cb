"""The risk lexicon: every phrase raises its category, in any case, wherever it sits."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.normalise import normalise
from nlu.risk.data import read_messages
from nlu.risk.lexicon import (
    Lexicon,
    LexiconError,
    LexiconHit,
    _found,
    default_lexicon,
    load_lexicon,
)
from nlu.risk.taxonomy import PRIORITY

PHRASES = default_lexicon().phrases


@pytest.mark.parametrize("phrase", PHRASES, ids=[f"{p.category}:{p.shown}" for p in PHRASES])
def test_every_phrase_raises_its_category(phrase) -> None:
    lexicon = default_lexicon()
    found = {hit.category for hit in lexicon.matches(f"honestly {phrase.shown.upper()}!!! idk")}
    assert phrase.category in found


def test_every_category_has_phrases_in_every_shipped_language() -> None:
    languages = {"en", "ar", "fa_AF", "ps", "ti", "ckb", "sq", "vi"}
    for category in PRIORITY:
        have = {p.language for p in PHRASES if p.category == category}
        assert languages <= have, (category, sorted(languages - have))


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("i dont wanna live anymore", "suicide_self_harm"),
        ("I don't want to live like this", "suicide_self_harm"),
        ("cutting again", "suicide_self_harm"),
        ("my mate took loads of pills and wont wake up", "medical_emergency"),
        ("hes got a knife", "abuse_violence"),
        ("they made me sell for them", "exploitation"),
        ("got kicked out nowhere 2 sleep 2nite", "homeless_tonight"),
        ("meter ran out and cant top up", "no_food_money_heat"),
        ("bailiffs coming tmrw", "eviction_risk"),
        # The most urgent category wins when a message raises two.
        ("got kicked out and i want to die", "suicide_self_harm"),
        ("took too many pills i want to die", "medical_emergency"),
    ],
)
def test_texting_and_esol_wordings_raise_the_right_category(text: str, category: str) -> None:
    assert default_lexicon().match(text) == category


@pytest.mark.parametrize(
    "text",
    [
        "can i get council tax paid",
        "who is my pa",
        "I killed it at work",
        "i dont want to live in a hostel, can i get a flat",
        "I don't wanna live with my nan",
        "hurt myself playing football can i get physio",
        "i cant go on the college trip",
        "dying to know if i got the bursary",
        "this homework is killing me lol",
        "my phone died",
        "when will my pa ring me",
    ],
)
def test_ordinary_messages_and_idioms_raise_nothing(text: str) -> None:
    assert default_lexicon().match(text) is None


def test_a_malformed_lexicon_is_refused_with_where(tmp_path: Path) -> None:
    bad = tmp_path / "lexicon.yml"
    bad.write_text("suicide_self_harm:\n  en:\n    - {phrase: x, unless_next: nope}\n")
    with pytest.raises(LexiconError, match=r"suicide_self_harm\.en\[0\]"):
        load_lexicon(bad)
    bad.write_text("sadness:\n  en: [x]\n")
    with pytest.raises(LexiconError, match="unknown categories"):
        load_lexicon(bad)


def _every_phrase_scanned(lexicon: Lexicon, text: str) -> list[LexiconHit]:
    """The matcher as it was before the first-word index: every phrase, in order."""
    haystack = f" {normalise(text)} "
    hits: list[LexiconHit] = []
    for phrase in lexicon.phrases:
        if phrase.category not in {hit.category for hit in hits} and _found(haystack, phrase):
            hits.append(LexiconHit(phrase.category, phrase.language, phrase.shown))
    return hits


def _texts_to_compare() -> list[str]:
    texts = [
        "",
        " ",
        "  double  spaces  and\ttabs\nand lines  ",
        "x" * 10_000,
    ]
    for phrase in PHRASES:
        shown = phrase.shown
        texts += [shown, f"ok so {shown.upper()}... {shown}", f"{shown}{shown}", shown[1:]]
        texts += [f"{shown} {word}" for word in sorted(phrase.unless_next)]
    for path in sorted((Path(__file__).resolve().parents[1]).glob("risk_blind_*.yml")):
        texts += [message.text for message in read_messages(path)]
    return texts


def test_the_first_word_index_finds_exactly_what_scanning_every_phrase_finds() -> None:
    # Safety rests on this matcher: the index must never drop a phrase the full scan finds.
    lexicon = default_lexicon()
    texts = _texts_to_compare()
    assert len(texts) > 5000
    differ = [t for t in texts if lexicon.matches(t) != _every_phrase_scanned(lexicon, t)]
    assert differ == []
