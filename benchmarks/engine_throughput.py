"""Drives N scripted conversations through the dialogue engine and prints throughput and latency.

    .venv/bin/python benchmarks/engine_throughput.py --conversations 200 [--threads 4]
    DATABASE_URL=postgresql+psycopg2://postgres@127.0.0.1:5432/test ... (PostgreSQL instead)

Uses the real NLU model (CAREBOT_MODEL_PATH, else var/models/nlu.tar.gz, trained if missing)
and a throwaway database (a temporary SQLite file unless DATABASE_URL is set).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

os.environ["RASA_TELEMETRY_ENABLED"] = "false"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.content import load_offer
from bot.db import make_engine, session_factory, upgrade
from bot.demo import PEOPLE, load_demo_data
from bot.logsafe import configure_logging
from bot.messages import InboundMessage
from bot.runtime import build_runtime
from bot.settings import load_settings
from dialogues.engine import DialogueEngine
from nlu import training

SCRIPTS = [
    ["hi", "who's my PA", "can u pay ma council tax", "/button more:council_tax", "thanks"],
    [
        "hello",
        "I want know about money for house",
        "cn i get free gym",
        "what is the weather",
        "ty",
    ],
    ["wat help can i get", "uni bursary?", "/button menu:", "/button topic:jobs", "cheers"],
    ["i got kicked out tonight nowhere to go", "who is my worker", "ok thanks"],
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def conversation(engine: DialogueEngine, index: int) -> list[float]:
    sender = f"bench-{uuid.uuid4().hex[:10]}"
    person = PEOPLE[index % len(PEOPLE)]
    engine.identify(
        "terminal",
        sender,
        young_person_ref=person.ref if index % 3 else None,
        council_id="plymouth",
    )
    timings = []
    for n, line in enumerate(SCRIPTS[index % len(SCRIPTS)]):
        if line.startswith("/button "):
            inbound = InboundMessage(
                "terminal", sender, f"{sender}-{n}", kind="button", payload=line.split(" ", 1)[1]
            )
        else:
            inbound = InboundMessage("terminal", sender, f"{sender}-{n}", text=line)
        started = time.perf_counter()
        turn = engine.handle(inbound)
        timings.append(time.perf_counter() - started)
        assert turn.messages, f"no reply to {line!r}"
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1, help="conversations run in parallel")
    args = parser.parse_args()
    configure_logging("WARNING")

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings()
        if not os.environ.get("DATABASE_URL"):
            settings = replace(settings, database_url=f"sqlite:///{tmp}/bench.db")
        examples = load_offer(settings.content_dir).examples_by_topic()
        if not training.is_current(settings.model_path, examples):
            print("training the NLU model first...", file=sys.stderr)
            training.train(settings.model_path, examples)
        db = make_engine(settings.database_url)
        upgrade(db)
        with session_factory(db).begin() as session:
            load_demo_data(session)
        runtime = build_runtime(settings)
        conversation(runtime.engine, 0)  # warm-up: first parse compiles TensorFlow graphs

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.threads) as pool:
            results = list(
                pool.map(lambda i: conversation(runtime.engine, i), range(args.conversations))
            )
        elapsed = time.perf_counter() - started

    latencies = [t * 1000 for timings in results for t in timings]
    backend = settings.database_url.split(":", 1)[0]
    print(
        f"backend={backend} conversations={args.conversations} threads={args.threads} "
        f"messages={len(latencies)}"
    )
    print(f"throughput: {len(latencies) / elapsed:.1f} messages/s over {elapsed:.2f} s")
    print(
        f"latency ms: p50={statistics.median(latencies):.2f} p99={percentile(latencies, 0.99):.2f} "
        f"max={max(latencies):.2f}"
    )


if __name__ == "__main__":
    main()
