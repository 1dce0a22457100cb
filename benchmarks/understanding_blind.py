"""Scores the bot's model on the blind understanding sets, by language and by style.

    .venv/bin/python benchmarks/understanding_blind.py [--misses] [--folder DIR]

Uses the trained model (CAREBOT_MODEL_PATH, else var/models/nlu.tar.gz) and the whole
message path (safety lexicon, risk classifier, topic classifier, fallback), on
benchmarks/data/blind_understanding/*_with_styles.yml (the same messages as
tests/nlu/blind_understanding_*.yml, with each message's language and style), or the
second blind sets in benchmarks/data/blind_understanding_v2/. Measure once
per design; nothing is tuned on these sets.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from collections import defaultdict
from pathlib import Path

os.environ["RASA_TELEMETRY_ENABLED"] = "false"
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from bot.logsafe import configure_logging  # noqa: E402
from bot.nlu_eval import Example, evaluate  # noqa: E402
from bot.runtime import load_risk_detector  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from dialogues.understanding import OUT_OF_SCOPE, Understander  # noqa: E402
from nlu.rasa_interpreter import RasaInterpreter  # noqa: E402

SETS = ROOT / "benchmarks" / "data" / "blind_understanding"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="print every miss")
    parser.add_argument(
        "--folder", type=Path, default=SETS, help="blind_understanding (default) or _v2"
    )
    args = parser.parse_args()
    configure_logging("WARNING")
    settings = load_settings()
    understander = Understander(RasaInterpreter(settings.model_path), load_risk_detector(settings))
    for path in sorted(args.folder.glob("*_with_styles.yml")):
        messages = yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]
        report = evaluate(understander, [Example(m["label"], m["text"]) for m in messages])
        print(
            f"\n{path.name}: {len(messages)} messages; in-scope accuracy "
            f"{report.in_scope_accuracy:.3f}, macro-F1 {report.macro_f1:.3f}, off-topic "
            f"accepted {report.oos_false_acceptance:.3f}, median parse "
            f"{statistics.median(report.parse_ms):.1f} ms"
        )
        groups: dict[str, list[tuple[bool, dict]]] = defaultdict(list)
        misses = []
        for message in messages:
            routed = understander.text(message["text"]).routed
            routed = {"nlu_fallback": OUT_OF_SCOPE}.get(routed, routed)
            right = routed == message["label"]
            scope = "off-topic" if message["label"] == OUT_OF_SCOPE else "in scope"
            groups[f"{scope} / {message['language']}"].append((right, message))
            groups[f"{scope} / style {message.get('style', '?')}"].append((right, message))
            if not right:
                misses.append((message, routed))
        for name in sorted(groups):
            found = groups[name]
            right = sum(1 for ok, _ in found if ok)
            figure = "accepted as a topic" if name.startswith("off-topic") else "right"
            share = (
                right / len(found) if not name.startswith("off-topic") else 1 - right / len(found)
            )
            print(f"  {name:<28} {share:.3f} {figure} ({len(found)})")
        if args.misses:
            for message, routed in misses:
                print(f"  MISS {message['label']:<24} -> {routed:<24} {message['text']}")


if __name__ == "__main__":
    main()
