"""`carebot train`: the topic model from nlu/data and the content's example questions."""

from __future__ import annotations

import argparse
import sys

from bot.content import ContentError, load_offer
from bot.settings import Settings
from nlu import training
from nlu.risk.classifier import load_or_train


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Train (with `--if-changed`, only when the data or config changed); exit 1 on a
    content error."""
    try:
        examples = load_offer(settings.content_dir).examples_by_topic()
    except ContentError as exc:
        print(f"carebot train: content error: {exc}", file=sys.stderr)
        return 1
    # Cached by its data: retrained only when nlu/data/risk changed.
    load_or_train(settings.model_path.parent)
    if args.if_changed and training.is_current(settings.model_path, examples):
        print(f"NLU model is up to date: {settings.model_path}")
        return 0
    path = training.train(settings.model_path, examples)
    print(f"NLU model written to {path}")
    return 0
