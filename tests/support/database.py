"""Real database failures for tests: a table taken away for a while, on either backend."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Engine


@contextmanager
def table_gone(db_engine: Engine, table: str) -> Iterator[None]:
    """Every statement on `table` fails as the database itself refuses it (the table is
    renamed away), until the block ends and it is put back."""
    with db_engine.begin() as conn:
        conn.execute(text(f"ALTER TABLE {table} RENAME TO {table}_away"))
    try:
        yield
    finally:
        with db_engine.begin() as conn:
            conn.execute(text(f"ALTER TABLE {table}_away RENAME TO {table}"))
