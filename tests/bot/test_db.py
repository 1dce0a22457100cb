"""Migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.db import current_revision, head_revision, make_engine, upgrade
from bot.models import Base

# Exercises SQL behaviour: runs on PostgreSQL as well as SQLite.
pytestmark = pytest.mark.sql


def test_upgrade_reaches_head_and_matches_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) == head_revision(engine)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
        tables = set(inspect(engine).get_table_names())
        assert {
            "councils",
            "teams",
            "personal_advisers",
            "young_people",
            "channel_identities",
            "messages",
            "conversation_states",
            "escalations",
            "audit_events",
        } <= tables
        upgrade(engine)  # running it again is harmless
    finally:
        engine.dispose()


def test_message_ids_are_unique_per_channel(db_engine) -> None:
    constraints = inspect(db_engine).get_unique_constraints("messages")
    assert any(set(c["column_names"]) == {"channel", "external_id"} for c in constraints)
