"""Contact plans: one row per young person, made when first needed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models import ContactPlan


def plan_for(session: Session, young_person_id: int, now: datetime) -> ContactPlan:
    """Their contact plan, made now if they have none; if another worker makes it at the same
    moment, that one is returned."""
    plan = session.get(ContactPlan, young_person_id)
    if plan is not None:
        return plan
    plan = ContactPlan(young_person_id=young_person_id, checkins_paused=False, updated_at=now)
    try:
        with session.begin_nested():
            session.add(plan)
    except IntegrityError:  # made a moment ago by another worker
        plan = session.get(ContactPlan, young_person_id)
        assert plan is not None
    return plan
