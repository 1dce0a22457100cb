"""`carebot nlu eval RISK_FILE`: risk recall per category and language, and false alarms,
scored on the whole path a message takes (idioms, lexicon, risk classifier, topic classifier).
A check ("are you safe?" asked because only the topic classifier read a risk) counts as
neither: it is reported on its own line."""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from dialogues.understanding import Understander
from nlu.risk import NONE, PRIORITY
from nlu.risk.data import LabelledMessage

# Targets from the safeguarding issue: recall per category, and the false-alarm ceiling.
RECALL_TARGETS = {category: 0.97 for category in PRIORITY} | {
    "suicide_self_harm": 1.0,
    "medical_emergency": 1.0,
}
FALSE_ALARM_TARGET = 0.02


@dataclass
class RiskReport:
    messages: Sequence[LabelledMessage]
    predicted: list[str | None]
    parse_ms: list[float]
    signals: list[str] = field(default_factory=list)
    # Per message: the bot asked "are you safe right now?" first (see nlu/risk/detector.py).
    checks: list[bool] = field(default_factory=list)

    def checked(self) -> tuple[int, int]:
        """(checks on risk messages it missed, checks on benign messages)."""
        pairs = zip(self._pairs(), self.checks, strict=True)
        on_missed = on_benign = 0
        for (m, p), asked in pairs:
            if asked and m.label == NONE:
                on_benign += 1
            elif asked and p is None:
                on_missed += 1
        return on_missed, on_benign

    def _pairs(self) -> list[tuple[LabelledMessage, str | None]]:
        return list(zip(self.messages, self.predicted, strict=True))

    def recall(
        self, *, category: str | None = None, language: str | None = None
    ) -> tuple[int, int]:
        """(raised, total) over risk messages, optionally of one category or language.
        Raised means any risk path opened: the young person gets help either way."""
        risky = [
            (m, p)
            for m, p in self._pairs()
            if m.label != NONE
            and (category is None or m.label == category)
            and (language is None or m.language == language)
        ]
        return sum(p is not None for _, p in risky), len(risky)

    def category_accuracy(self) -> tuple[int, int]:
        risky = [(m, p) for m, p in self._pairs() if m.label != NONE]
        return sum(p == m.label for m, p in risky), len(risky)

    def false_alarms(self, language: str | None = None) -> tuple[int, int]:
        benign = [
            (m, p)
            for m, p in self._pairs()
            if m.label == NONE and (language is None or m.language == language)
        ]
        return sum(p is not None for _, p in benign), len(benign)

    def languages(self) -> list[str]:
        return sorted({m.language for m in self.messages})

    def missed(self) -> list[tuple[LabelledMessage, str | None]]:
        return [(m, p) for m, p in self._pairs() if m.label != NONE and p is None]

    def alarmed(self) -> list[tuple[LabelledMessage, str | None, str]]:
        return [
            (m, p, s)
            for (m, p), s in zip(self._pairs(), self.signals, strict=True)
            if m.label == NONE and p is not None
        ]


def evaluate_risk(understander: Understander, messages: Sequence[LabelledMessage]) -> RiskReport:
    predicted: list[str | None] = []
    timings: list[float] = []
    signals: list[str] = []
    checks: list[bool] = []
    for message in messages:
        started = time.perf_counter()
        understanding = understander.text(message.text)
        timings.append((time.perf_counter() - started) * 1000)
        predicted.append(understanding.safety)
        signals.append(understanding.risk.explain())
        checks.append(understanding.risk.check is not None)
    return RiskReport(messages, predicted, timings, signals, checks)


def _rate(hits: int, total: int) -> str:
    return f"{hits / total:.3f} ({hits}/{total})" if total else "n/a"


def format_risk_report(report: RiskReport, *, show_misses: bool = True) -> str:
    hits, total = report.recall()
    alarms, benign = report.false_alarms()
    right, risky = report.category_accuracy()
    lines = [
        f"messages: {len(report.messages)} ({total} risk, {benign} benign)",
        f"risk recall (any safety path): {_rate(hits, total)}",
        f"right category: {_rate(right, risky)}",
        f"false alarms: {_rate(alarms, benign)} (target <= {FALSE_ALARM_TARGET})",
        "asked 'are you safe?' first (topic classifier alone): "
        f"{report.checked()[0]} missed risk messages, {report.checked()[1]} benign",
        f"parse ms: median {statistics.median(report.parse_ms):.2f}",
        "",
        f"{'category':<22}{'recall':>18}{'target':>8}",
    ]
    for category in PRIORITY:
        h, n = report.recall(category=category)
        if n:
            lines.append(f"{category:<22}{_rate(h, n):>18}{RECALL_TARGETS[category]:>8.2f}")
    lines += ["", f"{'language':<10}{'recall':>18}{'false alarms':>18}"]
    for language in report.languages():
        h, n = report.recall(language=language)
        a, b = report.false_alarms(language=language)
        lines.append(f"{language:<10}{_rate(h, n):>18}{_rate(a, b):>18}")
    if show_misses:
        by_category: dict[str, list[str]] = defaultdict(list)
        for message, _ in report.missed():
            by_category[message.label].append(f"[{message.language}] {message.text}")
        lines += ["", "missed (no safety path):"]
        for category in PRIORITY:
            lines += [f"  {category}: {text}" for text in by_category.get(category, [])]
        lines += ["", "false alarms (benign -> category: signals):"]
        lines += [f"  [{m.language}] {m.text} -> {p}: {s}" for m, p, s in report.alarmed()]
    return "\n".join(lines)
