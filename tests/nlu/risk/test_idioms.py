"""Idioms are read by their plain meaning before risk detection; nothing else is changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.risk import RiskDetector, default_detector
from nlu.risk.idioms import IdiomError, default_idioms, load_idioms
from nlu.risk.lexicon import default_lexicon

# default_detector() uses the risk classifier the session trained (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("risk_classifier")


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("I'm dying to know if I passed!!", "i am curious to know if i passed"),
        ("my phone died so i missed ur msg", "my phone stopped working so i missed your msg"),
        ("I'd kill for a Nando's", "id love a nandos"),
        ("this homework is killing me lol", "this homework is annoying me lol"),
        ("got bodied in fifa again", "lost a game again"),
        ("gonna end it with my bf tbh", "going to break up with my boyfriend tbh"),
        ("از خنده مُردم 😂", "خندیدم"),
        ("dien thoai chet roi", "dien thoai het pin roi"),
    ],
)
def test_an_idiom_is_read_by_its_meaning(text: str, plain: str) -> None:
    reading = default_idioms().read(text)
    assert reading.found
    assert reading.text == plain


@pytest.mark.parametrize(
    "text",
    [
        "im dead",  # no laugh: not read as an idiom
        "he is killing me lol",  # a person doing it
        "gonna end it with pills",
        "kicked out of my flat",
        "my mum will kill me if she finds out",  # can be a real threat: the classifier weighs it
        "i am starving",  # hunger is a risk category of its own
    ],
)
def test_what_may_be_a_risk_is_not_an_idiom(text: str) -> None:
    assert default_idioms().read(text).found == ()


def test_some_idioms_count_only_when_the_message_laughs() -> None:
    assert default_idioms().read("im dead 😂😂").text == "i am laughing"
    assert default_idioms().read("im dead").text == "i am dead"


def test_a_risk_beside_an_idiom_still_raises() -> None:
    risk = default_detector().assess("my phone died and i want to kill myself")
    assert risk.raised and risk.category == "suicide_self_harm"
    assert risk.idioms == ("phone died",)


def test_an_idiom_alone_raises_nothing_even_from_the_topic_classifiers_view() -> None:
    # The Understander parses the plain reading, so "crisis" would come from real words only;
    # here the lexicon and classifier read "really want to know" and raise nothing.
    detector = RiskDetector(default_lexicon(), default_detector().classifier, default_idioms())
    assert not detector.assess("dying to know when my bursary comes in").raised


def test_a_malformed_idiom_file_says_where(tmp_path: Path) -> None:
    bad = tmp_path / "idioms.yml"
    bad.write_text("en:\n  - {pattern: '(unclosed', means: x}\n", encoding="utf-8")
    with pytest.raises(IdiomError, match=r"en\[0\].*regular expression"):
        load_idioms(bad)
    bad.write_text("en:\n  - {means: x}\n", encoding="utf-8")
    with pytest.raises(IdiomError, match=r"en\[0\]"):
        load_idioms(bad)
