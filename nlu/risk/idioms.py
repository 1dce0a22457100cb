"""Idioms that use risk words in an everyday sense, read by their plain meaning before risk
detection ("dying to know" -> "really want to know"). The list is data: idioms.yml."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from nlu.normalise import normalise

IDIOMS_PATH = Path(__file__).resolve().parent / "idioms.yml"

# A message that laughs: some idioms are idioms only then ("I'm dead 😂", "killing me lol").
_LAUGHING = re.compile(
    r"(\b(lol+|lmf?ao+|haha\w*|hehe\w*|rofl|xd)\b|[\U0001F602\U0001F923\U0001F480\U0001F606\U0001F639])",
    re.IGNORECASE,
)


class IdiomError(ValueError):
    """The idiom file is malformed; the message says where."""


@dataclass(frozen=True)
class Idiom:
    language: str
    pattern: re.Pattern[str]
    means: str
    laughing: bool = False


@dataclass(frozen=True)
class PlainReading:
    """A message with its idioms replaced: `text` is normalised; `found` names each idiom."""

    text: str
    found: tuple[str, ...] = ()


@dataclass(frozen=True)
class Idioms:
    idioms: tuple[Idiom, ...]

    def read(self, text: str) -> PlainReading:
        folded = normalise(text)
        laughing = bool(_LAUGHING.search(text))
        found: list[str] = []
        for idiom in self.idioms:
            if idiom.laughing and not laughing:
                continue
            match = idiom.pattern.search(folded)
            if match is not None:
                found.append(match.group(0))
                folded = idiom.pattern.sub(idiom.means, folded)
        return PlainReading(" ".join(folded.split()), tuple(found))


def _idiom(language: str, item: object, where: str) -> Idiom:
    if not isinstance(item, dict) or not isinstance(item.get("means"), str):
        raise IdiomError(f"{where}: expected {{pattern: or phrase:, means:}}")
    means = item["means"]
    if isinstance(item.get("pattern"), str):
        source = item["pattern"]
    elif isinstance(item.get("phrase"), str) and normalise(item["phrase"]):
        source, means = re.escape(normalise(item["phrase"])), normalise(means)
    else:
        raise IdiomError(f"{where}: needs a `pattern` or a non-empty `phrase`")
    try:
        pattern = re.compile(rf"(?<!\w)(?:{source})(?!\w)")
    except re.error as exc:
        raise IdiomError(f"{where}: the pattern is not a regular expression ({exc})") from None
    return Idiom(language, pattern, means, bool(item.get("laughing", False)))


def load_idioms(path: Path = IDIOMS_PATH) -> Idioms:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise IdiomError(f"{path}: cannot read it ({type(exc).__name__})") from None
    # Parsed once per process for the same text: every runtime (each test's too) loads it.
    return _parse(text, str(path))


@lru_cache(maxsize=4)
def _parse(text: str, path: str) -> Idioms:
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise IdiomError(f"{path}: cannot read it ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise IdiomError(f"{path}: expected a mapping of language -> idioms")
    idioms: list[Idiom] = []
    for language, items in data.items():
        if not isinstance(items, list):
            raise IdiomError(f"{path}: {language}: expected a list of idioms")
        idioms += [_idiom(str(language), item, f"{language}[{i}]") for i, item in enumerate(items)]
    return Idioms(tuple(idioms))


@lru_cache(maxsize=1)
def default_idioms() -> Idioms:
    return load_idioms()
