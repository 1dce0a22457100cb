"""A bot process that only sends: plans what is due and sends it through the real Telegram
client (python-telegram-bot) to a Bot API at --api, paced, until nothing is left.

The restart test kills it half-way and starts it again; the fan-out benchmark times it.
Run: python -m tests.support.fanout_worker --db URL --api http://127.0.0.1:PORT/bot --token T
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from datetime import datetime

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from sqlalchemy import func, select
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.channels.telegram_send import TelegramSender
from bot.clock import FixedClock, SystemClock
from bot.db import make_engine, session_factory
from bot.keeping_in_touch import jobs
from bot.models import OutboxItem
from bot.outbox import PENDING, Dispatcher


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--api", required=True, help="Bot API base, e.g. http://127.0.0.1:9/bot")
    parser.add_argument("--token", required=True)
    parser.add_argument("--rate", type=float, default=29.0, help="messages per second")
    parser.add_argument("--at", help="the time to plan and send at (ISO, UTC)")
    parser.add_argument("--timeout", type=float, default=900, help="give up after (seconds)")
    args = parser.parse_args(argv)

    clock = FixedClock(datetime.fromisoformat(args.at)) if args.at else SystemClock()
    sessions = session_factory(make_engine(args.db))
    started = time.perf_counter()
    counts = jobs.run(sessions, clock.now(), public_url="http://127.0.0.1")
    planned_s = time.perf_counter() - started
    # Enough connections that pacing, not the pool, sets the rate.
    request = HTTPXRequest(connection_pool_size=8)
    bot = Bot(args.token, base_url=args.api, request=request)
    await bot.initialize()
    dispatcher = Dispatcher(
        sessions, clock, {"telegram": TelegramSender(bot)}, rates={"telegram": args.rate}
    )
    sending = time.perf_counter()
    sent = 0
    while True:
        sent += await dispatcher.run_once()
        with sessions() as session:
            left = session.execute(
                select(func.count()).select_from(OutboxItem).where(OutboxItem.status == PENDING)
            ).scalar_one()
        if not left:
            break
        if time.perf_counter() - sending > args.timeout:
            print("fanout_worker: gave up with messages still pending", file=sys.stderr)
            return 1
    send_s = time.perf_counter() - sending
    await bot.shutdown()
    print(
        json.dumps(
            {"queued": counts.queued, "planned_s": planned_s, "sent": sent, "send_s": send_s}
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
