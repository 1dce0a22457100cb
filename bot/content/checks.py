"""Checks across the content, once every file is read: the national baseline, files the bot
would skip, references between topics, example questions two topics share, translations and
first messages."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from bot.content import first_message, readability
from bot.content.files import ContentFile
from bot.content.model import NATIONAL, REQUIRED_TOPICS, Topic, Translation
from bot.i18n import EASY_ENGLISH

# Council id (or NATIONAL) -> topic id -> the topic, and the file each topic came from.
Topics = Mapping[str, Mapping[str, Topic]]
TopicFiles = Mapping[tuple[str, str], ContentFile]


def yaml_ending_problems(files: Iterable[ContentFile], folder: Path) -> None:
    """The bot reads only .yml files: name each .yaml one in `folder` on the folder's first
    readable .yml file."""
    first = next(
        (
            f
            for f in files
            if f.path.suffix == ".yml" and f.path.parent == folder and f.data is not None
        ),
        None,
    )
    if first is None:
        return
    for extra in sorted(set(folder.glob("*.yaml"))):
        first.add([], f"{extra.name}: use the .yml ending so the bot reads it", line=1)


def baseline_problems(root: Path, national: Mapping[str, Topic]) -> list[ContentFile]:
    """The national folder, or the required topics it lacks, as missing files."""
    if not (root / NATIONAL).is_dir():
        f = ContentFile(root / NATIONAL, f"{root.name}/{NATIONAL}")
        f.add(
            [],
            "missing; the national baseline folder answers topics a council has no file for",
            line=1,
        )
        return [f]
    missing = []
    for topic_id in REQUIRED_TOPICS:
        if topic_id not in national:
            f = ContentFile(root / NATIONAL, f"{root.name}/{NATIONAL}/{topic_id}.yml")
            f.add([], f"missing; the baseline must answer {topic_id!r} for every council", line=1)
            missing.append(f)
    return missing


def topic_problems(topics: Topics, topic_files: TopicFiles, languages: Iterable[str]) -> None:
    """Each topic against the rest: its related topics exist, its example questions are its
    own, and its translations are there, current and reviewed."""
    languages = tuple(languages)
    # Files in name order: of two topics sharing an example, the later file is told.
    seen_examples: dict[str, tuple[str, ContentFile, int]] = {}
    for (folder, topic_id), f in sorted(topic_files.items(), key=lambda item: item[1].name):
        topic = topics[folder][topic_id]
        _related_problems(f, topic, topics)
        _shared_example_problems(f, topic, seen_examples)
        _translation_problems(f, topic, languages)


def first_message_problems(topic_files: TopicFiles) -> None:
    """Every first message leads with the fact and fits one phone screen (first_message.py)."""
    for (council, topic_id), f in topic_files.items():
        for path, message, severity in first_message.problems(f.data, council, topic_id):
            f.add(path, message, severity=severity)


def _related_problems(f: ContentFile, topic: Topic, topics: Topics) -> None:
    folder = topic.council_id
    for i, other in enumerate(topic.related):
        if other not in topics.get(folder, {}) and other not in topics.get(NATIONAL, {}):
            f.add(
                ["related", i],
                f"{other!r} is not a topic of {folder} or the national "
                "baseline; expected an existing topic id",
            )


def _normalise_example(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.casefold()).split())


def _shared_example_problems(
    f: ContentFile, topic: Topic, seen: dict[str, tuple[str, ContentFile, int]]
) -> None:
    """`seen`: each example so far (normalised) -> its topic id, file and line."""
    for i, example in enumerate(topic.examples):
        key = _normalise_example(example)
        owner = seen.get(key)
        if owner is None:
            seen[key] = (topic.id, f, f.lines.line(["examples", i], key=False))
        elif owner[0] != topic.id:
            f.add(
                ["examples", i],
                f"{example!r} is also an example of {owner[0]!r} "
                f"({owner[1].name}:{owner[2]}); each example question "
                "belongs to one topic",
            )


def _translation_problems(f: ContentFile, topic: Topic, languages: tuple[str, ...]) -> None:
    current = topic.english_hash()
    for code in languages:
        if code not in topic.translations:
            f.add(
                ["translations"],
                f"no {code} translation; add one (source_hash: {current})",
                severity="warning",
            )
    for code, translation in topic.translations.items():
        if translation.source_hash != current:
            f.add(
                ["translations", code],
                f"stale: the English changed since this was "
                f"translated; update it and set source_hash: {current}",
                severity="warning",
            )
        if translation.status == "draft":
            f.add(
                ["translations", code, "status"],
                "draft translation awaiting review by a qualified translator",
                severity="warning",
            )
        if code == EASY_ENGLISH:
            _easy_english_problems(f, translation)


def _easy_english_problems(f: ContentFile, translation: Translation) -> None:
    texts = [("answer", translation.answer), ("detail", translation.detail)]
    texts += [("variants", answer) for answer, _detail in translation.variants]
    for field_name, text in texts:
        for problem in readability.problems(text or ""):
            f.add(
                ["translations", EASY_ENGLISH, field_name],
                f"Easy English: {problem}",
                severity="warning",
            )
