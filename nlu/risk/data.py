"""Reads risk-labelled message files (training data and evaluation sets share one format)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from nlu.risk.taxonomy import LABELS

RISK_DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "risk"


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


def training_messages(data_dir: Path = RISK_DATA_DIR) -> list[LabelledMessage]:
    messages: list[LabelledMessage] = []
    for path in sorted(data_dir.glob("*.yml")):
        messages += read_messages(path)
    return messages
