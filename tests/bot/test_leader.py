"""One leader per database: the scheduler and the outbox run in exactly one `carebot run`,
and another process takes over when that one dies."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine

from bot.advisers.auth import SESSION_COOKIE
from bot.db import make_engine
from bot.leader import Leadership, lock_key
from bot.settings import PROJECT_ROOT

HOLD_THE_LEAD = """
import sys, time
from bot.advisers.auth import SESSION_COOKIE
from bot.db import make_engine
from bot.leader import Leadership
leadership = Leadership(make_engine(sys.argv[1]))
print("leading" if leadership.try_acquire() else "not leading", flush=True)
time.sleep(120)
"""


def wait_until(check, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.sql
def test_one_leader_at_a_time(db_engine: Engine) -> None:
    first, second = Leadership(db_engine), Leadership(make_engine(str(db_engine.url)))
    assert first.try_acquire() and first.held
    assert not second.try_acquire() and not second.held
    assert first.try_acquire()  # a leader asking again still leads
    first.release()
    assert not first.held
    assert second.try_acquire()
    assert not first.try_acquire()
    second.release()


@pytest.mark.sql
def test_a_killed_leader_is_taken_over(database_url: str, db_engine: Engine) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_LEAD, database_url],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "leading"
        follower = Leadership(db_engine)
        assert not follower.try_acquire()
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        assert wait_until(follower.try_acquire, 30)
        follower.release()
    finally:
        holder.kill()
        holder.wait(timeout=30)


def test_each_schema_has_its_own_lock() -> None:
    # Advisory locks span a PostgreSQL database: two bots in two schemas must not share one.
    assert lock_key("public") != lock_key("t_0123456789ab")
    assert lock_key("public") == lock_key("public")


# -- two real `carebot run` processes on one database ------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def two_bots(
    database_url: str,
    db_engine: Engine,
    staff: dict[str, int],
    trained_model: Path,
    tmp_path: Path,
) -> Iterator[list[tuple[subprocess.Popen[bytes], str]]]:
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "DATABASE_URL": database_url,
        "CAREBOT_DATA_DIR": str(tmp_path),
        "CAREBOT_MODEL_PATH": str(trained_model),
        "CAREBOT_DEFAULT_COUNCIL": "plymouth",
    }
    bots = []
    for n in range(2):
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / f"bot{n}.err").open("wb"),
        )
        bots.append((process, f"http://127.0.0.1:{port}"))
    try:
        yield bots
    finally:
        for process, _ in bots:
            process.kill()
            process.wait(timeout=30)


def health(base: str) -> dict | None:
    try:
        return httpx.get(f"{base}/healthz", timeout=5).json()
    except httpx.HTTPError:
        return None


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_processes_one_leader_and_a_take_over(
    two_bots: list[tuple[subprocess.Popen[bytes], str]], tmp_path: Path
) -> None:
    """Both serve the web chat; exactly one leads; killed, the other takes over."""
    bases = [base for _, base in two_bots]
    assert wait_until(lambda: all(health(b) for b in bases), 120), "the bots did not start"
    assert wait_until(lambda: sum(health(b)["leader"] for b in bases) == 1, 30)
    time.sleep(6)  # another round of tries: still one leader
    leaders = [health(b)["leader"] for b in bases]
    assert sorted(leaders) == [False, True]
    leader, follower = (0, 1) if leaders[0] else (1, 0)

    for base in bases:  # both answer
        with httpx.Client(base_url=base, timeout=60) as client:
            client.get("/")
            reply = client.post("/api/chat", json={"message_id": "two-bots-0001", "text": "hi"})
            assert reply.status_code == 200 and reply.json()["messages"]
    for n in range(2):  # each set its loaded objects aside from garbage collection, once
        logged = (tmp_path / f"bot{n}.err").read_text()
        assert logged.count("objects set aside from garbage collection") == 1, logged

    # Signed in through one process, the session works on the other (all in the database).
    first, second = (httpx.Client(base_url=b, timeout=60) for b in bases)
    form = first.get("/staff/login").text
    token = re.search(r'name="login_token" value="([^"]+)"', form)
    assert token is not None
    signed_in = first.post(
        "/staff/login",
        data={
            "email": "morgan.lee@example.org",
            "password": "a-long-demo-password",
            "login_token": token.group(1),
            "next": "/staff/",
        },
    )
    assert signed_in.status_code == 303
    second.cookies.set(SESSION_COOKIE, first.cookies[SESSION_COOKIE])
    inbox = second.get("/staff/")
    assert inbox.status_code == 200 and 'name="password"' not in inbox.text
    first.close()
    second.close()

    two_bots[leader][0].send_signal(signal.SIGKILL)
    assert wait_until(lambda: (health(bases[follower]) or {}).get("leader") is True, 30)
