"""Routine messages wait while someone may be at risk: no "How are things?" one minute after a
crisis. A hold lasts while an urgent escalation is open or a PA is handling the conversation."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import Session

from bot.keeping_in_touch.planner import MESSAGES
from bot.keeping_in_touch.quiet_hours import next_allowed
from bot.models import Escalation, OutboxItem, YoungPerson

# Outbox status of a routine message waiting for a hold to end (then it goes back to pending).
HELD = "held"
# Escalation fields written as literals so this module does not import the advisers package
# (which calls it): an escalation is open until resolved, and "urgent" is its urgency.
_RESOLVED, _URGENT = "resolved", "urgent"
_HOLDING = and_(
    Escalation.status != _RESOLVED,
    or_(Escalation.urgency == _URGENT, Escalation.handling_staff_id.is_not(None)),
)


def held_people(session: Session, young_person_ids: Iterable[int]) -> set[int]:
    """Which of these young people have routine messages on hold now."""
    ids = list(young_person_ids)
    if not ids:
        return set()
    query = (
        select(Escalation.young_person_id)
        .where(Escalation.young_person_id.in_(ids), _HOLDING)
        .distinct()
    )
    return set(session.execute(query).scalars())


def is_held(session: Session, young_person_id: int) -> bool:
    """Whether routine messages to this young person are on hold now (see `held_people`)."""
    return bool(
        session.execute(
            select(exists().where(Escalation.young_person_id == young_person_id, _HOLDING))
        ).scalar()
    )


def hold(session: Session, young_person_id: int) -> int:
    """Routine messages already queued for them wait (nothing is lost, nothing is sent)."""
    return session.execute(
        update(OutboxItem)
        .where(
            OutboxItem.young_person_id == young_person_id,
            OutboxItem.status == "pending",
            OutboxItem.purpose.in_(MESSAGES),
        )
        .values(status=HELD)
        # Rows this session already holds see the change too.
        .execution_options(synchronize_session="fetch")
    ).rowcount


def release(session: Session, young_person_id: int, now: datetime) -> int:
    """When nothing holds them any more, waiting routine messages go (not before now)."""
    session.flush()
    if is_held(session, young_person_id):
        return 0
    yp = session.get(YoungPerson, young_person_id)
    council = yp.council if yp is not None else None
    released = 0
    for item in session.execute(
        select(OutboxItem)
        .where(OutboxItem.young_person_id == young_person_id, OutboxItem.status == HELD)
        .execution_options(populate_existing=True)
    ).scalars():
        item.status = "pending"
        due = max(item.not_before, now)
        if council is not None:
            # Released late in the evening: still not at night.
            due = next_allowed(due, council.quiet_start, council.quiet_end, council.timezone)
        item.not_before = due
        released += 1
    session.flush()
    return released
