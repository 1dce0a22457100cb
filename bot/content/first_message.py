"""Two rules for an answer's first message (what is sent before "More detail"), in every
language: it leads with the fact, not with a yes or a no, and it fits one phone screen.

"Yes - ... you don't pay council tax until you're 25" reads as nonsense to someone who asked
"do I have to pay council tax?": the same fact answers the question asked either way round,
so the answer states the fact ("Care leavers in Plymouth don't pay council tax until 25").

One phone screen is measured on the web chat (bot/static/chat.css: 16px text, line height
22.4px, bubbles 85% of a log with 16px padding) at 390x844, an iPhone 12-15: with Safari's
bars the page is 390x664 CSS pixels, leaving a 449px chat log under the title bar and above
the message box. That has to hold the question (up to 2 lines), the answer and its three
buttons (2 rows), so the answer gets 10 lines of about 279px. Chromium measured the shipped
answers at 31-34 characters a line in its widest fallback font (DejaVu Sans); word-wrapping at
33 columns never counted fewer lines than the browser drew."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

SCREEN_LINES = 10
SCREEN_COLUMNS = 33
# Ethiopic (Tigrinya) syllables are about 1.6 times as wide as a Latin letter.
_WIDE_SCRIPTS = ((0x1200, 0x139F, 1.6), (0x2D80, 0x2DDF, 1.6), (0xAB00, 0xAB2F, 1.6))
# What a placeholder becomes when sent: "{amount:bursary}" is "£3,000".
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_AMOUNT_WIDTH = "£0,000"

# Words that answer a yes/no question, by language (the shipped catalogues' languages).
# "Loose" words are yes/no wherever they start an answer; "strict" ones only when a comma,
# dash or full stop follows, because they also start ordinary sentences ("No one...",
# Arabic لا "not", Albanian "Po të" "if", Vietnamese "Có nhiều" "there are many").
_EN = {
    "loose": ("yes", "yeah", "yep", "yup", "maybe", "perhaps"),
    "strict": ("no", "nope", "nah", "not yet", "sure", "of course"),
}
YES_NO: dict[str, dict[str, tuple[str, ...]]] = {
    "en": _EN,
    "en_easy": _EN,
    "ar": {
        "loose": ("نعم", "أجل", "بلى", "أيوه", "ايوه"),
        "strict": ("لا", "كلا", "ليس بعد", "ربما"),
    },
    "fa_AF": {
        "loose": ("بله", "بلی", "آری", "آره", "نخیر"),
        "strict": ("نه", "خیر", "هنوز نه", "شاید", "ها"),
    },
    "ps": {
        "loose": ("هوکې", "بلې"),
        "strict": ("هو", "نه", "نا", "تر اوسه نه", "شاید", "ښايي", "کېدای شي"),
    },
    "ckb": {
        "loose": ("بەڵێ", "بەلێ", "ئەرێ", "نەخێر"),
        "strict": ("ئا", "نا", "نە", "هێشتا نا", "هێشتا نە", "لەوانەیە", "ڕەنگە"),
    },
    "sq": {"loose": (), "strict": ("po", "jo", "ende jo", "jo ende", "ndoshta", "mbase")},
    "ti": {"loose": ("እወ", "እወን", "ኣይፋል", "ኣይፋልን"), "strict": ("የለን", "ኣይኮነን", "ገና", "ምናልባት")},
    "vi": {
        "loose": ("vâng", "đúng vậy"),
        "strict": ("dạ", "có", "ừ", "đúng", "không", "không phải", "chưa", "có lẽ", "có thể"),
    },
}
# What may follow a strict word: punctuation in Latin, Arabic and Ethiopic scripts.
_STOP = r"\s*(?:[,.!?;:\-\u2013\u2014\u060c\u061b\u061f\u06d4\u1361-\u1368]|$)"
# (path in the file, language, text) of a first message; (path, message, severity) of a problem.
Found = tuple[list[Any], str, str]
_INVISIBLE = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"


def _width(char: str) -> float:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0.0
    code = ord(char)
    for start, end, width in _WIDE_SCRIPTS:
        if start <= code <= end:
            return width
    return 2.0 if unicodedata.east_asian_width(char) in ("W", "F") else 1.0


def _paragraph_lines(paragraph: str) -> int:
    """Lines a paragraph wraps to, breaking at spaces (and inside a word too long for one)."""
    lines, used = 0, 0.0
    for word in paragraph.split():
        size = sum(_width(c) for c in word)
        if used and used + 1 + size <= SCREEN_COLUMNS:
            used += 1 + size
            continue
        lines += 1
        while size > SCREEN_COLUMNS:
            lines, size = lines + 1, size - SCREEN_COLUMNS
        used = size
    return max(lines, 1)


def screen_lines(text: str) -> int:
    """About how many lines the text takes in a chat bubble on a 390px-wide phone."""
    text = _PLACEHOLDER.sub(_AMOUNT_WIDTH, text.strip())
    return sum(_paragraph_lines(p) for p in text.split("\n"))


def yes_no_opening(text: str, language: str) -> str | None:
    """The yes/no word the text starts with (in its language, or English), or None."""
    start = text.lstrip(_INVISIBLE + " \t\n\"'“‘«").casefold()
    for code in dict.fromkeys((language, "en")):
        words = YES_NO.get(code, {})
        for kind, after in (("loose", r"(?!\w)"), ("strict", _STOP)):
            for word in sorted(words.get(kind, ()), key=len, reverse=True):
                if re.match(re.escape(word.casefold()) + after, start):
                    return text.lstrip(_INVISIBLE + " \t\n\"'“‘«")[: len(word)]
    return None


def first_messages(data: dict[str, Any]) -> Iterator[Found]:
    """(path, language, text) of every first message in a topic file: the answer and each
    variant's answer, in English and every translation."""
    yield from _answers(data, [], "en")
    for code, translation in (data.get("translations") or {}).items():
        if isinstance(translation, dict):
            yield from _answers(translation, ["translations", code], code)


def _answers(block: dict[str, Any], prefix: list[Any], language: str) -> Iterator[Found]:
    if isinstance(block.get("answer"), str):
        yield [*prefix, "answer"], language, block["answer"]
    for i, variant in enumerate(block.get("variants") or []):
        if isinstance(variant, dict) and isinstance(variant.get("answer"), str):
            yield [*prefix, "variants", i, "answer"], language, variant["answer"]


def problems(data: dict[str, Any], council: str, topic: str) -> Iterator[Found]:
    """(path, message, severity) for each first message that opens with a yes or a no
    (a warning) or runs over one phone screen (an error)."""
    for path, language, text in first_messages(data):
        where = f"{council}/{topic} ({language})"
        word = yes_no_opening(text, language)
        if word is not None:
            yield (
                path,
                f'{where} starts with {word!r}: lead with the fact instead ("Care leavers in '
                "Plymouth don't pay council tax until 25\"), so it is right however the "
                "question was asked",
                "warning",
            )
        lines = screen_lines(text)
        if lines > SCREEN_LINES:
            yield (
                path,
                f"{where} is about {lines} lines on a phone, over one screen ({SCREEN_LINES} "
                f"lines, about {SCREEN_LINES * SCREEN_COLUMNS} characters); shorten it or move "
                "some to the detail",
                "error",
            )
