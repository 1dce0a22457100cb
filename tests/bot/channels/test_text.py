"""Long messages are split under the channel's limit, at readable places."""

from __future__ import annotations

import pytest

from bot.channels.text import split_text


def test_short_text_is_one_piece() -> None:
    assert split_text("hello") == ["hello"]
    assert split_text("") == [""]


def test_long_text_is_cut_at_paragraphs_then_words_and_loses_nothing() -> None:
    text = "\n\n".join(f"Paragraph {n}. " + "word " * 300 for n in range(10))
    pieces = split_text(text, 4096)
    assert len(pieces) > 1 and all(len(p) <= 4096 for p in pieces)
    assert pieces[1].startswith("Paragraph")
    assert " ".join(pieces).split() == text.split()


def test_text_without_spaces_is_cut_hard() -> None:
    assert [len(p) for p in split_text("a" * 10_000, 4096)] == [4096, 4096, 1808]


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        split_text("x", 0)


def test_telegram_pieces_are_escaped_and_under_the_limit() -> None:
    from bot.channels.telegram import MAX_MESSAGE_CHARS, html_pieces

    text = ("Paragraph with <tags> & ampersands. " * 60 + "\n\n") * 4
    pieces = html_pieces(text)
    assert len(pieces) > 1
    assert all(len(p) <= MAX_MESSAGE_CHARS for p in pieces)
    assert "&lt;tags&gt; &amp; ampersands" in pieces[0] and "<tags>" not in "".join(pieces)
    worst = html_pieces("&" * 5000)  # escaping makes it five times longer
    assert all(len(p) <= MAX_MESSAGE_CHARS for p in worst)
    assert "".join(worst) == "&amp;" * 5000
