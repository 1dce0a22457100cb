"""`carebot config check` and `carebot duty report`: checks and figures for the people who
run the service, from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import sessionmaker

from bot.advisers import cover
from bot.clock import SystemClock
from bot.db import current_revision, head_revision, make_engine, session_factory
from bot.keeping_in_touch import duty_export
from bot.keeping_in_touch.duty_report import Scope, duty_report
from bot.keeping_in_touch.schedule_cli import parse_when
from bot.models import Council
from bot.settings import Settings

LONDON = ZoneInfo("Europe/London")
# What `carebot duty report` prints without --json: each figure's count, in words.
DUTY_SUMMARY = {
    "no_contact_over_cadence": "No contact for longer than their cadence (18-20)",
    "unreachable": "Unreachable (every linked chat gone)",
    "turning_21_within_91_days": "Turning 21 within 91 days",
    "optin_unanswered": "  of whom no decision about PA support",
    "overdue_escalations": "Escalations past their deadline",
}


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `carebot config check` and `carebot duty report` to the command line."""
    config = subparsers.add_parser("config", help="check the service's set-up in the database")
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    config_sub.add_parser(
        "check", help="every team has a duty route someone can log in to; exit 1 if not"
    )
    duty = subparsers.add_parser("duty", help="the duty view's figures, for managers")
    duty_sub = duty.add_subparsers(dest="duty_command", required=True, metavar="ACTION")
    report = duty_sub.add_parser(
        "report",
        help="who is past their cadence, unreachable, turning 21, and overdue escalations",
    )
    report.add_argument("--council", metavar="ID", help="one council only, e.g. plymouth")
    report.add_argument("--json", action="store_true", help="print one JSON object")
    report.add_argument(
        "--at",
        type=parse_when,
        metavar="DATETIME",
        help="as things stand at this time (default now), e.g. 2027-01-04T09:00",
    )


@contextmanager
def _sessions(settings: Settings, command: str) -> Iterator[sessionmaker | None]:
    """Sessions on the database (None, said on stderr, when it is not migrated); the
    engine is closed afterwards."""
    engine = make_engine(settings.database_url)
    try:
        if current_revision(engine) != head_revision(engine):
            print(
                f"carebot {command}: the database is not up to date; run `carebot db upgrade`",
                file=sys.stderr,
            )
            yield None
        else:
            yield session_factory(engine)
    finally:
        engine.dispose()


def run_config(settings: Settings, args: argparse.Namespace) -> int:
    """`carebot config check`: exit 1, each problem on stderr, unless every team has a duty
    route someone can log in to."""
    with _sessions(settings, "config") as sessions:
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


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def duty_json(report: Any) -> dict[str, Any]:
    """The report as `carebot duty report --json` prints it: references, never names."""
    out: dict[str, Any] = {"checked_at": _json_value(report.checked_at)}
    for figure in duty_export.CLI_FIGURES:
        out[figure] = [
            {key: _json_value(value) for key, value in record.items()}
            for record in duty_export.records(report, figure, names=False)
        ]
    return out


def _summary(report: Any, council: str | None) -> str:
    at = report.checked_at.astimezone(LONDON)
    lines = [f"Duty report for {council or 'every council'}, as at {at:%a %d %b %Y %H:%M} (London)"]
    width = max(len(text) for text in DUTY_SUMMARY.values())
    for figure, text in DUTY_SUMMARY.items():
        lines.append(f"{text:<{width}}  {len(getattr(report, figure)):>5}")
    lines.append("Lists, with references and dates: carebot duty report --json")
    return "\n".join(lines)


def run_duty(settings: Settings, args: argparse.Namespace) -> int:
    """`carebot duty report [--council ID] [--json] [--at DATETIME]`."""
    at = getattr(args, "at", None) or SystemClock().now()
    with _sessions(settings, "duty") as sessions:
        if sessions is None:
            return 2
        with sessions() as session:
            if args.council is not None and session.get(Council, args.council) is None:
                print(
                    f"carebot duty report: no council {args.council!r} "
                    "(council ids are like plymouth)",
                    file=sys.stderr,
                )
                return 2
            report = duty_report(session, at, Scope(council_id=args.council))
    if args.json:
        print(json.dumps(duty_json(report), indent=2))
    else:
        print(_summary(report, args.council))
    return 0
