"""Masks what identifies someone in text staff review (the unanswered questions): names the
service knows, "my name is ...", phone numbers, emails and postcodes."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.logsafe import redact

# A UK postcode ("PL1 2AA"), which with a house number points at one home.
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
# "my name is Jo", "I'm called Jo": the next word is a name whoever it is. ("call me" is
# not here: "call me on ..." is far more common than "call me Jo".)
_INTRODUCED = re.compile(
    r"\b(my name is|my names|my name's|i am called|i'm called|im called)\s+(\w+)",
    re.IGNORECASE,
)


class Masker:
    def __init__(self, names: Iterable[str]) -> None:
        words = {
            part
            for name in names
            for part in re.split(r"[\s'-]+", name or "")
            if len(part) >= 3 and part.isalpha()
        }
        self._names = (
            re.compile(
                r"\b(" + "|".join(sorted(map(re.escape, words), key=len, reverse=True)) + r")\b",
                re.IGNORECASE,
            )
            if words
            else None
        )

    def mask(self, text: str) -> str:
        text = redact(text)
        text = _POSTCODE.sub("[postcode]", text)
        text = _INTRODUCED.sub(lambda m: f"{m.group(1)} [name]", text)
        if self._names is not None:
            text = self._names.sub("[name]", text)
        return text
