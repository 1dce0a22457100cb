"""The topic classifier's training data and its fingerprint: file helpers that never load Rasa."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from nlu.normalise import normalise

NLU_DIR = Path(__file__).resolve().parent
CONFIG_PATH = NLU_DIR / "config.yml"
DATA_DIR = NLU_DIR / "data"
# The writers' data (issue 13) trains the topic classifier only: the risk classifier reads
# nlu/data/*.yml as its "no risk" examples, and thousands more of them cost it recall.
WRITERS = "writers"


def data_files(data_dir: Path = DATA_DIR) -> list[Path]:
    """Every topic training file: nlu/data/*.yml and nlu/data/writers/*.yml."""
    return [*sorted(data_dir.glob("*.yml")), *sorted((data_dir / WRITERS).glob("*.yml"))]


def fingerprint_path(model_path: Path) -> Path:
    """Where the fingerprint of the model at `model_path` is kept (beside it)."""
    return model_path.with_name(model_path.name + ".fingerprint")


def fingerprint(
    extra_examples: Mapping[str, Sequence[str]],
    data_dir: Path = DATA_DIR,
    config: Path = CONFIG_PATH,
) -> str:
    """A hash of everything that shapes the model, so setup retrains only when it changed."""
    digest = hashlib.sha256()
    digest.update(config.read_bytes())
    # The model learns normalised text: a change to the normaliser means training again.
    digest.update((NLU_DIR / "normalise.py").read_bytes())
    for path in data_files(data_dir):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    normalised = {intent: sorted(set(examples)) for intent, examples in extra_examples.items()}
    digest.update(json.dumps(normalised, sort_keys=True).encode())
    return digest.hexdigest()


def is_current(model_path: Path, extra_examples: Mapping[str, Sequence[str]]) -> bool:
    """True when the model at `model_path` was trained on exactly this data and config."""
    stamp = fingerprint_path(model_path)
    return (
        model_path.is_file()
        and stamp.is_file()
        and stamp.read_text().strip() == fingerprint(extra_examples)
    )


def as_parsed(text: str) -> str:
    """What the classifier reads: the normalised text (texting and ESOL spellings folded,
    Arabic-script keyboards folded), or the text itself when nothing is left (emoji)."""
    return normalise(text) or text.strip()


def read_data(data_dir: Path = DATA_DIR) -> dict[str, list[str]]:
    """Every training example in nlu/data (Rasa NLU YAML), by intent."""
    found: dict[str, list[str]] = {}
    for path in data_files(data_dir):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            found.setdefault(block["intent"], []).extend(
                line.strip()[2:].strip()
                for line in block["examples"].splitlines()
                if line.strip().startswith("- ")
            )
    return found
