"""Timed jobs: the deadline check (with the runtime's clock) and APScheduler's job store in
the bot's own database, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import pickle
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import MetaData, Table, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot import scheduler as scheduler_module
from bot.advisers import escalations
from bot.clock import FixedClock
from bot.db import session_factory
from bot.models import ChannelIdentity, Escalation, OutboxItem, StaffAccount, YoungPerson
from bot.scheduler import (
    DEADLINE_CHECK_SECONDS,
    JOBS_TABLE,
    JobContext,
    Scheduler,
    check_deadlines,
    set_context,
)
from tests.conftest import MONDAY_10AM

# Exercises SQL behaviour: runs on PostgreSQL as well as SQLite.
pytestmark = pytest.mark.sql

PUBLIC_URL = "https://carebot.example.org"


class Wakes:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


@pytest.fixture(autouse=True)
def no_context_left_behind() -> Iterator[None]:
    yield
    set_context(None)


@pytest.fixture
def sessions(db_engine: Engine) -> sessionmaker:
    return session_factory(db_engine)


@pytest.fixture
def escalation_id(sessions: sessionmaker, demo: None) -> int:
    """An open normal escalation for demo-16 (Sam Ortiz) opened Monday 10:00, due Tuesday
    17:00, with a manager account and a duty inbox to re-escalate to."""
    with sessions.begin() as session:
        yp = session.execute(select(YoungPerson).where(YoungPerson.ref == "demo-16")).scalar_one()
        team = yp.pa.team
        team.duty_email = "duty@plymouth.example.org"
        session.add(
            StaffAccount(
                email="manager@plymouth.example.org",
                name="Morgan Lee",
                role="manager",
                password_hash="x",
                team_id=team.id,
                notify_email=True,
                notify_telegram=True,
                active=True,
                failed_logins=0,
                created_at=MONDAY_10AM,
            )
        )
        identity = ChannelIdentity(
            channel="telegram",
            external_id="555",
            young_person_id=yp.id,
            created_at=MONDAY_10AM,
            last_seen_at=MONDAY_10AM,
        )
        session.add(identity)
        session.flush()
        esc = escalations.open_escalation(
            session,
            identity=identity,
            young_person=yp,
            team=team,
            reason="asked_for_pa",
            urgency=escalations.NORMAL,
            text="please call me",
            now=MONDAY_10AM,
            public_url=PUBLIC_URL,
        ).escalation
        assert esc.due_at == datetime(2026, 11, 24, 17, 0, tzinfo=timezone.utc)
        return esc.id


def _overdue_items(sessions: sessionmaker) -> list[tuple[str, str]]:
    with sessions() as session:
        return [
            (o.address, o.body)
            for o in session.execute(
                select(OutboxItem)
                .where(OutboxItem.purpose == "escalation_overdue")
                .order_by(OutboxItem.id)
            ).scalars()
        ]


def test_check_deadlines_needs_a_running_bot() -> None:
    set_context(None)
    with pytest.raises(RuntimeError, match="without a running bot"):
        check_deadlines()


def test_check_deadlines_uses_the_context_clock(
    sessions: sessionmaker, clock: FixedClock, escalation_id: int
) -> None:
    wakes = Wakes()
    set_context(JobContext(sessions, clock, PUBLIC_URL, wakes))
    assert check_deadlines() == 0
    clock.set(datetime(2026, 11, 24, 16, 59, tzinfo=timezone.utc))
    assert check_deadlines() == 0
    assert wakes.count == 0
    assert _overdue_items(sessions) == []

    clock.set(datetime(2026, 11, 24, 17, 0, tzinfo=timezone.utc))
    assert check_deadlines() == 1
    assert wakes.count == 1
    link = f"{PUBLIC_URL}/staff/escalations/{escalation_id}"
    assert [address for address, _ in _overdue_items(sessions)] == [
        "manager@plymouth.example.org",
        "duty@plymouth.example.org",
    ]
    assert all(body.endswith(f"Open it: {link}") for _, body in _overdue_items(sessions))
    with sessions() as session:
        esc = session.get(Escalation, escalation_id)
        assert esc.reescalated_at == datetime(2026, 11, 24, 17, 0, tzinfo=timezone.utc)

    # Nothing more to move: no second notification, no wake-up.
    clock.advance(timedelta(minutes=1))
    assert check_deadlines() == 0
    assert wakes.count == 1
    assert len(_overdue_items(sessions)) == 2


def test_check_deadlines_commits(
    db_engine: Engine, sessions: sessionmaker, clock: FixedClock, escalation_id: int
) -> None:
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc))
    set_context(JobContext(sessions, clock, PUBLIC_URL, Wakes()))
    check_deadlines()
    # Another connection sees it.
    with session_factory(db_engine)() as other:
        assert other.get(Escalation, escalation_id).reescalated_at is not None


def _job_rows(db_engine: Engine) -> list[tuple[str, float | None, dict]]:
    table = Table(JOBS_TABLE, MetaData(), autoload_with=db_engine)
    with db_engine.connect() as conn:
        rows = conn.execute(select(table.c.id, table.c.next_run_time, table.c.job_state)).all()
    return [(row.id, row.next_run_time, pickle.loads(row.job_state)) for row in rows]


async def test_scheduler_keeps_its_job_in_the_bots_database(
    db_engine: Engine, sessions: sessionmaker, clock: FixedClock
) -> None:
    assert not inspect(db_engine).has_table(JOBS_TABLE)
    ctx = JobContext(sessions, clock, PUBLIC_URL, Wakes())
    scheduler = Scheduler(db_engine, ctx)
    started = datetime.now(timezone.utc)
    scheduler.start()
    try:
        assert scheduler_module._context is ctx
        assert inspect(db_engine).has_table(JOBS_TABLE)
        rows = {row[0]: row for row in _job_rows(db_engine)}
        assert sorted(rows) == ["escalation-deadlines", "keep-in-touch", "retention"]
        assert rows["retention"][2]["func"] == "bot.scheduler:apply_retention"
        _job_id, next_run, state = rows["escalation-deadlines"]
        assert rows["keep-in-touch"][2]["func"] == "bot.scheduler:keep_in_touch"
        assert state["func"] == "bot.scheduler:check_deadlines"
        assert state["trigger"].interval == timedelta(seconds=DEADLINE_CHECK_SECONDS)
        assert state["coalesce"] is True
        assert state["max_instances"] == 1
        assert state["misfire_grace_time"] == 3600
        # The first run is one interval from now (APScheduler stores a UNIX timestamp).
        assert next_run is not None
        first_run = datetime.fromtimestamp(next_run, timezone.utc)
        assert started + timedelta(seconds=55) <= first_run
        assert first_run <= started + timedelta(seconds=DEADLINE_CHECK_SECONDS + 5)
    finally:
        scheduler.shutdown()
    assert scheduler_module._context is None
    # The job stays in the database for the next start.
    assert sorted(row[0] for row in _job_rows(db_engine)) == [
        "escalation-deadlines",
        "keep-in-touch",
        "retention",
    ]


async def test_restarting_replaces_the_job(
    db_engine: Engine, sessions: sessionmaker, clock: FixedClock
) -> None:
    ctx = JobContext(sessions, clock, PUBLIC_URL, Wakes())
    for _ in range(2):
        scheduler = Scheduler(db_engine, ctx)
        scheduler.start()
        scheduler.shutdown()
    assert sorted(row[0] for row in _job_rows(db_engine)) == [
        "escalation-deadlines",
        "keep-in-touch",
        "retention",
    ]


def test_shutdown_without_start_is_harmless(db_engine: Engine, clock: FixedClock) -> None:
    scheduler = Scheduler(db_engine, JobContext(session_factory(db_engine), clock, "", Wakes()))
    scheduler.shutdown()
    scheduler.shutdown()
    assert scheduler_module._context is None


async def test_the_stored_job_runs_the_deadline_check(
    db_engine: Engine, sessions: sessionmaker, clock: FixedClock, escalation_id: int
) -> None:
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc))
    wakes = Wakes()
    scheduler = Scheduler(db_engine, JobContext(sessions, clock, PUBLIC_URL, wakes))
    scheduler.start()
    try:
        # Bring the next run forward rather than wait a minute.
        job = scheduler._scheduler.get_job("escalation-deadlines")  # type: ignore[union-attr]
        job.modify(next_run_time=datetime.now(timezone.utc))
        for _ in range(300):
            if wakes.count:
                break
            await asyncio.sleep(0.01)
    finally:
        scheduler.shutdown()
    assert wakes.count == 1
    with sessions() as session:
        esc = session.get(Escalation, escalation_id)
        # The job read the time from the bot's clock, not the wall clock.
        assert esc.reescalated_at == datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
    assert len(_overdue_items(sessions)) == 2
