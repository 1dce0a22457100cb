"""`carebot config check` and `carebot duty report`: checks and figures for the people who
run the service, from the command line."""

from __future__ import annotations

import argparse
import sys

from bot.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    config = subparsers.add_parser("config", help="check the service's set-up in the database")
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    config_sub.add_parser(
        "check", help="every team has a duty route someone can log in to; exit 1 if not"
    )


def _sessions(settings: Settings, command: str):  # type: ignore[no-untyped-def]
    from bot.db import current_revision, head_revision, make_engine, session_factory

    engine = make_engine(settings.database_url)
    if current_revision(engine) != head_revision(engine):
        print(
            f"carebot {command}: the database is not up to date; run `carebot db upgrade`",
            file=sys.stderr,
        )
        return None
    return session_factory(engine)


def run_config(settings: Settings, args: argparse.Namespace) -> int:
    from bot.advisers import cover

    sessions = _sessions(settings, "config")
    if sessions is None:
        return 2
    with sessions() as session:
        problems = cover.duty_route_problems(session)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        print(f"carebot config check: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("carebot config check: every team has a duty route")
    return 0
