"""`carebot nlu eval`: scores the whole path a message takes (safety lexicon, classifier,
fallback) against a labelled test file in Rasa's NLU YAML format."""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from matplotlib.figure import Figure

from dialogues.understanding import OUT_OF_SCOPE, Understander
from nlu.risk import CATEGORIES
from nlu.risk.taxonomy import HOMELESS_TONIGHT

# The topic sets label risk with the topic classifier's two older intents.
CRISIS = "crisis"
HOMELESS_NOW = "homeless_now"


def _as_topic_label(routed: str) -> str:
    """A risk category as the topic sets label it (a risk set scores categories itself)."""
    if routed in CATEGORIES:
        return HOMELESS_NOW if routed == HOMELESS_TONIGHT else CRISIS
    return routed


class TestFileError(ValueError):
    """The test file is not Rasa NLU YAML; the message says where."""


@dataclass(frozen=True)
class Example:
    """One labelled test message."""

    intent: str
    text: str


def read_examples(path: Path) -> list[Example]:
    """Every example in a test file in Rasa NLU YAML; TestFileError says what is wrong."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise TestFileError(f"{path}: cannot read it as YAML ({type(exc).__name__})") from None
    blocks = data.get("nlu") if isinstance(data, dict) else None
    if not isinstance(blocks, list):
        raise TestFileError(f"{path}: expected a top-level `nlu:` list (Rasa NLU YAML)")
    examples = []
    for i, block in enumerate(blocks):
        if (
            not isinstance(block, dict)
            or not isinstance(block.get("intent"), str)
            or not isinstance(block.get("examples"), str)
        ):
            raise TestFileError(f"{path}: nlu[{i}]: expected `intent:` and an `examples: |` block")
        for line in block["examples"].splitlines():
            line = line.strip()
            if line.startswith("- ") and line[2:].strip():
                examples.append(Example(block["intent"], line[2:].strip()))
    if not examples:
        raise TestFileError(f"{path}: no examples found")
    return examples


@dataclass
class Report:
    """What each message was labelled and routed to, and the figures made from them."""

    labels: list[str]
    gold: list[str]
    predicted: list[str]
    parse_ms: list[float]
    per_intent: dict[str, tuple[float, float, float, int]] = field(default_factory=dict)

    def _rate(self, hits: int, total: int) -> float:
        return hits / total if total else float("nan")

    @property
    def in_scope_accuracy(self) -> float:
        """Of the messages labelled with a real intent, the share routed to it."""
        pairs = [
            (g, p) for g, p in zip(self.gold, self.predicted, strict=True) if g != OUT_OF_SCOPE
        ]
        return self._rate(sum(g == p for g, p in pairs), len(pairs))

    @property
    def oos_false_acceptance(self) -> float:
        """Of the out-of-scope messages, the share routed to an intent anyway."""
        oos = [p for g, p in zip(self.gold, self.predicted, strict=True) if g == OUT_OF_SCOPE]
        return self._rate(sum(p != OUT_OF_SCOPE for p in oos), len(oos))

    @property
    def crisis_recall(self) -> float:
        """Of the messages labelled crisis, the share routed to crisis."""
        crisis = [p for g, p in zip(self.gold, self.predicted, strict=True) if g == CRISIS]
        return self._rate(sum(p == CRISIS for p in crisis), len(crisis))

    @property
    def crisis_false_alarms(self) -> float:
        """Of the messages not labelled crisis, the share routed to crisis."""
        other = [p for g, p in zip(self.gold, self.predicted, strict=True) if g != CRISIS]
        return self._rate(sum(p == CRISIS for p in other), len(other))

    @property
    def macro_f1(self) -> float:
        """The mean of the per-intent F1 scores."""
        return statistics.fmean(f1 for _, _, f1, _ in self.per_intent.values())

    @property
    def accuracy(self) -> float:
        """The share of all messages routed as labelled."""
        return self._rate(
            sum(g == p for g, p in zip(self.gold, self.predicted, strict=True)), len(self.gold)
        )

    def misses(self, examples: Sequence[Example]) -> list[tuple[str, str, str]]:
        """(labelled, routed, text) for every message routed wrongly."""
        return [
            (e.intent, p, e.text)
            for e, p in zip(examples, self.predicted, strict=True)
            if e.intent != p
        ]


def evaluate(understander: Understander, examples: Sequence[Example]) -> Report:
    """Route every example through the whole message path, timing each, and score it."""
    gold, predicted, timings = [], [], []
    for example in examples:
        started = time.perf_counter()
        understanding = understander.text(example.text)
        timings.append((time.perf_counter() - started) * 1000)
        gold.append(example.intent)
        predicted.append(_as_topic_label(understanding.routed))
    labels = sorted(set(gold) | set(predicted))
    report = Report(labels=labels, gold=gold, predicted=predicted, parse_ms=timings)
    for label in sorted(set(gold)):
        tp = sum(g == label and p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(g != label and p == label for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label and p != label for g, p in zip(gold, predicted, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        report.per_intent[label] = (precision, recall, f1, tp + fn)
    return report


def format_report(report: Report) -> str:
    """The figures as `carebot nlu eval` prints them, per intent last."""
    times = sorted(report.parse_ms)
    lines = [
        f"messages: {len(report.gold)}",
        f"in-scope intent accuracy: {report.in_scope_accuracy:.3f}",
        f"overall accuracy: {report.accuracy:.3f}",
        f"macro-F1: {report.macro_f1:.3f}",
        f"out-of-scope false acceptance: {report.oos_false_acceptance:.3f}",
        f"crisis recall: {report.crisis_recall:.3f}",
        f"crisis false alarms: {report.crisis_false_alarms:.3f}",
        f"parse ms: median {statistics.median(times):.2f}, "
        f"p99 {times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]:.2f}",
        "",
        f"{'intent':<26}{'precision':>10}{'recall':>8}{'f1':>7}{'n':>5}",
    ]
    for label, (precision, recall, f1, n) in report.per_intent.items():
        lines.append(f"{label:<26}{precision:>10.2f}{recall:>8.2f}{f1:>7.2f}{n:>5}")
    return "\n".join(lines)


def write_confusion(report: Report, path: Path) -> Path:
    """Draw the confusion matrix (labelled against routed) as a PNG at `path`."""
    labels = report.labels
    index = {label: i for i, label in enumerate(labels)}
    counts = Counter(zip(report.gold, report.predicted, strict=True))
    matrix = [[counts.get((g, p), 0) for p in labels] for g in labels]
    size = max(6.0, 0.38 * len(labels) + 2)
    # A Figure of its own rather than pyplot: no global backend or figure state to manage,
    # and savefig renders the PNG with Agg either way.
    fig = Figure(figsize=(size, size))
    ax = fig.subplots()
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("routed to")
    ax.set_ylabel("labelled")
    for (gold_label, predicted_label), n in counts.items():
        ax.text(
            index[predicted_label],
            index[gold_label],
            str(n),
            ha="center",
            va="center",
            fontsize=7,
            color="black",
        )
    ax.set_title("Whole-path confusion (safety lexicon + classifier + fallback)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return path
