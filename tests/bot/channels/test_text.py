"""Long messages are split under the channel's limit, at readable places."""

from __future__ import annotations

import pytest

from bot.channels.telegram_send import MAX_MESSAGE_CHARS, html_pieces
from bot.channels.text import PARAGRAPH_LINE_WORD, split_text
from bot.channels.whatsapp import LIST_SECTION_TITLE, plan
from bot.channels.whatsapp import split_text as whatsapp_split
from bot.messages import Button, OutgoingMessage


def test_short_text_is_one_piece() -> None:
    assert split_text("hello") == ["hello"]
    assert split_text("") == [""]


def test_blank_text_is_one_piece_by_default_and_none_when_stripped() -> None:
    # Telegram hangs its buttons on the last piece, so it always gets one (and sends " " for
    # an empty text itself); WhatsApp refuses a blank message, so it strips and gets none.
    assert split_text("") == [""]
    assert split_text(" ") == [" "]
    assert split_text("", strip=True) == []
    assert split_text(" \n\n\t ", strip=True) == []
    assert split_text("  hi \n", strip=True) == ["hi"]
    assert whatsapp_split("") == [] and whatsapp_split(" \n ") == []


def test_an_empty_message_is_never_an_empty_whatsapp_message() -> None:
    buttons = (Button("Housing", "topic:housing"),)

    assert plan(OutgoingMessage("")) == []  # the sender refuses it: "nothing to send"
    assert plan(OutgoingMessage(" \n\n ")) == []
    assert [p.text for p in plan(OutgoingMessage("", buttons))] == [LIST_SECTION_TITLE]
    assert [p.text for p in plan(OutgoingMessage("   " * 3000, buttons))] == [LIST_SECTION_TITLE]
    long = plan(OutgoingMessage("  " + "word " * 3000 + "  ", buttons))
    assert len(long) > 1 and all(p.text and p.text == p.text.strip() for p in long)


def test_cuts_prefer_the_given_separators_in_order() -> None:
    text = "a" * 50 + "\n\n" + "b" * 20 + "\n" + "c" * 40

    assert split_text(text, 100) == ["a" * 50 + "\n\n" + "b" * 20, "c" * 40]  # last line
    assert split_text(text, 100, separators=PARAGRAPH_LINE_WORD) == [
        "a" * 50,
        "b" * 20 + "\n" + "c" * 40,
    ]


def test_cut_at_limit_lets_a_piece_fill_the_limit() -> None:
    text = "a" * 60 + " " + "b" * 39 + " " + "c" * 10

    assert split_text(text, 100) == ["a" * 60, "b" * 39 + " " + "c" * 10]
    assert split_text(text, 100, cut_at_limit=True) == ["a" * 60 + " " + "b" * 39, "c" * 10]


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
    text = ("Paragraph with <tags> & ampersands. " * 60 + "\n\n") * 4
    pieces = html_pieces(text)
    assert len(pieces) > 1
    assert all(len(p) <= MAX_MESSAGE_CHARS for p in pieces)
    assert "&lt;tags&gt; &amp; ampersands" in pieces[0] and "<tags>" not in "".join(pieces)
    worst = html_pieces("&" * 5000)  # escaping makes it five times longer
    assert all(len(p) <= MAX_MESSAGE_CHARS for p in worst)
    assert "".join(worst) == "&amp;" * 5000
