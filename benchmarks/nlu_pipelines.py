"""Compares ways to understand messages, through the whole message path, and chooses.

    .venv/bin/python benchmarks/nlu_pipelines.py [--variants current logreg ...] [--sets F ...]

Each variant trains a model (timing it) and scores the development sets (the older held-out
sets: English, English blind, Arabic, Dari) with the safety lexicon, the classifier and the
fallback exactly as the bot routes messages. Variants:

  current      the pipeline before issue 13: logistic regression over words and character
               n-grams, the older training data only, raw text
  data         the same pipeline on the enlarged data (nlu/data/writers/ too)
  fold         + the normaliser before classification (texting and ESOL spellings, Arabic-
               script keyboards folded), in training and at parse time: what the bot runs
  capped       fold, with the vocabularies capped (benchmarks/pipelines/capped.yml)
  diet         DIET (benchmarks/pipelines/diet.yml) on the enlarged, normalised data
  per_script   two logistic-regression models on normalised data, one for Latin-script
               messages and one for the others (Arabic script, Ge'ez), chosen by script

Choose on the development sets; then score only the chosen one on a blind set (--sets):
a blind set that chose the variant would no longer be blind.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ["RASA_TELEMETRY_ENABLED"] = "false"
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from bot.content import load_offer  # noqa: E402
from bot.logsafe import configure_logging  # noqa: E402
from bot.nlu_eval import evaluate, read_examples  # noqa: E402
from dialogues.understanding import Understander  # noqa: E402
from nlu import NluResult, training  # noqa: E402
from nlu.rasa_interpreter import RasaInterpreter  # noqa: E402
from nlu.risk import default_detector  # noqa: E402

PIPELINES = ROOT / "benchmarks" / "pipelines"
TESTS = ROOT / "tests" / "nlu"
DEV_SETS = [TESTS / n for n in ("heldout.yml", "heldout_blind.yml", "heldout_ar.yml")] + [
    TESTS / "heldout_fa_AF.yml"
]


def latin(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return sum(1 for c in letters if ord(c) < 0x0250) * 2 >= len(letters)


class ByScript:
    """Two models: one for messages mostly in Latin letters, one for the rest."""

    def __init__(self, latin_model: RasaInterpreter, other_model: RasaInterpreter) -> None:
        self._latin, self._other = latin_model, other_model

    def parse(self, text: str) -> NluResult:
        return (self._latin if latin(text) else self._other).parse(text)


def data_dir(tmp: Path, name: str, *, new: bool, keep: Callable[[str], bool] | None) -> Path:
    """A copy of nlu/data with or without the new files, examples filtered by `keep`."""
    folder = tmp / f"data-{name}"
    (folder / training.WRITERS).mkdir(parents=True)
    for path in training.data_files():
        if not new and path.parent.name == training.WRITERS:
            continue
        target = folder / path.relative_to(training.DATA_DIR)
        if keep is None:
            shutil.copy(path, target)
            continue
        blocks = []
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            lines = [
                line
                for line in block["examples"].splitlines()
                if line.strip().startswith("- ") and keep(line.strip()[2:])
            ]
            if lines:
                blocks.append({"intent": block["intent"], "examples": "\n".join(lines) + "\n"})
        target.write_text(
            yaml.safe_dump({"version": "3.1", "nlu": blocks}, allow_unicode=True),
            encoding="utf-8",
        )
    return folder


def build(name: str, tmp: Path, content: dict[str, list[str]]) -> tuple[object, float]:
    """(interpreter, training seconds) for one variant."""
    logreg = training.CONFIG_PATH
    started = time.perf_counter()

    def train(tag: str, config: Path, folder: Path, fold: bool, extra: dict) -> RasaInterpreter:
        model = training.train(
            tmp / f"{tag}.tar.gz", extra, config=config, data_dir=folder, fold=fold
        )
        return RasaInterpreter(model, fold=fold)

    if name == "current":
        folder = data_dir(tmp, name, new=False, keep=None)
        interpreter: object = train(name, logreg, folder, False, content)
    elif name == "data":
        interpreter = train(name, logreg, data_dir(tmp, name, new=True, keep=None), False, content)
    elif name == "fold":
        interpreter = train(name, logreg, data_dir(tmp, name, new=True, keep=None), True, content)
    elif name == "capped":
        folder = data_dir(tmp, name, new=True, keep=None)
        interpreter = train(name, PIPELINES / "capped.yml", folder, True, content)
    elif name == "diet":
        folder = data_dir(tmp, name, new=True, keep=None)
        interpreter = train(name, PIPELINES / "diet.yml", folder, True, content)
    elif name == "per_script":
        parts = []
        for tag, wanted in (("latin", True), ("other", False)):
            folder = data_dir(
                tmp, f"{name}-{tag}", new=True, keep=lambda t, w=wanted: latin(t) == w
            )
            extra = {k: [e for e in v if latin(e) == wanted] for k, v in content.items()}
            parts.append(train(f"{name}-{tag}", logreg, folder, True, extra))
        interpreter = ByScript(*parts)
    else:
        raise SystemExit(f"unknown variant {name!r}")
    return interpreter, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--variants", nargs="*", default=["current", "data", "fold", "per_script", "diet"]
    )
    parser.add_argument("--sets", nargs="*", type=Path, default=DEV_SETS)
    args = parser.parse_args()
    configure_logging("WARNING")
    content = load_offer(ROOT / "offer_content").examples_by_topic()
    sets = [(path.stem, read_examples(path)) for path in args.sets]
    print("sets: " + ", ".join(f"{name} ({len(ex)})" for name, ex in sets))
    print(f"{'variant':<12}{'set':<24}{'train s':>8}{'acc':>7}{'mF1':>7}{'oosFA':>7}{'p50 ms':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.variants:
            interpreter, train_s = build(name, Path(tmp), content)
            understander = Understander(interpreter, default_detector())  # type: ignore[arg-type]
            evaluate(understander, sets[0][1][:20])  # warm-up
            for set_name, examples in sets:
                report = evaluate(understander, examples)
                times = sorted(report.parse_ms)
                print(
                    f"{name:<12}{set_name:<24}{train_s:>8.1f}{report.in_scope_accuracy:>7.3f}"
                    f"{report.macro_f1:>7.3f}{report.oos_false_acceptance:>7.3f}"
                    f"{times[len(times) // 2]:>8.2f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
