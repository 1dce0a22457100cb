"""Exactly once at scale: a sending bot is killed half-way through a fan-out of check-ins
(while a message is in flight) and started again; every young person gets one message."""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.db import make_engine, session_factory, upgrade
from bot.demo import load_demo_data
from bot.models import ChannelIdentity, OutboxItem, PersonalAdviser, YoungPerson
from bot.settings import PROJECT_ROOT
from tests.conftest import MONDAY_10AM
from tests.support.fake_telegram import FakeTelegram
from tests.support.servers import serve

# Exercises SQL behaviour: runs on PostgreSQL as well as SQLite.
pytestmark = pytest.mark.sql

PEOPLE = 120
KILL_AT = 50  # the fake holds its answer to this message while the worker is killed


def add_nineteen_year_olds(sessions, count: int) -> list[int]:
    """`count` young people aged 19, each with a Telegram chat; returns their chat ids."""
    chats = []
    with sessions.begin() as session:
        pa = session.execute(select(PersonalAdviser).order_by(PersonalAdviser.id)).scalars().first()
        for n in range(count):
            yp = YoungPerson(
                ref=f"fan-{n:05d}",
                preferred_name=f"Person {n}",
                date_of_birth=MONDAY_10AM.date().replace(year=2007) - timedelta(days=n % 300),
                council_id="plymouth",
                pa_id=pa.id,
                support_status="active",
                circumstances=[],
                created_at=MONDAY_10AM - timedelta(days=1),
            )
            session.add(yp)
            session.flush()
            chat = 900_000 + n
            session.add(
                ChannelIdentity(
                    channel="telegram",
                    external_id=str(chat),
                    young_person_id=yp.id,
                    created_at=MONDAY_10AM,
                    last_seen_at=MONDAY_10AM - timedelta(days=2),
                )
            )
            chats.append(chat)
    return chats


def start_worker(db_url: str, api: str, token: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.fanout_worker",
            "--db",
            db_url,
            "--api",
            api,
            "--token",
            token,
            "--rate",
            "200",
            "--at",
            MONDAY_10AM.isoformat(),
            "--timeout",
            "60",
        ],
        cwd=PROJECT_ROOT,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_killed_mid_fan_out_then_restarted_sends_each_message_exactly_once(tmp_path) -> None:
    db_url = f"sqlite:///{tmp_path / 'fanout.db'}"
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        load_demo_data(session)
    chats = add_nineteen_year_olds(sessions, PEOPLE)

    fake = FakeTelegram(hold_at=KILL_AT)
    with serve(fake.app()) as base:
        api = f"{base}/bot"
        first = start_worker(db_url, api, fake.token)
        try:
            deadline = time.monotonic() + 60
            while len(fake.sent()) < KILL_AT:
                assert first.poll() is None, first.communicate()
                assert time.monotonic() < deadline, "the fan-out did not get half-way"
                time.sleep(0.01)
            # Message KILL_AT has arrived and its answer is being held: the worker is
            # waiting on it, so it is in flight when the process dies.
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=20)
        finally:
            if first.poll() is None:
                first.kill()
            fake.release.set()
        assert len(fake.sent()) == KILL_AT

        second = start_worker(db_url, api, fake.token)
        try:
            out, err = second.communicate(timeout=120)
        finally:
            if second.poll() is None:
                second.kill()
        assert second.returncode == 0, err
        assert json.loads(out.strip().splitlines()[-1])["queued"] == 0  # nothing planned twice

    per_chat = collections.Counter(int(p["chat_id"]) for p in fake.sent())
    assert {chat: per_chat[chat] for chat in chats} == {chat: 1 for chat in chats}
    assert sum(per_chat.values()) == PEOPLE  # nothing else was sent, nothing twice
    with sessions() as session:
        states = dict(
            session.execute(
                select(OutboxItem.status, func.count()).group_by(OutboxItem.status)
            ).all()
        )
    # The one in flight at the crash is left "sending" (later: unconfirmed), never resent.
    assert states == {"sent": PEOPLE - 1, "sending": 1}
    engine.dispose()
