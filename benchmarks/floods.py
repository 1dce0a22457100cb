"""Floods against a real `carebot run` process over loopback HTTP: does the bot hold?

    .venv/bin/python benchmarks/floods.py [--seconds 25]

Starts the bot (SQLite in a temporary folder, demo data, the trained model, Telegram in
webhook mode against a fake Bot API on loopback) and runs, one after another:

  1. anonymous: 2,000 requests from fresh visitors on one address in --seconds, while a
     real young person writes every 3 seconds;
  2. spread: 600 fresh visitors, each on its own address (behind a trusted proxy);
  3. one visitor sending 200 messages as fast as the server answers;
  4. crisis burst: 50 crisis messages from fresh visitors on 50 addresses in 3 s, then the
     re-escalation an hour later;
  5. Telegram: 300 updates from one chat, then a risk message.

Prints, for each, what got through, what was held, what was stored and how long answers
took. Every request has a timeout and every scenario a fixed number of requests: bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import http.cookiejar
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx

os.environ["RASA_TELEMETRY_ENABLED"] = "false"
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bot.advisers import escalations  # noqa: E402
from bot.db import make_engine, session_factory  # noqa: E402
from bot.models import ChannelIdentity, Escalation, Message, OutboxItem  # noqa: E402
from tests.support.fake_telegram import FakeTelegram, text_update  # noqa: E402
from tests.support.servers import serve  # noqa: E402

SECRET = "bench-secret"
TIMEOUT = httpx.Timeout(30.0)
CRISIS = "i want to end my life"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    ms: dict[int, list[float]] = field(default_factory=dict)
    safety_lines: int = 0  # responses showing the emergency numbers

    def add(self, status: int, ms: float, body: dict | None) -> None:
        self.statuses[status] += 1
        self.ms.setdefault(status, []).append(ms)
        texts = " ".join(m.get("text", "") for m in (body or {}).get("messages", []))
        if "116 123" in texts:
            self.safety_lines += 1

    def line(self) -> str:
        parts = []
        for status in sorted(self.statuses):
            ms = self.ms[status]
            parts.append(
                f"{status}: {self.statuses[status]} (p50 {statistics.median(ms):.0f} ms, "
                f"p99 {percentile(ms, 0.99):.0f} ms)"
            )
        return "; ".join(parts)


def no_cookies() -> httpx.AsyncClient:
    """Every request is a new visitor: the client never keeps a cookie."""
    jar = http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    return httpx.AsyncClient(cookies=jar, timeout=TIMEOUT, limits=httpx.Limits(max_connections=64))


async def chat(
    client: httpx.AsyncClient, base: str, tally: Tally, text: str, **headers: str
) -> None:
    body = {"message_id": uuid.uuid4().hex[:16], "text": text, "council": "plymouth"}
    started = time.perf_counter()
    try:
        response = await client.post(
            f"{base}/api/chat",
            content=json.dumps(body),
            headers={"Content-Type": "application/json", **headers},
        )
    except httpx.HTTPError:
        tally.add(0, (time.perf_counter() - started) * 1000, None)  # 0: no answer in 30 s
        return
    ms = (time.perf_counter() - started) * 1000
    tally.add(response.status_code, ms, response.json() if response.content else None)


async def open_loop(count: int, seconds: float, send: Callable[[int], Awaitable[None]]) -> float:
    """Starts `count` sends at a fixed rate over `seconds`, whatever the answers do."""
    started = time.perf_counter()
    tasks = []
    for n in range(count):
        delay = started + n * seconds / count - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(n)))
    await asyncio.gather(*tasks)
    return time.perf_counter() - started


def count(db_url: str, query) -> int:  # type: ignore[no-untyped-def]
    with make_engine(db_url).connect() as conn:
        return int(conn.execute(query).scalar_one())


def identities(db_url: str) -> int:
    return count(
        db_url, select(func.count(ChannelIdentity.id)).where(ChannelIdentity.channel == "web")
    )


async def anonymous(base: str, db_url: str, seconds: float) -> None:
    before = identities(db_url)
    flood, person = Tally(), Tally()
    async with no_cookies() as fresh, httpx.AsyncClient(timeout=TIMEOUT) as own:
        await own.get(f"{base}/")  # the real young person has a visitor cookie

        async def young_person() -> None:
            for _ in range(int(seconds / 3)):
                # Elsewhere (another address): the flood's address limit is not theirs.
                await chat(
                    own,
                    base,
                    person,
                    "can i get council tax paid",
                    **{"X-Forwarded-For": "10.9.9.9"},
                )
                await asyncio.sleep(3)

        writing = asyncio.create_task(young_person())
        took = await open_loop(2000, seconds, lambda n: chat(fresh, base, flood, "hello"))
        await writing
    print(f"1. anonymous flood, one address: 2000 requests in {took:.1f} s")
    print(f"   {flood.line()}")
    print(f"   identities created: {identities(db_url) - before}")
    print(f"   a young person elsewhere writing every 3 s meanwhile: {person.line()}")


async def spread(base: str, db_url: str) -> None:
    before = identities(db_url)
    tally = Tally()
    async with no_cookies() as fresh:
        took = await open_loop(
            600,
            6.0,
            lambda n: chat(
                fresh, base, tally, "hello", **{"X-Forwarded-For": f"10.{n // 250}.{n % 250}.9"}
            ),
        )
    print(f"2. new visitors spread over 600 addresses in {took:.1f} s")
    print(f"   {tally.line()}")
    print(f"   identities created: {identities(db_url) - before}")


async def one_visitor(base: str) -> None:
    tally = Tally()
    async with httpx.AsyncClient(timeout=TIMEOUT) as own:
        await own.get(f"{base}/")
        started = time.perf_counter()
        for _ in range(200):
            await chat(own, base, tally, "hi", **{"X-Forwarded-For": "10.200.0.1"})
        took = time.perf_counter() - started
    print(f"3. one visitor, 200 messages back to back in {took:.1f} s")
    print(f"   {tally.line()}")


async def crisis_burst(base: str, db_url: str) -> None:
    tally = Tally()
    with make_engine(db_url).connect() as conn:
        first_id = conn.execute(select(func.coalesce(func.max(Escalation.id), 0))).scalar_one()
        first_outbox = conn.execute(select(func.coalesce(func.max(OutboxItem.id), 0))).scalar_one()
    async with no_cookies() as fresh:
        took = await open_loop(
            50,
            3.0,
            lambda n: chat(fresh, base, tally, CRISIS, **{"X-Forwarded-For": f"10.250.1.{n + 1}"}),
        )
    made = count(db_url, select(func.count(Escalation.id)).where(Escalation.id > first_id))
    notices = count(
        db_url,
        select(func.count(OutboxItem.id)).where(
            OutboxItem.id > first_outbox, OutboxItem.purpose == "escalation_new"
        ),
    )
    print(
        f"4. crisis burst: 50 crisis messages from fresh visitors on 50 addresses in {took:.1f} s"
    )
    print(f"   {tally.line()}; answers showing the emergency numbers: {tally.safety_lines}/50")
    print(f"   urgent escalations opened: {made}; staff notices queued: {notices}")
    # An hour and more later, nobody has acknowledged them: the re-escalation, run as the
    # scheduler would.
    engine = make_engine(db_url)
    with session_factory(engine).begin() as session:
        last = session.execute(select(func.max(Escalation.due_at))).scalar_one()
        moved = escalations.reescalate_overdue(
            session, last + timedelta(seconds=1), public_url="http://127.0.0.1"
        )
    overdue = count(
        db_url,
        select(func.count(OutboxItem.id)).where(OutboxItem.purpose == "escalation_overdue"),
    )
    print(f"   re-escalated when overdue: {len(moved)} escalations, {overdue} staff notices")


async def telegram(base: str, db_url: str, fake: FakeTelegram) -> None:
    chat_id = 777001
    inbound_before = count(db_url, select(func.count(Message.id)).where(Message.direction == "in"))
    tally = Tally()
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        for n in range(300):
            started = time.perf_counter()
            response = await client.post(
                f"{base}/telegram/webhook",
                content=json.dumps(text_update(10_000 + n, chat_id, "hello")),
                headers={
                    "Content-Type": "application/json",
                    "X-Telegram-Bot-Api-Secret-Token": SECRET,
                },
            )
            tally.add(response.status_code, (time.perf_counter() - started) * 1000, None)
        replies = len([p for p in fake.sent("sendMessage") if int(p["chat_id"]) == chat_id])
        stored = (
            count(db_url, select(func.count(Message.id)).where(Message.direction == "in"))
            - inbound_before
        )
        await client.post(
            f"{base}/telegram/webhook",
            content=json.dumps(text_update(20_000, chat_id, CRISIS)),
            headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
    after = [p["text"] for p in fake.sent("sendMessage") if int(p["chat_id"]) == chat_id][replies:]
    print("5. Telegram: 300 updates from one chat, back to back")
    print(f"   webhook answers {tally.line()}")
    print(f"   replies sent: {replies}; messages stored and classified: {stored}")
    print(
        "   then a crisis message: "
        + (
            "answered with the emergency numbers"
            if any("116 123" in t for t in after)
            else "NOT answered"
        )
    )


def start_bot(tmp: Path, api_base: str, token: str) -> tuple[subprocess.Popen[bytes], str, str]:
    port = 18000 + os.getpid() % 1000
    db_url = f"sqlite:///{tmp}/bench.db"
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "CAREBOT_DATA_DIR": str(tmp),
        # The model `./dev.sh setup` trained (train with `carebot train` if it is missing).
        "CAREBOT_MODEL_PATH": os.environ.get(
            "CAREBOT_MODEL_PATH", str(ROOT / "var" / "models" / "nlu.tar.gz")
        ),
        "CAREBOT_DEFAULT_COUNCIL": "plymouth",
        "CAREBOT_TRUSTED_PROXIES": "127.0.0.1",
        "CAREBOT_LOG_LEVEL": "ERROR",
        "TELEGRAM_TOKEN": token,
        "TELEGRAM_API_BASE_URL": f"{api_base}/bot",
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
    }
    python = sys.executable
    for step in (["db", "upgrade"], ["demo-data"]):
        subprocess.run([python, "-m", "bot", *step], env=env, check=True, capture_output=True)
    process = subprocess.Popen(
        [python, "-m", "bot", "run", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp / "bot.err", "wb"),  # noqa: SIM115 (closed with the process)
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return process, base, db_url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    process.kill()
    raise SystemExit("the bot did not start within 120 s:\n" + (tmp / "bot.err").read_text())


async def run_all(base: str, db_url: str, fake: FakeTelegram, seconds: float) -> None:
    await anonymous(base, db_url, seconds)
    await spread(base, db_url)
    await one_visitor(base)
    await asyncio.sleep(25)  # the limits refill, so the crisis burst starts from rest
    await crisis_burst(base, db_url)
    await telegram(base, db_url, fake)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=25.0, help="length of flood 1")
    args = parser.parse_args()
    fake = FakeTelegram()
    with tempfile.TemporaryDirectory() as tmp, serve(fake.app()) as api_base:
        process, base, db_url = start_bot(Path(tmp), api_base, fake.token)
        try:
            asyncio.run(run_all(base, db_url, fake, args.seconds))
        finally:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
