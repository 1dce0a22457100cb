"""`carebot nlu eval`: score a labelled test file through the whole message path."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.nlu_eval import TestFileError, evaluate, format_report, read_examples, write_confusion
from bot.risk_eval import evaluate_risk, format_risk_report
from bot.runtime import load_interpreter, load_risk_detector
from bot.settings import Settings
from dialogues.understanding import Understander
from nlu.risk.data import RiskDataError, is_risk_file, read_messages


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Print the figures (a risk set per category and language, a topic set per intent, with
    a confusion matrix); exit 2 when the file cannot be read as a test set."""
    path = Path(args.file)
    # The file first: a mistake in it is reported at once, not after loading the model.
    risk_set = is_risk_file(path)
    try:
        messages = read_messages(path) if risk_set else []
        examples = [] if risk_set else read_examples(path)
    except (RiskDataError, TestFileError) as exc:
        print(f"carebot nlu eval: {exc}", file=sys.stderr)
        return 2
    understander = Understander(load_interpreter(settings), load_risk_detector(settings))
    if risk_set:
        report = evaluate_risk(understander, messages)
        print(format_risk_report(report, show_misses=args.misses))
        return 0
    topic_report = evaluate(understander, examples)
    print(format_report(topic_report))
    if args.misses:
        print("\nrouted wrongly (labelled -> routed: text):")
        for gold, routed, text in topic_report.misses(examples):
            print(f"  {gold} -> {routed}: {text}")
    image = (
        Path(args.confusion) if args.confusion else settings.data_dir / "nlu-eval" / "confusion.png"
    )
    print(f"\nconfusion matrix: {write_confusion(topic_report, image)}")
    return 0
