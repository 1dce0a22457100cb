"""Trains the Rasa NLU model from nlu/data plus example questions from the content files."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from nlu.normalise import normalise
from nlu.rasa_setup import keep_logging, quiet_rasa

NLU_DIR = Path(__file__).resolve().parent
CONFIG_PATH = NLU_DIR / "config.yml"
DATA_DIR = NLU_DIR / "data"
# The writers' data (issue 13) trains the topic classifier only: the risk classifier reads
# nlu/data/*.yml as its "no risk" examples, and thousands more of them cost it recall.
WRITERS = "writers"


def data_files(data_dir: Path = DATA_DIR) -> list[Path]:
    """Every topic training file: nlu/data/*.yml and nlu/data/writers/*.yml."""
    return [*sorted(data_dir.glob("*.yml")), *sorted((data_dir / WRITERS).glob("*.yml"))]


def _fingerprint_path(model_path: Path) -> Path:
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
    stamp = _fingerprint_path(model_path)
    return (
        model_path.is_file()
        and stamp.is_file()
        and stamp.read_text().strip() == fingerprint(extra_examples)
    )


def as_parsed(text: str) -> str:
    """What the classifier reads: the normalised text (texting and ESOL spellings folded,
    Arabic-script keyboards folded), or the text itself when nothing is left (emoji)."""
    return normalise(text) or text.strip()


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
    from rasa.model_training import train_nlu

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
        _fingerprint_path(model_path).write_text(
            fingerprint(extra_examples, data_dir, config) + "\n"
        )
        os.replace(staged, model_path)
    return model_path
