"""Timed work inside `carebot run`: APScheduler 3.9 with its jobs kept in the bot's own
database, so they survive restarts. Jobs read the time from the runtime's clock, so tests
can move it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot import retention
from bot.advisers import escalations
from bot.clock import Clock
from bot.keeping_in_touch import jobs

log = logging.getLogger(__name__)

JOBS_TABLE = "apscheduler_jobs"
# How often deadlines are checked: an overdue escalation moves on within this.
DEADLINE_CHECK_SECONDS = 60
# How often due proactive messages are looked for (quiet hours are applied when planning).
KEEP_IN_TOUCH_SECONDS = 60
# Retention runs daily.
RETENTION_HOURS = 24


@dataclass
class JobContext:
    """What jobs act on. Jobs in a persistent store are named by import path, so they find
    the running bot here rather than in their (pickled) arguments."""

    sessions: sessionmaker
    clock: Clock
    public_url: str
    wake_outbox: Callable[[], None]
    default_language: str = "en"
    # Each council's retention period in months (from its council.yml), read when the job runs.
    retention_months: Callable[[], Mapping[str, int]] | None = None


_context: JobContext | None = None


def set_context(context: JobContext | None) -> None:
    global _context
    _context = context


def _current() -> JobContext:
    if _context is None:
        raise RuntimeError("scheduled job ran without a running bot")
    return _context


def check_deadlines() -> int:
    """Re-escalate what is overdue; returns how many moved on."""
    ctx = _current()
    with ctx.sessions.begin() as session:
        moved = escalations.reescalate_overdue(session, ctx.clock.now(), public_url=ctx.public_url)
    if moved:
        ctx.wake_outbox()
    return len(moved)


def keep_in_touch() -> int:
    """Queue the check-ins, opt-in prompts and birthday messages that are due."""
    ctx = _current()
    counts = jobs.run(
        ctx.sessions,
        ctx.clock.now(),
        public_url=ctx.public_url,
        default_language=ctx.default_language,
    )
    if counts.queued or counts.escalated:
        ctx.wake_outbox()
    return counts.queued


def apply_retention() -> int:
    """Delete conversation text past each council's retention period."""
    ctx = _current()
    months = ctx.retention_months() if ctx.retention_months is not None else {}
    with ctx.sessions.begin() as session:
        purged = retention.purge(session, ctx.clock.now(), months)
    return purged.messages


class Scheduler:
    def __init__(self, db: Engine, context: JobContext) -> None:
        self._db = db
        self._context = context
        self._scheduler: AsyncIOScheduler | None = None
        self._store_engine: Engine | None = None

    def start(self) -> None:
        """Start inside the running event loop (the server's lifespan)."""
        set_context(self._context)
        # APScheduler 3.9 calls engine.execute(), which the 2.0-style engine the bot uses
        # does not have: its job store gets a classic engine on the same database.
        store_engine = create_engine(
            self._db.url,
            hide_parameters=True,
            **({"connect_args": {"timeout": 30}} if self._db.dialect.name == "sqlite" else {}),
        )
        self._store_engine = store_engine
        scheduler = AsyncIOScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=store_engine, tablename=JOBS_TABLE)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
            timezone="UTC",
        )
        scheduler.add_job(
            "bot.scheduler:check_deadlines",
            "interval",
            seconds=DEADLINE_CHECK_SECONDS,
            id="escalation-deadlines",
            replace_existing=True,
        )
        scheduler.add_job(
            "bot.scheduler:keep_in_touch",
            "interval",
            seconds=KEEP_IN_TOUCH_SECONDS,
            id="keep-in-touch",
            replace_existing=True,
        )
        scheduler.add_job(
            "bot.scheduler:apply_retention",
            "interval",
            hours=RETENTION_HOURS,
            id="retention",
            replace_existing=True,
        )
        scheduler.start()
        self._scheduler = scheduler
        log.info("scheduler started jobs=%d", len(scheduler.get_jobs()))

    def shutdown(self) -> None:
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        self._scheduler = None
        if self._store_engine is not None:
            self._store_engine.dispose()
            self._store_engine = None
        set_context(None)
