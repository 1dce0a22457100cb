"""The Easy English readability check: long sentences, idioms and long words warn."""

from __future__ import annotations

from bot.content.readability import MAX_WORDS, problems


def test_plain_short_sentences_pass() -> None:
    assert problems("Yes. Plymouth pays your council tax until you are 25. Ask your PA.") == []


def test_a_long_sentence_warns() -> None:
    long = " ".join(["word"] * (MAX_WORDS + 1)) + "."
    assert problems(long) == [
        f"a sentence of {MAX_WORDS + 1} words (keep it under {MAX_WORDS}): word word word word word word..."
    ]


def test_idioms_and_formal_words_warn_with_what_to_say() -> None:
    found = problems("Your PA can sort out your accommodation.")
    assert "'sort out' is hard for a learner; say 'help with'" in found
    assert "'accommodation' is hard for a learner; say 'home'" in found


def test_names_numbers_and_placeholders_never_warn() -> None:
    assert problems("Call Cambridgeshire on 01632 960200. You get {amount:bursary_total}.") == []


def test_long_words_warn_once_each() -> None:
    assert problems("An apprenticeship is good. An apprenticeship pays.") == [
        "'apprenticeship' is a long word; is there a shorter one?"
    ]
