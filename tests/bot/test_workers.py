"""`carebot run --workers N`: N processes on one port, one leader among them, and a worker that
dies is replaced and its lead taken over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine

from bot.settings import PROJECT_ROOT
from tests.bot.test_leader import free_port, health, wait_until


def children(pid: int) -> set[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(child) for child in path.read_text().split()} if path.exists() else set()


def workers_seen(base: str, want: int, seconds: float) -> dict[int, bool]:
    """Each answering process and whether it leads, from /healthz on fresh connections
    (the kernel hands each to whichever worker accepts first)."""
    seen: dict[int, bool] = {}
    deadline = time.monotonic() + seconds
    while len(seen) < want and time.monotonic() < deadline:
        answer = health(base)
        if answer:
            seen[answer["process"]] = answer["leader"]
    return seen


@pytest.fixture
def workers(
    database_url: str,
    db_engine: Engine,
    staff: dict[str, int],
    trained_model: Path,
    tmp_path: Path,
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "DATABASE_URL": database_url,
        "CAREBOT_DATA_DIR": str(tmp_path),
        "CAREBOT_MODEL_PATH": str(trained_model),
        "CAREBOT_DEFAULT_COUNCIL": "plymouth",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--workers", "2", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "workers.err").open("wb"),
    )
    try:
        yield process, f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_workers_one_leader_and_a_dead_worker_replaced(
    workers: tuple[subprocess.Popen[bytes], str], tmp_path: Path
) -> None:
    supervisor, base = workers
    assert wait_until(lambda: health(base) is not None, 180), (tmp_path / "workers.err").read_text()
    assert wait_until(lambda: len(children(supervisor.pid)) >= 2, 30)
    assert wait_until(lambda: sum(workers_seen(base, 2, 10).values()) == 1, 60)
    seen = workers_seen(base, 2, 30)
    assert len(seen) == 2 and sorted(seen.values()) == [False, True], seen
    assert set(seen) <= children(supervisor.pid)
    # Each worker logs as the bot set it up (loading the model once silenced INFO lines).
    logged = (tmp_path / "workers.err").read_text()
    assert "leading: this process runs the scheduler and the outbox" in logged
    # Each worker set its loaded objects aside from garbage collection (bot/memory.py).
    assert logged.count("objects set aside from garbage collection") >= 2

    with httpx.Client(base_url=base, timeout=60) as client:
        client.get("/")
        reply = client.post("/api/chat", json={"message_id": "workers-0001", "text": "hi"})
        assert reply.status_code == 200 and reply.json()["messages"]

    (leader,) = [pid for pid, leads in seen.items() if leads]
    os.kill(leader, signal.SIGKILL)
    # uvicorn starts a new worker; the survivor (or the newcomer) takes the lead.
    assert wait_until(lambda: leader not in children(supervisor.pid), 30)
    assert wait_until(lambda: len(children(supervisor.pid) - {leader}) >= 2, 120)
    assert wait_until(lambda: sum(workers_seen(base, 2, 10).values()) == 1, 120)
    after = workers_seen(base, 2, 60)
    assert leader not in after and sorted(after.values()) == [False, True], after

    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(timeout=60) == 0
    assert children(supervisor.pid) == set()


@pytest.mark.parametrize(
    ("workers", "said"),
    [
        ("0", "CAREBOT_WORKERS must be a whole number from 1 to 32"),
        ("2", "the database is not up to date; run `carebot db upgrade`"),
    ],
)
def test_what_every_worker_would_refuse_is_refused_once_before_any_starts(
    tmp_path: Path, workers: str, said: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--workers", workers, "--port", str(free_port())],
        cwd=PROJECT_ROOT,
        env={**os.environ, "CAREBOT_DATA_DIR": str(tmp_path), "RASA_TELEMETRY_ENABLED": "false"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert said in done.stderr
    assert "Traceback" not in done.stderr
