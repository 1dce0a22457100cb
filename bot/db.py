"""Database engine, sessions and migrations (SQLAlchemy 2.0-style API on 1.4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.future import create_engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Seconds to wait for PostgreSQL to accept a connection (see make_engine).
CONNECT_TIMEOUT = 5


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine tuned per backend; creates the SQLite file's folder when needed."""
    # Errors would otherwise quote the SQL parameters: message text, names, numbers.
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # Web, Telegram and the scheduler use the engine from worker threads.
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        if parsed.database and parsed.database != ":memory:":
            # Connections are kept, as SQLAlchemy 2.0 does for a file: SQLAlchemy 1.4 opens
            # (and sets up) a new one for every transaction, a millisecond or two a turn.
            kwargs.setdefault("poolclass", QueuePool)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if parsed.get_driver_name() == "psycopg2" and "connect_timeout" not in parsed.query:
        # libpq waits as long as the operating system does (minutes) for a server that does
        # not answer; a turn must fail fast so the young person is answered without it
        # (dialogues/unstored.py). A `?connect_timeout=` in DATABASE_URL wins.
        connect_args = dict(kwargs.get("connect_args") or {})
        connect_args.setdefault("connect_timeout", CONNECT_TIMEOUT)
        kwargs["connect_args"] = connect_args
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets the web chat read while Telegram writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, future=True, expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to date; safe to run on every start."""
    command.upgrade(alembic_config(engine), revision)


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


__all__ = [
    "Session",
    "current_revision",
    "head_revision",
    "make_engine",
    "session_factory",
    "upgrade",
]
