"""Reads risk-labelled message files (training data and evaluation sets share one format)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from nlu.risk.lexicon import default_lexicon
from nlu.risk.taxonomy import LABELS, NONE

RISK_DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "risk"
# The topic classifier's training data: ordinary questions, to teach the risk classifier what
# everyday messages look like (young people mostly ask about money, housing and college).
TOPIC_DATA_DIR = RISK_DATA_DIR.parent
# Its own risk intents are not "ordinary".
_NOT_ORDINARY = frozenset({"crisis", "homeless_now"})


class RiskDataError(ValueError):
    """A risk data file is malformed; the message says which file and item."""


@dataclass(frozen=True)
class LabelledMessage:
    text: str
    label: str
    language: str = "en"
    style: str = "standard"


def read_messages(path: Path) -> list[LabelledMessage]:
    """Every message of one file: `messages:` items with text, label, language and style."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RiskDataError(f"{path}: cannot read it as YAML ({type(exc).__name__})") from None
    items = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise RiskDataError(f"{path}: expected a non-empty top-level `messages:` list")
    found = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise RiskDataError(f"{path}: messages[{i}]: expected `text:` and `label:`")
        label = item.get("label")
        if label not in LABELS:
            raise RiskDataError(f"{path}: messages[{i}]: unknown label {label!r}")
        found.append(
            LabelledMessage(
                text=item["text"].strip(),
                label=label,
                language=str(item.get("language") or "en"),
                style=str(item.get("style") or "standard"),
            )
        )
    return found


def is_risk_file(path: Path) -> bool:
    """True for a file in this format (as opposed to Rasa NLU YAML)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and "messages" in data


def ordinary_messages(topic_dir: Path = TOPIC_DATA_DIR) -> list[LabelledMessage]:
    """The topic classifier's examples (not its risk intents), labelled `none`. Examples the
    risk lexicon fires on are left out: an ordinary question should not teach "no risk" to a
    message that has risk words in it."""
    lexicon = default_lexicon()
    found: list[LabelledMessage] = []
    for path in sorted(topic_dir.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or ():
            if not isinstance(block, dict) or block.get("intent") in _NOT_ORDINARY:
                continue
            for line in str(block.get("examples") or "").splitlines():
                text = line.strip()[2:].strip() if line.strip().startswith("- ") else ""
                if text and lexicon.match(text) is None:
                    found.append(LabelledMessage(text=text, label=NONE, style="topic"))
    return found


def training_messages(
    data_dir: Path = RISK_DATA_DIR, topic_dir: Path | None = TOPIC_DATA_DIR
) -> list[LabelledMessage]:
    messages: list[LabelledMessage] = []
    for path in sorted(data_dir.glob("*.yml")):
        messages += read_messages(path)
    if topic_dir is not None:
        messages += ordinary_messages(topic_dir)
    return messages
