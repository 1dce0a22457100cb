"""Reassigning a caseload: all or some of one PA's young people move to another PA, with
their open escalations, and each young person is told who their new PA is, in their
language, on the chat they use (one message through the outbox, not in quiet hours)."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import outbox
from bot.advisers import reach
from bot.advisers.staff_records import AccountError, account_of, audit
from bot.i18n import Translator, normalise_language
from bot.keeping_in_touch import hold
from bot.keeping_in_touch.quiet_hours import next_allowed
from bot.models import (
    ContactPlan,
    Escalation,
    PersonalAdviser,
    StaffAccount,
    Team,
    YoungPerson,
)

log = logging.getLogger(__name__)

# The outbox purpose of the message (and the WhatsApp template a council may approve for it).
PA_CHANGED = "pa_changed"


@dataclass(frozen=True)
class Reassigned:
    """What a reassignment did: young people moved, open escalations moved with them, and how
    many were sent a message about their new PA."""

    moved: int
    escalations: int
    told: int  # a message is queued
    not_told: int  # no chat that can be reached, or they asked the bot to stop messaging


def caseload_of(session: Session, pa: PersonalAdviser) -> list[YoungPerson]:
    """The young people whose named PA this is, by name, for choosing whom to move."""
    return list(
        session.execute(
            select(YoungPerson)
            .where(YoungPerson.pa_id == pa.id)
            .order_by(YoungPerson.preferred_name, YoungPerson.ref)
        ).scalars()
    )


def counts(session: Session) -> dict[int, int]:
    """How many young people each PA record has, by its id."""
    return dict(
        session.execute(  # type: ignore[arg-type]
            select(YoungPerson.pa_id, func.count(YoungPerson.id))
            .where(YoungPerson.pa_id.is_not(None))
            .group_by(YoungPerson.pa_id)
        ).all()
    )


def choices(
    session: Session, from_pa: PersonalAdviser, *, team_id: int | None = None
) -> list[PersonalAdviser]:
    """Who the caseload may go to: PA records of the same council (of `team_id` only, for a
    manager), not the same PA, and not one whose account is deactivated."""
    council_id = from_pa.team.council_id
    query = (
        select(PersonalAdviser)
        .join(Team)
        .outerjoin(StaffAccount, StaffAccount.pa_id == PersonalAdviser.id)
        .where(
            Team.council_id == council_id,
            PersonalAdviser.id != from_pa.id,
            (StaffAccount.id.is_(None)) | StaffAccount.active.is_(True),
        )
        .order_by(PersonalAdviser.name, PersonalAdviser.id)
    )
    if team_id is not None:
        query = query.where(PersonalAdviser.team_id == team_id)
    return list(session.execute(query).scalars())


def new_pa_message(t: Translator, yp: YoungPerson, pa: PersonalAdviser) -> str:
    """The message telling a young person who their new PA is and how to reach them."""
    _ = t.gettext
    return "\n".join(
        [
            _(
                "Hi {name}, your new PA (personal adviser) is {pa}. You can call {pa} on {phone}."
            ).format(name=yp.preferred_name, pa=pa.name, phone=pa.phone),
            _("Email {email}").format(email=pa.email),
        ]
    )


def _tell(
    session: Session, yp: YoungPerson, pa: PersonalAdviser, now: datetime, default_language: str
) -> bool:
    """Queue the message on the chat they used last (a chat that can push first)."""
    plan = session.get(ContactPlan, yp.id)
    if plan is not None and plan.stopped_at is not None:
        return False  # they said stop; "who's my PA" still tells them
    identity = reach.last_used(reach.chats_of(session, yp.id), prefer_push=True)
    if identity is None:
        return False
    language = normalise_language(identity.language or yp.language) or default_language
    council = yp.council
    outbox.enqueue(
        session,
        channel=identity.channel,
        address=identity.external_id,
        purpose=PA_CHANGED,
        identity_id=identity.id,
        young_person_id=yp.id,
        body=new_pa_message(Translator(language), yp, pa),
        now=now,
        not_before=next_allowed(now, council.quiet_start, council.quiet_end, council.timezone),
        dedupe_key=f"{PA_CHANGED}:{yp.id}:{pa.id}:{now.isoformat()}",
    )
    return True


def handled_by(session: Session, staff_id: int) -> list[Escalation]:
    """Unresolved escalations whose conversation this member of staff has taken over."""
    return list(
        session.execute(
            select(Escalation).where(
                Escalation.handling_staff_id == staff_id, Escalation.status != "resolved"
            )
        ).scalars()
    )


def hand_back(
    session: Session,
    moved: list[Escalation],
    staff_id: int,
    by: StaffAccount | None,
    now: datetime,
) -> int:
    """Conversations this member of staff was handling go back to the bot, so none is left
    silent with nobody replying (their new PA or the team takes them from their lists)."""
    handed = [esc for esc in moved if esc.handling_staff_id == staff_id]
    for esc in handed:
        esc.handling_staff_id = None
        esc.handling_since = None
        audit(session, now, by, "conversation_handed_back", "escalation", esc.id)
    session.flush()
    for yp_id in {esc.young_person_id for esc in handed if esc.young_person_id is not None}:
        hold.release(session, yp_id, now)
    return len(handed)


def _move_escalations(
    session: Session,
    ids: list[int],
    from_pa: PersonalAdviser,
    to_pa: PersonalAdviser,
    by: StaffAccount | None,
    now: datetime,
) -> int:
    """Open escalations go with them; one the old PA was handling goes back to the bot."""
    old_account = account_of(session, from_pa)
    moved = list(
        session.execute(
            select(Escalation).where(
                Escalation.young_person_id.in_(ids),
                Escalation.pa_id == from_pa.id,
                Escalation.status != "resolved",
            )
        ).scalars()
    )
    for esc in moved:
        esc.pa_id, esc.team_id = to_pa.id, to_pa.team_id
    if old_account is not None:
        hand_back(session, moved, old_account.id, by, now)
    return len(moved)


def reassign(
    session: Session,
    from_pa: PersonalAdviser,
    to_pa: PersonalAdviser,
    *,
    young_person_ids: Collection[int] | None = None,
    by: StaffAccount | None,
    now: datetime,
    default_language: str = "en",
) -> Reassigned:
    """Move all of `from_pa`'s young people (or only `young_person_ids`) to `to_pa`."""
    if to_pa.id == from_pa.id:
        raise AccountError("Choose a different PA to move them to.")
    to_account = account_of(session, to_pa)
    if to_account is not None and not to_account.active:
        raise AccountError(f"{to_pa.name}'s account is deactivated: choose someone else.")
    query = select(YoungPerson).where(YoungPerson.pa_id == from_pa.id).order_by(YoungPerson.id)
    if young_person_ids is not None:
        wanted = set(young_person_ids)
        if not wanted:
            raise AccountError("Tick at least one young person to move.")
        query = query.where(YoungPerson.id.in_(wanted))
    people = list(session.execute(query).scalars())
    if young_person_ids is not None and len(people) != len(wanted):
        raise AccountError(
            "Some of those young people are not on this caseload now: reload and try again."
        )
    if not people:
        raise AccountError("There is nobody on this caseload to move.")
    if any(yp.council_id != to_pa.team.council_id for yp in people):
        raise AccountError(f"{to_pa.name} works for another council: choose a PA from theirs.")
    ids = [yp.id for yp in people]
    for yp in people:
        yp.pa_id = to_pa.id
        audit(
            session,
            now,
            by,
            "young_person_pa_changed",
            "young_person",
            yp.id,
            from_pa_id=from_pa.id,
            to_pa_id=to_pa.id,
        )
    session.flush()
    escalations = _move_escalations(session, ids, from_pa, to_pa, by, now)
    told = sum(_tell(session, yp, to_pa, now, default_language) for yp in people)
    result = Reassigned(len(people), escalations, told, len(people) - told)
    audit(
        session,
        now,
        by,
        "caseload_reassigned",
        "personal_adviser",
        from_pa.id,
        to_pa_id=to_pa.id,
        moved=result.moved,
        escalations=escalations,
        told=told,
        not_told=result.not_told,
        all=young_person_ids is None,
    )
    log.info(
        "caseload reassigned from_pa=%s to_pa=%s moved=%s escalations=%s told=%s",
        from_pa.id,
        to_pa.id,
        result.moved,
        escalations,
        told,
    )
    return result
