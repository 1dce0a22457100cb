"""Alembic environment: runs migrations on the engine handed over by bot.db."""

from __future__ import annotations

from alembic import context

from bot.models import Base

engine = context.config.attributes["engine"]


def include_name(name: str | None, type_: str, _parents: object) -> bool:
    # APScheduler creates and owns its job table (bot.scheduler); it is not ours to migrate.
    return not (type_ == "table" and name == "apscheduler_jobs")


with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
