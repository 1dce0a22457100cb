"""Compares NLU pipelines on the held-out set, through the whole message path.

    .venv/bin/python benchmarks/nlu_pipelines.py [--pipelines logreg diet] [--thresholds]

For each config in benchmarks/pipelines/ it trains a model from nlu/data plus the content
examples (timing it), then scores tests/nlu/heldout.yml with the safety lexicon, classifier
and fallback exactly as the bot routes messages. --thresholds also sweeps the fallback
threshold for each pipeline (from the model's own ranking, no retraining).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ["RASA_TELEMETRY_ENABLED"] = "false"
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.content import load_offer  # noqa: E402
from bot.logsafe import configure_logging  # noqa: E402
from bot.nlu_eval import evaluate, read_examples  # noqa: E402
from dialogues.understanding import Understander  # noqa: E402
from nlu import IntentScore, NluResult, training  # noqa: E402
from nlu.rasa_interpreter import RasaInterpreter  # noqa: E402
from nlu.result import FALLBACK_INTENT  # noqa: E402
from nlu.risk import default_detector  # noqa: E402

PIPELINES = ROOT / "benchmarks" / "pipelines"
HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"


class Rethresholded:
    """The same model, with the fallback decided at another threshold."""

    def __init__(self, inner: RasaInterpreter, threshold: float) -> None:
        self._inner, self._threshold = inner, threshold

    def parse(self, text: str) -> NluResult:
        result = self._inner.parse(text)
        real = [s for s in result.ranking if s.intent != FALLBACK_INTENT]
        if not real:
            return result
        best = real[0]
        if best.confidence < self._threshold:
            return NluResult(
                FALLBACK_INTENT,
                1 - best.confidence,
                (IntentScore(FALLBACK_INTENT, 1 - best.confidence), *real),
            )
        return NluResult(best.intent, best.confidence, tuple(real))


def row(name: str, train_s: float, report) -> str:
    times = sorted(report.parse_ms)
    return (
        f"{name:<22}{train_s:>8.1f}{report.in_scope_accuracy:>8.3f}{report.macro_f1:>8.3f}"
        f"{report.oos_false_acceptance:>8.3f}{report.crisis_recall:>8.3f}"
        f"{report.crisis_false_alarms:>8.3f}{times[len(times) // 2]:>8.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pipelines", nargs="*", default=sorted(p.stem for p in PIPELINES.glob("*.yml"))
    )
    parser.add_argument("--thresholds", action="store_true")
    args = parser.parse_args()
    configure_logging("WARNING")
    examples = read_examples(HELDOUT)
    content = load_offer(ROOT / "offer_content").examples_by_topic()
    print(f"held-out messages: {len(examples)}")
    print(
        f"{'pipeline':<22}{'train s':>8}{'acc':>8}{'mF1':>8}{'oosFA':>8}{'crisR':>8}"
        f"{'crisFA':>8}{'p50 ms':>8}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.pipelines:
            started = time.perf_counter()
            model = training.train(
                Path(tmp) / f"{name}.tar.gz", content, config=PIPELINES / f"{name}.yml"
            )
            train_s = time.perf_counter() - started
            interpreter = RasaInterpreter(model)
            understander = Understander(interpreter, default_detector())
            evaluate(understander, examples[:20])  # warm-up
            print(row(name, train_s, evaluate(understander, examples)), flush=True)
            if args.thresholds:
                for threshold in (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5):
                    swept = Understander(Rethresholded(interpreter, threshold), default_detector())
                    print(
                        row(f"  threshold {threshold}", 0.0, evaluate(swept, examples)), flush=True
                    )


if __name__ == "__main__":
    main()
