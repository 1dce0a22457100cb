"""Migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import socket
import time

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.exc import OperationalError

from bot.db import CONNECT_TIMEOUT, current_revision, head_revision, make_engine, upgrade
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


def test_a_postgresql_server_that_never_answers_fails_fast() -> None:
    """A turn must not wait minutes on a database that accepts and then says nothing (a
    network that drops packets, a hung server): it fails within CONNECT_TIMEOUT and the
    young person is answered without it."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        engine = make_engine(f"postgresql+psycopg2://carebot@127.0.0.1:{port}/carebot")
        started = time.monotonic()
        with pytest.raises(OperationalError), engine.connect():
            pass
        took = time.monotonic() - started
        engine.dispose()
    assert CONNECT_TIMEOUT - 1 <= took < CONNECT_TIMEOUT + 5
