"""Noise: messages with no request and no risk in them."""

from __future__ import annotations

import pytest

from nlu.noise import is_noise
from nlu.risk import default_detector

# default_detector() uses the risk classifier the session trained (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("risk_classifier")


@pytest.mark.parametrize(
    "text", ["k", "ok", "lol", "idk", "no ta", "shut up", "😂😂", "...", "this bot is shit", ""]
)
def test_acknowledgements_emoji_and_rude_words_are_noise(text: str) -> None:
    assert is_noise(text)
    assert not default_detector().assess(text, intent="crisis").raised


@pytest.mark.parametrize(
    "text",
    ["im not ok", "i dont know what to do anymore", "cant do this", "help", "who is my pa"],
)
def test_anything_with_meaning_is_not(text: str) -> None:
    assert not is_noise(text)


def test_the_lexicon_still_reads_short_messages() -> None:
    assert default_detector().assess("kms").raised
