"""Open-loop load on the web chat of a real `carebot run`: latency at a fixed arrival rate.

    .venv/bin/python benchmarks/web_load.py [--rate 60] [--seconds 20] [--visitors 300]
        [--database-url URL] [--workers N] [--base http://127.0.0.1:8080]

Starts the bot (SQLite in a temporary folder unless --database-url, demo data, the model
`./dev.sh setup` trained; or uses the one at --base), gives each of --visitors distinct
visitors a cookie (each from its own address, behind a trusted proxy, so the per-address
limits apply to each as they would on the internet), then sends --rate messages a second
for --seconds: every message leaves at its scheduled time whether or not earlier ones were
answered (open loop), round-robin over the visitors, texts from the held-out test set
(crisis lines left out: they would open thousands of urgent escalations).

Prints the answered, held (429) and failed counts and the latency percentiles; the median of
the same route at the same rate refusing a message before any turn runs (HTTP, middleware
and the body alone: the part of a turn's time no dialogue work can remove); then the bare
Rasa parse time of the same texts in this process, and the ratio of the two medians.
Bounded: a fixed number of requests, each with a timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import yaml

os.environ["RASA_TELEMETRY_ENABLED"] = "false"
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.channels.webchat import COOKIE  # noqa: E402
from nlu.rasa_interpreter import RasaInterpreter  # noqa: E402
from nlu.rasa_json import model_input  # noqa: E402

TIMEOUT = httpx.Timeout(30.0)
MODEL = Path(os.environ.get("CAREBOT_MODEL_PATH", str(ROOT / "var" / "models" / "nlu.tar.gz")))


def texts() -> list[str]:
    """The held-out set's messages, crisis lines left out, in a fixed order."""
    data = yaml.safe_load((ROOT / "tests" / "nlu" / "heldout.yml").read_text(encoding="utf-8"))
    found = []
    for block in data["nlu"]:
        if block["intent"] == "crisis":
            continue
        found += [
            line.strip()[2:].strip()
            for line in block["examples"].splitlines()
            if line.strip().startswith("- ")
        ]
    return found


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def start_bot(
    tmp: Path, database_url: str | None, port: int, workers: int
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url or f"sqlite:///{tmp}/bench.db",
        "CAREBOT_DATA_DIR": str(tmp),
        "CAREBOT_MODEL_PATH": str(MODEL),
        "CAREBOT_DEFAULT_COUNCIL": "plymouth",
        "CAREBOT_TRUSTED_PROXIES": "127.0.0.1",
        "CAREBOT_LOG_LEVEL": "ERROR",
    }
    for step in (["db", "upgrade"], ["demo-data"]):
        subprocess.run(
            [sys.executable, "-m", "bot", *step], env=env, check=True, capture_output=True
        )
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp / "bot.err", "wb"),
    )


def wait_ready(base: str, seconds: float = 120) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the bot at {base} did not answer /healthz within {seconds:.0f} s")


def address(n: int) -> str:
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


async def visitors(client: httpx.AsyncClient, count: int) -> list[tuple[str, str]]:
    """(cookie, address) for each visitor, from the chat page as a browser gets it."""
    found = []
    for n in range(count):
        client.cookies.clear()  # a new browser each time, not the last visitor again
        response = await client.get("/", headers={"X-Forwarded-For": address(n)})
        found.append((response.cookies[COOKIE], address(n)))
    return found


async def load(
    client: httpx.AsyncClient,
    people: list[tuple[str, str]],
    lines: list[str],
    rate: float,
    seconds: float,
) -> tuple[list[float], dict[str, int], float]:
    """Sends rate x seconds messages at their scheduled times; latencies in ms and counts."""
    total = int(rate * seconds)
    latencies: list[float] = []
    counts = {"answered": 0, "held": 0, "failed": 0}
    late = 0.0

    async def one(i: int) -> None:
        cookie, addr = people[i % len(people)]
        body: dict[str, str] = {"message_id": f"load-{uuid.uuid4().hex[:16]}"}
        if lines:
            body["text"] = lines[i % len(lines)]
        started = time.perf_counter()
        try:
            response = await client.post(
                "/api/chat",
                json=body,
                headers={"X-Forwarded-For": addr, "Cookie": f"{COOKIE}={cookie}"},
            )
        except httpx.HTTPError:
            counts["failed"] += 1
            return
        # With no lines, a 400 is what is asked for (see http_alone).
        if response.status_code == 200 or (not lines and response.status_code == 400):
            counts["answered"] += 1
            latencies.append((time.perf_counter() - started) * 1000)
        elif response.status_code == 429:
            counts["held"] += 1
        else:
            counts["failed"] += 1

    start = time.perf_counter()
    tasks = []
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            late = max(late, -delay)
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    return latencies, counts, late * 1000


def bare_parse_ms(lines: list[str]) -> tuple[float, float]:
    """Median times of the same texts in this process: Rasa's own parse
    (`Agent.parse_message`, as the issue measured it) and the bot's (`RasaInterpreter.parse`,
    the same model's nodes called without Rasa's graph runner)."""
    interpreter = RasaInterpreter(MODEL)
    loop = asyncio.new_event_loop()
    inputs = [model_input(line) for line in lines]
    parsers = {
        "rasa": lambda text: loop.run_until_complete(interpreter._agent.parse_message(text)),
        "bot": interpreter.parse,
    }
    medians = {}
    for name, parse in parsers.items():
        for text in inputs[:50]:
            parse(text)
        times = []
        for text in inputs:
            started = time.perf_counter()
            parse(text)
            times.append((time.perf_counter() - started) * 1000)
        medians[name] = statistics.median(times)
    loop.close()
    return medians["rasa"], medians["bot"]


async def http_alone(
    client: httpx.AsyncClient, people: list[tuple[str, str]], rate: float
) -> float:
    """Median ms of the same route at the same rate when it refuses the message (no text)
    before any turn: what HTTP, the middleware and reading the body cost on their own."""
    latencies, _counts, _late = await load(client, people, [], rate, 5)
    return statistics.median(latencies) if latencies else float("nan")


async def run(base: str, args: argparse.Namespace, lines: list[str]) -> list[float]:
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT, limits=limits) as client:
        people = await visitors(client, args.visitors)
        client.cookies.clear()
        # A short warm-up at a tenth of the rate: first-use costs are not what we measure.
        await load(client, people, lines, max(1.0, args.rate / 10), 3)
        client.cookies.clear()  # each request names its visitor itself
        latencies, counts, late = await load(client, people, lines, args.rate, args.seconds)
        floor = await http_alone(client, people, args.rate)
    sent = sum(counts.values())
    print(f"{args.rate:g} messages/s for {args.seconds:g} s, {args.visitors} visitors: {sent} sent")
    print(
        f"  answered {counts['answered']}, held (429) {counts['held']}, failed {counts['failed']}"
    )
    if late > 5:
        print(f"  the load generator fell behind by up to {late:.0f} ms")
    if latencies:
        median, p90 = statistics.median(latencies), percentile(latencies, 0.90)
        p99, worst = percentile(latencies, 0.99), max(latencies)
        print(f"  latency ms: median {median:.1f}, p90 {p90:.1f}, p99 {p99:.1f}, max {worst:.1f}")
    print(f"  the same route refusing a message before any turn: median {floor:.1f} ms")
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=60.0, help="messages a second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--visitors", type=int, default=300)
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    parser.add_argument("--base", help="an already running bot (nothing is started)")
    parser.add_argument("--workers", type=int, default=1, help="carebot run --workers N")
    args = parser.parse_args()
    lines = texts()
    process = None
    with tempfile.TemporaryDirectory(prefix="carebot-load-") as tmp:
        base = args.base
        if base is None:
            port = 18000 + os.getpid() % 1000
            process = start_bot(Path(tmp), args.database_url, port, args.workers)
            base = f"http://127.0.0.1:{port}"
            print(f"bot ready in {wait_ready(base):.1f} s")
        try:
            latencies = asyncio.run(run(base, args, lines))
        finally:
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
    rasa, bot = bare_parse_ms(lines)
    print(f"bare Rasa parse (Agent.parse_message) of the same texts: median {rasa:.2f} ms")
    print(f"the bot's parse of them (RasaInterpreter.parse): median {bot:.2f} ms")
    if latencies:
        median = statistics.median(latencies)
        print(f"median turn / median bare Rasa parse: {median / rasa:.1f}")
        print(f"median turn / median bot's parse: {median / bot:.1f}")


if __name__ == "__main__":
    main()
