"""Whether a young person has PA support now: always before 21, from 21 only if they want it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.clock import age_on
from bot.keeping_in_touch.plans import plan_for
from bot.models import AuditEvent, ContactPlan, PersonalAdviser, YoungPerson

ACTIVE = "active"  # under 21, not asked yet
OPTED_IN = "opted_in"  # wants PA support after 21
OPTED_OUT = "opted_out"  # said no to PA support after 21 (can ask again until 25)
ENDED = "ended"  # 25, or support closed
REQUESTED = "requested"  # 21-25, asked for a PA again; opted in once the team allocates one
# The escalation that tells the team someone wants a PA again; resolving it allocates.
AGAIN_REASON = "pa_support_again"


def said_no(yp: YoungPerson, plan: ContactPlan | None) -> bool:
    """They said no to PA support after 21 and have not asked again since."""
    return yp.support_status == OPTED_OUT or (plan is not None and plan.optin_answer == "no")


def has_pa_support(yp: YoungPerson, plan: ContactPlan | None, today: date) -> bool:
    """Under 21 a care leaver always has a PA; from 21 only if they did not say no."""
    if yp.support_status in (ENDED, REQUESTED):
        return False
    return age_on(yp.date_of_birth, today) < 21 or not said_no(yp, plan)


def can_ask_again(yp: YoungPerson, plan: ContactPlan | None, today: date) -> bool:
    """21 to 24 without PA support: they can ask for a PA again (the duty runs to 25)."""
    age = age_on(yp.date_of_birth, today)
    return 21 <= age < 25 and yp.support_status != REQUESTED and not has_pa_support(yp, plan, today)


def ask_again(session: Session, yp: YoungPerson, now: datetime) -> None:
    """Record that they want a PA again (the caller tells the team with an escalation)."""
    plan = plan_for(session, yp.id, now)
    plan.optin_answer = "yes"
    plan.optin_answered_at = now
    plan.updated_at = now
    yp.support_status = REQUESTED
    session.add(
        AuditEvent(
            at=now,
            actor="bot",
            action="pa_support_requested",
            subject_type="young_person",
            subject_id=str(yp.id),
            detail={},
        )
    )


def allocated(session: Session, yp: YoungPerson, actor: str, now: datetime) -> None:
    """The team dealt with a request for a PA again: from now the PA on record is theirs."""
    if yp.support_status != REQUESTED:
        return
    yp.support_status = OPTED_IN
    session.add(
        AuditEvent(
            at=now,
            actor=actor,
            action="pa_support_allocated",
            subject_type="young_person",
            subject_id=str(yp.id),
            detail={"pa_id": yp.pa_id},
        )
    )


def current_pa(session: Session, yp: YoungPerson, today: date) -> PersonalAdviser | None:
    """Their PA, unless they have no PA support now (then the PA on record is a former PA)."""
    if yp.pa is None:
        return None
    plan = session.get(ContactPlan, yp.id)
    return yp.pa if has_pa_support(yp, plan, today) else None
