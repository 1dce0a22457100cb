"""Trains the Rasa NLU model from nlu/data plus example questions from the content files."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

# Importing rasa_setup quietens Rasa (telemetry off, warnings muted), so it comes before Rasa.
from nlu.rasa_setup import keep_logging, quiet_rasa
from nlu.training_data import (
    CONFIG_PATH,
    DATA_DIR,
    NLU_DIR,
    WRITERS,
    as_parsed,
    data_files,
    fingerprint,
    fingerprint_path,
    is_current,
    read_data,
)

# isort: split
from rasa.model_training import train_nlu

# The data helpers stay importable from here, where callers have always found them.
__all__ = [
    "CONFIG_PATH",
    "DATA_DIR",
    "NLU_DIR",
    "WRITERS",
    "as_parsed",
    "data_files",
    "fingerprint",
    "is_current",
    "read_data",
    "train",
]


def _write(path: Path, examples_by_intent: Mapping[str, Sequence[str]], fold: bool) -> None:
    blocks = []
    for intent in sorted(examples_by_intent):
        examples = sorted(
            {as_parsed(e) if fold else e.strip() for e in examples_by_intent[intent] if e.strip()}
        )
        if examples:
            blocks.append({"intent": intent, "examples": "".join(f"- {e}\n" for e in examples)})
    text = yaml.safe_dump({"version": "3.1", "nlu": blocks}, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")


def train(
    model_path: Path,
    extra_examples: Mapping[str, Sequence[str]],
    *,
    config: Path = CONFIG_PATH,
    data_dir: Path = DATA_DIR,
    fold: bool = True,
) -> Path:
    """Train and atomically replace the model at model_path; returns that path. `fold`
    (normalised text, as `RasaInterpreter` parses it) is off only to measure without it."""
    quiet_rasa()
    # Rasa would otherwise fill ./.rasa/cache in whatever folder we were started from.
    os.environ.setdefault("RASA_MAX_CACHE_SIZE", "0")
    model_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="carebot-train-") as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        _write(data / "nlu_data.yml", read_data(data_dir), fold)
        _write(data / "content_examples.yml", extra_examples, fold)
        with keep_logging():
            built = train_nlu(
                config=str(config),
                nlu_data=str(data),
                output=str(Path(tmp) / "out"),
                fixed_model_name="nlu",
            )
        if not built:
            raise RuntimeError("Rasa did not produce a model; see the messages above")
        staged = model_path.with_name(model_path.name + ".new")
        shutil.move(built, staged)
        # The fingerprint first: a running bot reloads when the model file changes and then
        # reads the fingerprint to say which model it has.
        fingerprint_path(model_path).write_text(
            fingerprint(extra_examples, data_dir, config) + "\n"
        )
        os.replace(staged, model_path)
    return model_path
