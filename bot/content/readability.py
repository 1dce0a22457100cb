"""A readability check for Easy English: long sentences and words an ESOL learner at about
CEFR A2 may not know. It only warns: a person decides (some long words are names)."""

from __future__ import annotations

import re

# Sentences in Easy English stay under about 12 words (../shared/voice-and-tone.md); the
# check warns above this, leaving room for a name or a phone number.
MAX_WORDS = 15
# Idioms and formal words the voice guide says to replace, with what to say instead.
HARD = {
    "sort out": "help with",
    "get in touch": "talk to",
    "reach out": "talk to",
    "eligible": "can get",
    "entitled": "can get",
    "entitlement": "what you can get",
    "accommodation": "home",
    "in respect of": "about",
    "in order to": "to",
    "regarding": "about",
    "approximately": "about",
    "assistance": "help",
    "obtain": "get",
    "require": "need",
    "commence": "start",
    "subsequently": "then",
    "furthermore": "also",
    "however": "but",
    "whereas": "but",
    "provided that": "if",
    "in the event": "if",
    "on behalf of": "for",
}
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
# Long words are often hard; names and numbers are not counted (they start with a capital
# or are digits), so "Plymouth" or "01632 960123" never warn.
LONG_WORD = 13


def problems(text: str) -> list[str]:
    """What makes this hard to read, one line each (empty when it reads easily)."""
    found: list[str] = []
    plain = re.sub(r"\{[^}]*\}", "", text)
    for sentence in _SENTENCE.split(plain):
        words = _WORD.findall(sentence)
        if len(words) > MAX_WORDS:
            found.append(
                f"a sentence of {len(words)} words (keep it under {MAX_WORDS}): "
                f"{' '.join(words[:6])}..."
            )
    lowered = plain.casefold()
    for phrase, instead in HARD.items():
        if re.search(rf"\b{re.escape(phrase)}\b", lowered):
            found.append(f"{phrase!r} is hard for a learner; say {instead!r}")
    for word in sorted({w for w in _WORD.findall(plain) if w[0].islower() and len(w) >= LONG_WORD}):
        found.append(f"{word!r} is a long word; is there a shorter one?")
    return found
