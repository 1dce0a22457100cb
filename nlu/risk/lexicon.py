"""The risk lexicon: specific phrases, per category and language, that always raise a risk."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from nlu.normalise import normalise
from nlu.risk.taxonomy import PRIORITY

LEXICON_PATH = Path(__file__).resolve().parent / "lexicon.yml"


class LexiconError(ValueError):
    """The lexicon file is malformed; the message says where."""


@dataclass(frozen=True)
class Phrase:
    category: str
    language: str
    # Normalised, padded with spaces so matching is whole-word.
    text: str
    unless_next: frozenset[str] = frozenset()

    @property
    def shown(self) -> str:
        return self.text.strip()


@dataclass(frozen=True)
class LexiconHit:
    category: str
    language: str
    phrase: str


@dataclass(frozen=True)
class Lexicon:
    phrases: tuple[Phrase, ...]
    # Each phrase's position in `phrases`, by its first word. A phrase can only be found
    # where its first word is a word of the message, so a message is checked against the
    # few phrases its own words start, in lexicon order, not against every phrase.
    _by_first_word: dict[str, tuple[int, ...]] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        index: dict[str, list[int]] = {}
        for position, phrase in enumerate(self.phrases):
            index.setdefault(phrase.text[1:].split(" ", 1)[0], []).append(position)
        object.__setattr__(
            self, "_by_first_word", {word: tuple(found) for word, found in index.items()}
        )

    def matches(self, text: str) -> list[LexiconHit]:
        """Every phrase found in text (already normalised or not), most urgent first."""
        haystack = f" {normalise(text)} "
        hits: list[LexiconHit] = []
        seen: set[str] = set()
        for phrase in self._candidates(haystack):
            if phrase.category in seen:
                continue
            if _found(haystack, phrase):
                hits.append(LexiconHit(phrase.category, phrase.language, phrase.shown))
                seen.add(phrase.category)
        return hits

    def _candidates(self, haystack: str) -> list[Phrase]:
        """The phrases whose first word is one of the haystack's words, in lexicon order.
        Splitting on single spaces gives exactly the words a space-padded phrase can start
        at (an empty word too, where spaces repeat), so no phrase that `_found` would find is
        left out."""
        positions: set[int] = set()
        for word in set(haystack.split(" ")):
            positions.update(self._by_first_word.get(word, ()))
        return [self.phrases[position] for position in sorted(positions)]

    def match(self, text: str) -> str | None:
        """The most urgent category a phrase in text raises, or None."""
        hits = self.matches(text)
        return hits[0].category if hits else None


def _found(haystack: str, phrase: Phrase) -> bool:
    start = haystack.find(phrase.text)
    while start != -1:
        after = haystack[start + len(phrase.text) :].split(" ", 1)[0]
        if after not in phrase.unless_next:
            return True
        start = haystack.find(phrase.text, start + 1)
    return False


def _phrase(category: str, language: str, item: object, where: str) -> Phrase | None:
    if isinstance(item, str):
        text, unless = item, []
    elif isinstance(item, dict) and isinstance(item.get("phrase"), str):
        text, unless = item["phrase"], item.get("unless_next") or []
        if not isinstance(unless, list) or not all(isinstance(w, str) for w in unless):
            raise LexiconError(f"{where}: `unless_next` must be a list of words")
    else:
        raise LexiconError(f"{where}: expected a phrase or {{phrase:, unless_next:}}")
    folded = normalise(text)
    if not folded:
        return None
    return Phrase(category, language, f" {folded} ", frozenset(normalise(w) for w in unless))


def load_lexicon(path: Path = LEXICON_PATH) -> Lexicon:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LexiconError(f"{path}: cannot read it ({type(exc).__name__})") from None
    # Parsed once per process for the same text: every runtime (each test's too) loads it.
    return _parse(text, str(path))


@lru_cache(maxsize=4)
def _parse(text: str, path: str) -> Lexicon:
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise LexiconError(f"{path}: cannot read it ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise LexiconError(f"{path}: expected a mapping of category -> language -> phrases")
    unknown = set(data) - set(PRIORITY)
    if unknown:
        raise LexiconError(f"{path}: unknown categories {sorted(unknown)}")
    phrases: list[Phrase] = []
    seen: set[tuple[str, str]] = set()
    # Most urgent category first, so the first hit is the one to act on.
    for category in PRIORITY:
        by_language = data.get(category) or {}
        if not isinstance(by_language, dict):
            raise LexiconError(f"{path}: {category}: expected language -> list of phrases")
        for language, items in by_language.items():
            for i, item in enumerate(items or ()):
                phrase = _phrase(category, str(language), item, f"{category}.{language}[{i}]")
                if phrase is not None and (category, phrase.text) not in seen:
                    seen.add((category, phrase.text))
                    phrases.append(phrase)
    return Lexicon(tuple(phrases))


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return load_lexicon()
