"""Keeping in touch as the dashboard shows it: last contact, the next check-in, the plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.keeping_in_touch import jobs, planner
from bot.models import ChannelIdentity, ContactPlan, Council, YoungPerson


@dataclass(frozen=True)
class KeepInTouch:
    last_contact: datetime | None
    next_check_in: datetime | None
    every_weeks: int
    council_every_weeks: int
    paused: bool
    stopped_at: datetime | None
    optin_answer: str | None
    optin_answered_at: datetime | None
    # The next few things the bot will send, soonest first: (when, what).
    upcoming: tuple[tuple[datetime, str], ...]


def keep_in_touch(session: Session, young_person: YoungPerson, now: datetime) -> KeepInTouch:
    identities = list(
        session.execute(
            select(ChannelIdentity).where(ChannelIdentity.young_person_id == young_person.id)
        ).scalars()
    )
    plan = session.get(ContactPlan, young_person.id)
    council = session.get(Council, young_person.council_id)
    assert council is not None
    last = jobs.last_contact(identities)
    events = planner.upcoming(young_person, plan, council, now, last_contact=last)
    checkins = [e.due_at for e in events if e.kind == planner.CHECKIN]
    return KeepInTouch(
        last_contact=last,
        next_check_in=checkins[0] if checkins else None,
        every_weeks=(plan.checkin_every_weeks if plan else None) or council.checkin_every_weeks,
        council_every_weeks=council.checkin_every_weeks,
        paused=bool(plan and plan.checkins_paused),
        stopped_at=plan.stopped_at if plan else None,
        optin_answer=plan.optin_answer if plan else None,
        optin_answered_at=plan.optin_answered_at if plan else None,
        upcoming=tuple((e.due_at, e.kind) for e in events[:4] if e.kind in planner.MESSAGES),
    )


def next_check_in(session: Session, young_person: YoungPerson, now: datetime) -> datetime | None:
    """When the bot next checks in with this young person; None when none is planned."""
    return keep_in_touch(session, young_person, now).next_check_in
