"""Staff accounts and their roles: what a PA, a manager, an editor and an admin are, and
making an account (the CLI, the accounts pages and the demo data all use this)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.advisers import auth
from bot.models import AuditEvent, PersonalAdviser, StaffAccount, Team

PA, MANAGER, EDITOR, ADMIN = "pa", "manager", "editor", "admin"
ROLES = (PA, MANAGER, EDITOR, ADMIN)


class StaffError(ValueError):
    """A staff account cannot be made as asked; the message says why."""


def create_staff(
    session: Session,
    *,
    email: str,
    name: str,
    role: str,
    password: str,
    pa_id: int | None = None,
    team_id: int | None = None,
    now: datetime,
    actor: str = "cli",
) -> StaffAccount:
    """A new account with an argon2id hash of the password (the password itself is not kept).

    A PA account belongs to its PA record's team unless a team is given."""
    email = email.strip().lower()
    _check_fields(email=email, name=name, role=role, password=password)
    team_id = _team_for(session, role=role, pa_id=pa_id, team_id=team_id)
    if session.execute(select(StaffAccount.id).where(StaffAccount.email == email)).first():
        raise StaffError("there is already an account with that email")
    staff = StaffAccount(
        email=email,
        name=name.strip(),
        role=role,
        password_hash=auth.hash_password(password),
        pa_id=pa_id,
        team_id=team_id,
        notify_email=True,
        notify_telegram=True,
        active=True,
        failed_logins=0,
        created_at=now,
    )
    session.add(staff)
    session.flush()
    session.add(
        AuditEvent(
            at=now,
            actor=actor,
            action="staff_created",
            subject_type="staff",
            subject_id=str(staff.id),
            detail={"role": role, "team_id": team_id, "pa_id": pa_id},
        )
    )
    return staff


def _check_fields(*, email: str, name: str, role: str, password: str) -> None:
    """What needs no database: a known role, an email address, a name, a long enough password."""
    if role not in ROLES:
        raise StaffError(f"role must be one of {', '.join(ROLES)}")
    if "@" not in email or len(email) > 254:
        raise StaffError("email must be an email address")
    if not name.strip():
        raise StaffError("name must not be empty")
    if len(password) < auth.MIN_PASSWORD_LENGTH:
        raise StaffError(f"the password must be at least {auth.MIN_PASSWORD_LENGTH} characters")


def _team_for(session: Session, *, role: str, pa_id: int | None, team_id: int | None) -> int | None:
    """The account's team: the one given, else its PA record's. A PA account needs a PA record
    with no account yet, a manager account a team."""
    pa: PersonalAdviser | None = None
    if pa_id is not None:
        pa = session.get(PersonalAdviser, pa_id)
        if pa is None:
            raise StaffError(f"there is no PA record {pa_id}")
        if session.execute(select(StaffAccount.id).where(StaffAccount.pa_id == pa_id)).first():
            raise StaffError("that PA record already has a staff account")
    if role == PA and pa is None:
        raise StaffError("a PA account needs the PA record it belongs to (--pa-email)")
    if team_id is None and pa is not None:
        team_id = pa.team_id
    if team_id is not None and session.get(Team, team_id) is None:
        raise StaffError(f"there is no team {team_id}")
    if role == MANAGER and team_id is None:
        raise StaffError("a manager account needs a team (--team-id)")
    return team_id
