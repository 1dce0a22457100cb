"""StartupError, apart from bot.runtime so the CLI can catch it without loading Rasa, and the
database check every command that reads or writes data makes first."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from bot.db import current_revision, head_revision, make_engine


class StartupError(RuntimeError):
    """Something the bot needs is not ready; the message says how to fix it.

    Raised by bot.runtime (and importable from there, as it always was)."""


def open_database(url: str) -> Engine:
    """The database at `url`, reachable and migrated to the newest revision; otherwise a
    StartupError that says what to do (never a traceback about a missing table)."""
    engine = make_engine(url)
    try:
        revision = current_revision(engine)
    except Exception as exc:
        raise StartupError(
            f"cannot open the database ({type(exc).__name__}); check DATABASE_URL"
        ) from None
    if revision != head_revision(engine):
        raise StartupError("the database is not up to date; run `carebot db upgrade`")
    return engine
