"""Which `carebot run` process does the timed work: exactly one per database at a time.

However many processes serve the web chat and the webhooks, the scheduler (check-ins,
deadlines, retention) and the outbox dispatcher (which paces sends to Telegram's and
WhatsApp's limits) run in one. On PostgreSQL the leader holds a session advisory lock on a
connection of its own; on SQLite (one machine) an exclusive lock on a file beside the
database. The server, or the operating system, drops either when the process dies, so another
process takes over at its next try.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)

# How often a process that does not lead tries again, and a leader checks it still does.
RETRY_SECONDS = 5.0


class Leadership:
    """Take, check and give up the lead for one database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._postgres = engine.url.get_backend_name() == "postgresql"
        self._connection: Connection | None = None
        self._key = 0  # the advisory lock's key, once known
        self._file: int | None = None  # the lock file's descriptor while leading

    @property
    def held(self) -> bool:
        """True while this process leads (as far as it last checked)."""
        return self._connection is not None or self._file is not None

    def try_acquire(self) -> bool:
        """Take the lead when nobody holds it; True while this process leads."""
        if self.held:
            return self.still_held()
        try:
            got = self._acquire_postgres() if self._postgres else self._acquire_file()
        except Exception as exc:  # the database is away: try again later
            log.warning("leadership not taken: %s", type(exc).__name__)
            return False
        if got:
            log.info("leading: this process runs the scheduler and the outbox pid=%d", os.getpid())
        return got

    def still_held(self) -> bool:
        """A leader's check: on PostgreSQL the lock lives as long as its connection does."""
        if self._connection is None:
            return self._file is not None
        try:
            self._connection.execute(text("SELECT 1"))
            return True
        except Exception as exc:
            log.warning("leadership lost with its connection: %s", type(exc).__name__)
            self._drop_connection()
            return False

    def release(self) -> None:
        """Give up the lead (a clean stop), so another process takes over at once."""
        if self._connection is not None:
            try:
                unlock = text("SELECT pg_advisory_unlock(:key)")
                self._connection.execute(unlock, {"key": self._key})
            except Exception as exc:
                log.warning("leadership release failed: %s", type(exc).__name__)
            self._drop_connection()
        if self._file is not None:
            if self._file >= 0:
                fcntl.flock(self._file, fcntl.LOCK_UN)
                os.close(self._file)
            self._file = None

    def _acquire_postgres(self) -> bool:
        # Autocommit: the lock belongs to the session, and no transaction is left open.
        connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        self._key = lock_key(str(schema))
        got = connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
        ).scalar_one()
        if got:
            self._connection = connection
        else:
            connection.close()
        return bool(got)

    def _acquire_file(self) -> bool:
        database = self._engine.url.database
        if not database or database == ":memory:":
            self._file = -1  # nothing else can reach an in-memory database
            return True
        handle = os.open(f"{database}.leader", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            return False
        self._file = handle
        return True

    def _drop_connection(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:  # already broken: nothing more to do
                log.debug("leadership connection already closed")
            self._connection = None


def lock_key(schema: str) -> int:
    """The advisory lock's key for the bot's schema: advisory locks span the whole database,
    and two bots (or test runs) in two schemas of one database must not share a leader."""
    digest = hashlib.sha256(f"carebot leader {schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
