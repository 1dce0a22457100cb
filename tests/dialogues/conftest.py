"""Fixtures the dialogue tests share."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db import session_factory
from bot.demo import add_demo_staff
from bot.models import PersonalAdviser, StaffAccount, Team


@pytest.fixture
def staff(db_engine, demo, clock) -> dict[str, int]:
    """Dashboard accounts for the demo staff; returns email -> staff id."""
    with session_factory(db_engine).begin() as session:
        teams = {t.council_id: t for t in session.execute(select(Team)).scalars()}
        advisers = {p.name: p for p in session.execute(select(PersonalAdviser)).scalars()}
        add_demo_staff(session, teams, advisers, "a-long-demo-password", clock.now())
        return {s.email: s.id for s in session.execute(select(StaffAccount)).scalars()}
