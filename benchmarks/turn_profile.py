"""Where a turn's time goes: the web chat's texts through the dialogue engine under cProfile.

    .venv/bin/python benchmarks/turn_profile.py [--turns 400] [--top 25] [--database-url URL]

One process, no HTTP: the same engine `carebot run` builds (SQLite in a temporary folder
unless --database-url; demo data; the model `./dev.sh setup` trained). Each turn comes from
its own visitor, as on the web chat under load. Prints the median turn without the profiler,
SQL statements per turn, then the functions that took the most time under the profiler.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path

from sqlalchemy import event

os.environ["RASA_TELEMETRY_ENABLED"] = "false"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from web_load import MODEL, texts

from bot.db import make_engine, session_factory, upgrade
from bot.demo import load_demo_data
from bot.logsafe import configure_logging
from bot.messages import InboundMessage
from bot.runtime import build_runtime
from bot.settings import load_settings
from dialogues.engine import DialogueEngine


def turns(engine: DialogueEngine, lines: list[str], count: int) -> list[float]:
    """`count` turns, each from a new web visitor; milliseconds each."""
    timings = []
    for i in range(count):
        visitor = f"profile-{uuid.uuid4().hex[:12]}"
        inbound = InboundMessage(
            "web", visitor, f"{visitor}-1", text=lines[i % len(lines)], council_id="plymouth"
        )
        started = time.perf_counter()
        turn = engine.handle(inbound)
        timings.append((time.perf_counter() - started) * 1000)
        assert turn.messages
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=400)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    args = parser.parse_args()
    configure_logging("ERROR")
    lines = texts()
    with tempfile.TemporaryDirectory(prefix="carebot-profile-") as tmp:
        settings = replace(
            load_settings(),
            database_url=args.database_url or f"sqlite:///{tmp}/profile.db",
            model_path=MODEL,
            default_council="plymouth",
        )
        db = make_engine(settings.database_url)
        upgrade(db)
        with session_factory(db).begin() as session:
            load_demo_data(session)
        runtime = build_runtime(settings)
        statements: list[object] = []
        event.listen(runtime.db, "before_cursor_execute", lambda *_: statements.append(None))
        turns(runtime.engine, lines, 50)  # warm-up: first-use costs are not what we measure
        statements.clear()
        timings = turns(runtime.engine, lines, args.turns)
        per_turn = len(statements) / args.turns
        profiler = cProfile.Profile()
        profiler.enable()
        turns(runtime.engine, lines, args.turns)
        profiler.disable()
    print(f"{args.turns} turns, {settings.database_url.split(':')[0]}")
    print(
        f"  turn ms without the profiler: median {statistics.median(timings):.2f}, "
        f"p90 {sorted(timings)[int(0.9 * len(timings))]:.2f}"
    )
    print(f"  SQL statements per turn: {per_turn:.1f}")
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(args.top)
    stats.sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
