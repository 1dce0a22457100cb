"""What every change to a staff account shares: its error, its audit entry, and the account
that belongs to a PA record (accounts, caseloads and password resets all build on these)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import AuditEvent, PersonalAdviser, StaffAccount


class AccountError(ValueError):
    """The change cannot be made as asked; the message says why, for staff."""


def actor_of(by: StaffAccount | None) -> str:
    """Who did it, as the audit log names them: a member of staff, or the command line."""
    return f"staff:{by.id}" if by is not None else "cli"


def audit(
    session: Session,
    now: datetime,
    by: StaffAccount | None,
    action: str,
    subject_type: str,
    subject_id: int,
    **detail: object,
) -> None:
    """Add an audit entry for a change to staff records: who did it (`actor_of`), the action, its
    subject and details (ids, never names)."""
    session.add(
        AuditEvent(
            at=now,
            actor=actor_of(by),
            action=action,
            subject_type=subject_type,
            subject_id=str(subject_id),
            detail=dict(detail),
        )
    )


def account_of(session: Session, pa: PersonalAdviser) -> StaffAccount | None:
    """The log-in account that belongs to this PA record, if it has one."""
    return session.execute(
        select(StaffAccount).where(StaffAccount.pa_id == pa.id)
    ).scalar_one_or_none()
