"""`carebot schedule show`: what the bot will send, to whom and when, for PAs and admins."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.clock import SystemClock
from bot.db import session_factory
from bot.keeping_in_touch import jobs
from bot.models import OutboxItem, YoungPerson
from bot.settings import Settings
from bot.startup import open_database

LONDON = ZoneInfo("Europe/London")


def parse_when(raw: str) -> datetime:
    """ISO 8601; a time without a zone is London time (where the councils are)."""
    try:
        at = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{raw!r} is not a date and time like 2026-12-01T09:00"
        ) from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=LONDON)
    return at.astimezone(timezone.utc)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `carebot schedule show` and its options to the command line (called by bot.cli)."""
    schedule = subparsers.add_parser("schedule", help="what the bot will send, and when")
    actions = schedule.add_subparsers(dest="schedule_command", required=True, metavar="ACTION")
    show = actions.add_parser("show", help="list queued and planned proactive messages")
    show.add_argument(
        "--at",
        type=parse_when,
        metavar="DATETIME",
        help="as things will stand at this time (default now), e.g. 2027-01-04T09:00",
    )
    show.add_argument("--as", dest="as_ref", metavar="REF", help="one young person only")
    show.add_argument("--limit", type=int, default=200, help="at most this many rows")
    show.add_argument("--json", action="store_true", help="print JSON")


def run(settings: Settings, args: argparse.Namespace) -> int:
    """`carebot schedule show`: proactive messages queued, due and planned as things stand at
    `--at`, soonest first; returns the exit status (2 for an unknown `--as` reference)."""
    at = args.at or SystemClock().now()
    sessions = session_factory(open_database(settings.database_url))
    rows = []
    with sessions() as session:
        if args.as_ref is not None and (
            session.execute(select(YoungPerson.id).where(YoungPerson.ref == args.as_ref)).first()
            is None
        ):
            print(f"carebot schedule show: no young person {args.as_ref!r}", file=sys.stderr)
            return 2
        queued = select(OutboxItem, YoungPerson.ref).join(
            YoungPerson, YoungPerson.id == OutboxItem.young_person_id
        )
        queued = queued.where(
            OutboxItem.status == "pending", OutboxItem.purpose.in_(jobs.PROACTIVE)
        )
        if args.as_ref is not None:
            queued = queued.where(YoungPerson.ref == args.as_ref)
        for item, ref in session.execute(queued.order_by(OutboxItem.not_before)).all():
            rows.append(
                {
                    "when": item.not_before,
                    "ref": ref,
                    "what": item.purpose,
                    "channel": item.channel,
                    "state": "queued",
                }
            )
        for event, yp, identity in jobs.schedule(session, at, ref=args.as_ref):
            rows.append(
                {
                    "when": event.due_at,
                    "ref": yp.ref,
                    "what": event.kind,
                    "channel": identity.channel if identity else None,
                    "state": "due" if event.due_at <= at else "planned",
                }
            )
    rows.sort(key=lambda r: r["when"])
    rows = rows[: args.limit]
    if args.json:
        print(json.dumps([{**r, "when": r["when"].isoformat()} for r in rows], indent=2))
        return 0
    print(f"as at {at.astimezone(LONDON):%a %d %b %Y %H:%M} (London)")
    if not rows:
        print("nothing to send")
    for r in rows:
        channel = r["channel"] or "no linked chat"
        print(
            f"{r['when'].astimezone(LONDON):%a %d %b %Y %H:%M}  {r['ref']:<18} "
            f"{r['what']:<18} {channel:<15} {r['state']}"
        )
    return 0
