"""Compares ways of recognising risk, on the development set, and picks the threshold.

    .venv/bin/python benchmarks/risk_detection.py [--dev FILE] [--blind]

Each method is trained on nlu/data/risk/ (timed) and scored on benchmarks/data/risk_dev.yml
(written by a separate writer; tuning happens here and only here): recall over risk messages
(any safety path), the right category, and false alarms on benign near-misses, for the
lexicon alone, each classifier alone, and lexicon + classifier (how the bot runs); and false
alarms on everyday messages (benchmarks/data/risk_dev_everyday.yml, the last column).
--blind also prints the chosen method on the blind sets in tests/nlu/ (report only: nothing
is chosen on them).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.naive_bayes import ComplementNB  # noqa: E402
from sklearn.pipeline import FeatureUnion, Pipeline  # noqa: E402

from nlu.normalise import normalise  # noqa: E402
from nlu.risk.classifier import (  # noqa: E402
    DEFAULT_THRESHOLD,
    URGENT_THRESHOLD,
    RiskClassifier,
    build_pipeline,
)
from nlu.risk.data import LabelledMessage, read_messages, training_messages  # noqa: E402
from nlu.risk.detector import RiskDetector  # noqa: E402
from nlu.risk.idioms import default_idioms  # noqa: E402
from nlu.risk.lexicon import Lexicon, default_lexicon  # noqa: E402
from nlu.risk.taxonomy import NONE, PRIORITY  # noqa: E402

DEV = ROOT / "benchmarks" / "data" / "risk_dev.yml"
EVERYDAY = ROOT / "benchmarks" / "data" / "risk_dev_everyday.yml"
BLIND = sorted((ROOT / "tests" / "nlu").glob("risk_blind*.yml"))


def _union(char: bool, word: bool) -> FeatureUnion:
    parts = []
    if char:
        parts.append(
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True))
        )
    if word:
        parts.append(
            (
                "words",
                TfidfVectorizer(
                    ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b"
                ),
            )
        )
    return FeatureUnion(parts)


def variants() -> dict[str, Callable[[], Pipeline]]:
    return {
        "lr chars+words (shipped)": build_pipeline,
        "lr words only": lambda: Pipeline(
            [
                ("features", _union(False, True)),
                ("model", LogisticRegression(C=10, max_iter=3000, class_weight="balanced")),
            ]
        ),
        "lr chars only": lambda: Pipeline(
            [
                ("features", _union(True, False)),
                ("model", LogisticRegression(C=10, max_iter=3000, class_weight="balanced")),
            ]
        ),
        "lr chars+words C=1": lambda: Pipeline(
            [
                ("features", _union(True, True)),
                ("model", LogisticRegression(C=1, max_iter=3000, class_weight="balanced")),
            ]
        ),
        "naive bayes chars+words": lambda: Pipeline(
            [("features", _union(True, True)), ("model", ComplementNB(alpha=0.3))]
        ),
    }


def score(messages: Sequence[LabelledMessage], predicted: Sequence[str | None]) -> dict[str, float]:
    risky = [(m, p) for m, p in zip(messages, predicted, strict=True) if m.label != NONE]
    benign = [p for m, p in zip(messages, predicted, strict=True) if m.label == NONE]
    out = {
        "recall": sum(p is not None for _, p in risky) / len(risky),
        "category": sum(p == m.label for m, p in risky) / len(risky),
        "false_alarms": sum(p is not None for p in benign) / max(1, len(benign)),
    }
    for category in PRIORITY:
        of = [p for m, p in risky if m.label == category]
        if of:
            out[category] = sum(p is not None for p in of) / len(of)
    return out


def predict_with(
    classifier: RiskClassifier | None,
    threshold: float,
    use_lexicon: bool,
    texts: Sequence[str],
    *,
    past: bool = True,
    urgent: float = 2.0,
) -> list[str | None]:
    """As the bot decides (without the topic classifier's two safety intents)."""
    lexicon = default_lexicon() if use_lexicon else Lexicon(())
    if classifier is not None:
        classifier.threshold = threshold
        classifier.urgent_threshold = urgent
    detector = RiskDetector(lexicon, classifier, default_idioms())
    out: list[str | None] = []
    for text in texts:
        risk = detector.assess(text)
        out.append(risk.category if (risk.raised or (not past and risk.category)) else None)
    return out


def line(
    name: str, result: dict[str, float], extra: str = "", everyday: float | None = None
) -> str:
    cats = " ".join(f"{result.get(c, float('nan')):.2f}" for c in PRIORITY)
    daily = "" if everyday is None else f"{everyday:>7.3f}"
    return (
        f"{name:<40}{result['recall']:>7.3f}{result['category']:>7.3f}"
        f"{result['false_alarms']:>7.3f}   {cats}{daily}  {extra}"
    )


def alarm_rate(predicted: Sequence[str | None]) -> float:
    return sum(p is not None for p in predicted) / max(1, len(predicted))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=DEV)
    parser.add_argument("--blind", action="store_true")
    parser.add_argument("--show", action="store_true", help="list the shipped method's dev errors")
    args = parser.parse_args()
    train = training_messages()
    dev = read_messages(args.dev)
    texts = [m.text for m in dev]
    everyday = [m.text for m in read_messages(EVERYDAY)] if EVERYDAY.is_file() else []
    print(
        f"training messages: {len(train)}; development messages: {len(dev)}; "
        f"everyday messages: {len(everyday)}"
    )
    header = "categories: " + " ".join(c[:8] for c in PRIORITY) + "  everyday"
    print(f"{'method':<40}{'recall':>7}{'categ':>7}{'false':>7}   {header}")
    print(line("lexicon only", score(dev, predict_with(None, 1.0, True, texts))))
    print(
        line(
            "lexicon only, no past check",
            score(dev, predict_with(None, 1.0, True, texts, past=False)),
        )
    )
    trained: dict[str, RiskClassifier] = {}
    for name, make in variants().items():
        started = time.perf_counter()
        pipeline = make()
        pipeline.fit([normalise(m.text) for m in train], [m.label for m in train])
        seconds = time.perf_counter() - started
        classifier = RiskClassifier(pipeline)
        trained[name] = classifier
        timings = []
        for text in texts[:200]:
            t0 = time.perf_counter()
            classifier.predict(text)
            timings.append((time.perf_counter() - t0) * 1000)
        speed = f"train {seconds:.1f} s, predict {statistics.median(timings):.2f} ms"
        print(
            line(f"{name}, alone", score(dev, predict_with(classifier, 0.5, False, texts)), speed)
        )
        urgent_rules = (2.0, 0.1, 0.15, 0.2) if "shipped" in name else (2.0,)
        for threshold in (0.3, 0.4, 0.5, 0.6):
            for urgent in urgent_rules:
                result = score(dev, predict_with(classifier, threshold, True, texts, urgent=urgent))
                daily = alarm_rate(
                    predict_with(classifier, threshold, True, everyday, urgent=urgent)
                )
                rule = "" if urgent > 1 else f", urgent {urgent}"
                print(line(f"  + lexicon, threshold {threshold}{rule}", result, everyday=daily))
    if args.show:
        shipped = trained["lr chars+words (shipped)"]
        predicted = predict_with(shipped, DEFAULT_THRESHOLD, True, texts, urgent=URGENT_THRESHOLD)
        for m, p in zip(dev, predicted, strict=True):
            if (m.label == NONE) != (p is None):
                print(f"  {m.label:>20} -> {p}: [{m.language}] {m.text}")
    if args.blind:
        shipped = trained["lr chars+words (shipped)"]
        for path in BLIND:
            if path.is_file():
                blind = read_messages(path)
                result = score(
                    blind,
                    predict_with(
                        shipped,
                        DEFAULT_THRESHOLD,
                        True,
                        [m.text for m in blind],
                        urgent=URGENT_THRESHOLD,
                    ),
                )
                print(line(f"BLIND {path.name}", result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
