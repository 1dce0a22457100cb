"""The texting and ESOL normaliser, on its own."""

from __future__ import annotations

import pytest

from nlu.normalise import fold_script, normalise


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("wot u doin 2nite", "what you doing tonight"),
        ("cn the council pay ma rent", "can the council pay my rent"),
        ("I'm livin on the street", "i am living on the street"),
        ("i dont wanna live anymore", "i do not want to live any more"),
        ("im gonna kms", "i am going to kill myself"),
        ("he's got a KNIFE!!!", "he is got a knife"),
        ("pleeeease help", "please help"),
        ("I can't go on", "i cannot go on"),
        ("i can not go on", "i cannot go on"),
        ("nowhere 2 sleep 2nite", "nowhere 2 sleep tonight"),
        ("tmrw b4 9", "tomorrow before 9"),
        ("no food since 2 days", "no food since 2 days"),
        ("friend ODd help", "friend overdose help"),
        ("she OD'd on her meds", "she overdose on her meds"),
    ],
)
def test_texting_spellings_are_folded(typed: str, folded: str) -> None:
    assert normalise(typed) == folded


@pytest.mark.parametrize(
    "kept",
    [
        "i am ill",  # "ill" is not "I'll"
        "my id card",  # "id" is not "I'd"
        "in the bin",  # dropped-g folding only for known stems
        "kill",  # two letters are spelling, not emphasis
        "that is odd",  # only capital OD is an overdose
        "a 3ayez amoot",  # Arabizi digits stay
    ],
)
def test_ambiguous_words_are_left_alone(kept: str) -> None:
    assert normalise(kept) == kept


def test_punctuation_emoji_and_spacing_go() -> None:
    assert normalise("  ok...   😂😂  ") == "ok"
    assert normalise("😭😭") == ""


def test_arabic_script_keyboard_variants_fold_the_same() -> None:
    # Arabic yeh/kaf and Persian yeh/keheh, harakat and the half-space all fold together.
    assert fold_script("مي\u200cخواهم") == fold_script("میخواهم")
    assert fold_script("كتاب") == fold_script("کتاب")
    assert normalise("أَقْتُلُ نفسي") == normalise("اقتل نفسی")
