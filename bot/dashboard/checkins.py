"""Keep-in-touch check-ins as the dashboard sees them: a placeholder until they are scheduled."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.models import YoungPerson


def next_check_in(session: Session, young_person: YoungPerson, now: datetime) -> datetime | None:
    """When the bot next checks in with this young person; None means "Not scheduled yet".

    Check-ins are not scheduled yet (a later issue): replace this body, keep the signature."""
    del session, young_person, now
    return None
