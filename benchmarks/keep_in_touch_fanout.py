"""10,000 young people due a check-in in the same minute, sent through the real Telegram
client to a local fake Bot API: how long planning takes, the send rate, and whether every
message went exactly once.

    .venv/bin/python benchmarks/keep_in_touch_fanout.py [--people 10000] [--rate 29]
    DATABASE_URL=postgresql+psycopg2://postgres@127.0.0.1:5432/test ... (PostgreSQL instead)

At 29 messages a second 10,000 take about six minutes: Telegram allows about 30 a second
overall, and the bot stays under it in every one-second window, not just on average.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import collections
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

os.environ["RASA_TELEMETRY_ENABLED"] = "false"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from bot.db import make_engine, session_factory, upgrade
from bot.demo import load_demo_data
from tests.conftest import MONDAY_10AM
from tests.support import fanout_worker
from tests.support.fake_telegram import FakeTelegram
from tests.support.servers import serve
from tests.test_fanout_restart import add_nineteen_year_olds


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """The most sends that fall in any `window`-second stretch."""
    best = 0
    for i, start in enumerate(times):
        best = max(best, bisect.bisect_left(times, start + window) - i)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=29.0, help="messages per second")
    args = parser.parse_args()

    admin = None
    if os.environ.get("DATABASE_URL"):
        base_url = os.environ["DATABASE_URL"]
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = make_engine(base_url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        db_url = f"{base_url}?options=-csearch_path%3D{schema}"
    else:
        db_url = f"sqlite:///{tempfile.mkdtemp()}/fanout.db"
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        load_demo_data(session)
    made = time.perf_counter()
    chats = add_nineteen_year_olds(sessions, args.people)
    print(f"{args.people} young people aged 19 made in {time.perf_counter() - made:.1f} s")

    fake = FakeTelegram()
    try:
        with serve(fake.app()) as base:
            started = time.perf_counter()
            code = asyncio.run(
                fanout_worker.main(
                    [
                        "--db",
                        db_url,
                        "--api",
                        f"{base}/bot",
                        "--token",
                        fake.token,
                        "--rate",
                        str(args.rate),
                        "--at",
                        MONDAY_10AM.isoformat(),
                    ]
                )
            )
            total = time.perf_counter() - started
    finally:
        engine.dispose()
        if admin is not None:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    sends = [c for c in fake.calls if c.method == "sendMessage"]
    times = sorted(c.at for c in sends)
    per_chat = collections.Counter(int(c.params["chat_id"]) for c in sends)
    duplicated = sum(1 for chat in chats if per_chat[chat] > 1)
    lost = sum(1 for chat in chats if per_chat[chat] == 0)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    print(f"worker exit code {code}; wall time {total:.1f} s (planning is in the JSON line above)")
    print(f"sent {len(sends)} to {len(per_chat)} chats; duplicated {duplicated}; lost {lost}")
    if span:
        print(
            f"send rate {(len(times) - 1) / span:.2f}/s on average; "
            f"most in any one second: {max_in_window(times)} (limit 30)"
        )
    return 0 if code == 0 and not duplicated and not lost else 1


if __name__ == "__main__":
    sys.exit(main())
