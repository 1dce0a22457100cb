"""Conversation text goes after each council's retention period; escalation excerpts go that
long after the escalation was resolved; the rest stays."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.db import session_factory
from bot.models import AuditEvent, Escalation, Message
from bot.retention import purge
from tests.bot.dashboard.helpers import add_message, make_escalation

# Exercises SQL behaviour: runs on PostgreSQL as well as SQLite.
pytestmark = pytest.mark.sql


def _texts(sessions: sessionmaker) -> set[str]:
    with sessions() as session:
        return set(session.execute(select(Message.text)).scalars())


def test_old_text_goes_after_each_councils_period(db_engine, demo, clock) -> None:
    sessions = session_factory(db_engine)
    now = clock.now()
    add_message(sessions, "demo-19", now - timedelta(days=400), "plymouth, over a year ago")
    add_message(sessions, "demo-19", now - timedelta(days=200), "plymouth, months ago")
    add_message(sessions, "demo-cambs-19", now - timedelta(days=200), "cambs, months ago")
    with sessions.begin() as session:
        purged = purge(session, now, {"plymouth": 12, "cambridgeshire": 6})
    assert _texts(sessions) == {"plymouth, months ago"}
    assert purged.messages == 2
    with sessions() as session:
        audit = session.execute(
            select(AuditEvent).where(AuditEvent.action == "retention_applied")
        ).scalar_one()
        assert audit.detail["messages"] == 2


def test_excerpts_go_that_long_after_resolution(db_engine, demo, clock) -> None:
    sessions = session_factory(db_engine)
    now = clock.now()
    old = make_escalation(sessions, "demo-19", now - timedelta(days=500), excerpt="old words")
    recent = make_escalation(sessions, "demo-19", now - timedelta(days=500), excerpt="still open")
    with sessions.begin() as session:
        session.get(Escalation, old).resolved_at = now - timedelta(days=380)
        session.get(Escalation, old).status = "resolved"
    with sessions.begin() as session:
        purge(session, now, {"plymouth": 12})
    with sessions() as session:
        assert session.get(Escalation, old).excerpt is None
        # Not resolved: the PA may still need it.
        assert session.get(Escalation, recent).excerpt == "still open"
        assert session.get(Escalation, old).reason  # the record of contact stays
