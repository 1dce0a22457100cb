"""The safety check that runs before NLU, so a crisis never depends on the classifier alone."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

LEXICON_PATH = Path(__file__).resolve().parent / "safety_lexicon.yml"
CRISIS = "crisis"
HOMELESS_NOW = "homeless_now"
# Crisis outranks homelessness when a message has both.
_ORDER = (CRISIS, HOMELESS_NOW)
_NOT_WORD = re.compile(r"[^\w']+")


# Arabic-script keyboards differ (Arabic, Persian, Pashto, Sorani): fold the letters that
# vary by keyboard or are often left out, so a phrase typed either way matches.
_ARABIC_FOLD = str.maketrans(
    {
        "\u064a": "\u06cc",
        "\u0649": "\u06cc",
        "\u0643": "\u06a9",  # yeh, alef maksura, kaf
        "\u0623": "\u0627",
        "\u0625": "\u0627",
        "\u0622": "\u0627",
        "\u0671": "\u0627",  # alefs
        "\u0624": "\u0648",
        "\u0626": "\u06cc",  # hamza on waw / yeh
        "\u0640": None,
        "\u200c": None,
        "\u200d": None,  # tatweel, zero-width (non-)joiner
    }
)
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670]")  # harakat: short vowels, shadda, sukun


def normalise(text: str) -> str:
    """Lower-case words separated by single spaces, with padding for whole-word matching."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'")
    folded = _ARABIC_MARKS.sub("", folded.translate(_ARABIC_FOLD))
    return " " + " ".join(_NOT_WORD.sub(" ", folded).split()) + " "


@dataclass(frozen=True)
class Lexicon:
    phrases: dict[str, tuple[str, ...]]  # category -> normalised phrases, all languages

    def match(self, text: str) -> str | None:
        """The first safety category whose phrase appears in text, or None."""
        haystack = normalise(text)
        for category in _ORDER:
            for phrase in self.phrases.get(category, ()):
                if phrase in haystack:
                    return category
        return None


def load_lexicon(path: Path = LEXICON_PATH) -> Lexicon:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    phrases: dict[str, tuple[str, ...]] = {}
    for category in _ORDER:
        by_language = data.get(category) or {}
        found = [normalise(p) for items in by_language.values() for p in items or ()]
        phrases[category] = tuple(p for p in found if p.strip())
    return Lexicon(phrases=phrases)


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return load_lexicon()
