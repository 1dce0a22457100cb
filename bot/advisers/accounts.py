"""Staff accounts that can be managed: add a PA and their PA record in one step, change a
role, deactivate (every session ended at once) and reactivate, unlock, and the duty rota.
Caseloads move in `caseload`, password links in `password_reset`. Every action is audited
(ids, never names); `AccountError` messages are for staff (dashboard and command line)."""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.advisers import auth, caseload, cover, notify, password_reset
from bot.advisers.staff import ADMIN, EDITOR, MANAGER, PA, ROLES, StaffError, create_staff
from bot.advisers.staff_records import AccountError, actor_of, audit
from bot.models import Council, OutboxItem, PersonalAdviser, StaffAccount, Team

log = logging.getLogger(__name__)

# What young people may be given to call: digits, spaces, a leading +, brackets and dashes.
_PHONE = re.compile(r"\+?[0-9][0-9 ()-]{5,38}")


def _people(count: int) -> str:
    return f"{count} young {'person' if count == 1 else 'people'}"


def account_by_email(session: Session, email: str) -> StaffAccount:
    """The account with this log-in email (spaces and case ignored), for the `carebot staff`
    commands; AccountError when there is none."""
    account = session.execute(
        select(StaffAccount).where(StaffAccount.email == email.strip().lower())
    ).scalar_one_or_none()
    if account is None:
        raise AccountError("There is no staff account with that email (see `carebot staff list`).")
    return account


def pa_by_email(session: Session, email: str) -> PersonalAdviser:
    """A PA record named by its account's log-in email, or by the email on the record."""
    email = email.strip().lower()
    account = session.execute(
        select(StaffAccount).where(StaffAccount.email == email)
    ).scalar_one_or_none()
    if account is not None and account.pa_id is not None:
        return account.pa
    pa = session.execute(
        select(PersonalAdviser).where(func.lower(PersonalAdviser.email) == email)
    ).scalar_one_or_none()
    if pa is None:
        raise AccountError("There is no PA record for that email.")
    return pa


def _other_active_admins(session: Session, account: StaffAccount) -> int:
    return session.execute(
        select(func.count(StaffAccount.id)).where(
            StaffAccount.role == ADMIN,
            StaffAccount.active.is_(True),
            StaffAccount.id != account.id,
        )
    ).scalar_one()


@dataclass(frozen=True)
class Added:
    """A PA just added: their new log-in account and their PA record."""

    account: StaffAccount
    pa: PersonalAdviser


def add_pa(
    session: Session,
    *,
    name: str,
    email: str,
    phone: str,
    team_id: int | None,
    by: StaffAccount | None,
    now: datetime,
) -> Added:
    """A new PA: their PA record (what young people are told) and their log-in, together.

    The account gets a random password nobody knows: they set their own with a password
    link (`password_reset.make_link`)."""
    name, phone, email = " ".join(name.split()), " ".join(phone.split()), email.strip().lower()
    if not name or len(name) > 200:
        raise AccountError("Give their name (up to 200 characters).")
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise AccountError("Give their work email address.")
    if not _PHONE.fullmatch(phone):
        raise AccountError("Give a phone number young people can call them on.")
    team = session.get(Team, team_id) if team_id is not None else None
    if team is None:
        raise AccountError("Choose their team.")
    if session.execute(select(StaffAccount.id).where(StaffAccount.email == email)).first():
        raise AccountError("There is already a staff account with that email.")
    if session.execute(
        select(PersonalAdviser.id).where(func.lower(PersonalAdviser.email) == email)
    ).first():
        raise AccountError(
            "There is already a PA record with that email: give it a log-in with "
            "`carebot staff add --pa-email` instead."
        )
    council = session.get(Council, team.council_id)
    assert council is not None
    pa = PersonalAdviser(
        team_id=team.id,
        name=name,
        phone=phone,
        email=email,
        working_days=council.office_days,
        work_start=council.office_open,
        work_end=council.office_close,
        away=False,
    )
    session.add(pa)
    session.flush()
    try:
        account = create_staff(
            session,
            email=email,
            name=name,
            role=PA,
            password=secrets.token_urlsafe(32),
            pa_id=pa.id,
            team_id=team.id,
            now=now,
            actor=actor_of(by),
        )
    except StaffError as exc:  # checked above; kept so nothing half-made is ever committed
        raise AccountError(str(exc).capitalize() + ".") from None
    audit(session, now, by, "staff_added", "staff", account.id, pa_id=pa.id, team_id=team.id)
    log.info("staff added staff=%s pa=%s", account.id, pa.id)
    return Added(account, pa)


def change_role(
    session: Session, account: StaffAccount, role: str, *, by: StaffAccount | None, now: datetime
) -> None:
    """A PA record stays with its account whatever the role: a manager or admin keeps
    their caseload (they can see it), but an editor cannot see young people, so an account
    whose PA record has a caseload cannot become an editor until it is reassigned."""
    if role not in ROLES:
        raise AccountError("Choose a role from the list.")
    if role == account.role:
        return
    if by is not None and by.id == account.id:
        raise AccountError("You cannot change your own role: ask another admin.")
    if account.role == ADMIN and account.active and not _other_active_admins(session, account):
        raise AccountError("This is the last active admin: make someone else an admin first.")
    if role == PA and account.pa_id is None:
        raise AccountError("A PA account needs a PA record: add them as a new PA instead.")
    if role == MANAGER and account.team_id is None:
        raise AccountError("A team manager needs a team, and this account has none.")
    held = notify.caseload(session, account)
    if role == EDITOR and held:
        raise AccountError(
            f"{account.name} is the named PA for {_people(held)}, and editors cannot see "
            "young people: reassign the caseload first."
        )
    before = account.role
    account.role = role
    if role == EDITOR:
        account.on_duty = False  # the duty rota is for people who can open escalations
    audit(session, now, by, "staff_role_changed", "staff", account.id, before=before, after=role)
    log.info("staff role changed staff=%s", account.id)


@dataclass(frozen=True)
class Deactivated:
    """What deactivating did: sessions ended (0 if already inactive), young people still named
    on them, and warnings the admin should act on."""

    sessions_ended: int
    caseload: int
    warnings: list[str] = field(default_factory=list)


def deactivate(
    session: Session, account: StaffAccount, *, by: StaffAccount | None, now: datetime
) -> Deactivated:
    """They can no longer log in, and every session of theirs ends now (their next request
    is refused). Allowed with a caseload: the warning says to reassign it; until then the
    team's managers and duty route are told of those young people's escalations."""
    if by is not None and by.id == account.id:
        raise AccountError("You cannot deactivate your own account.")
    if account.role == ADMIN and account.active and not _other_active_admins(session, account):
        raise AccountError("This is the last active admin: make someone else an admin first.")
    held = notify.caseload(session, account)
    if not account.active:
        return Deactivated(0, held)
    account.active = False
    account.on_duty = False
    ended = auth.revoke_all(session, account, now)
    # Notifications queued for them and not yet sent would still go: they are not theirs now.
    session.execute(
        update(OutboxItem)
        .where(OutboxItem.staff_id == account.id, OutboxItem.status == "pending")
        .values(status="cancelled", error="account deactivated")
        .execution_options(synchronize_session="fetch")
    )
    password_reset.expire_links(session, account, now)
    caseload.hand_back(session, caseload.handled_by(session, account.id), account.id, by, now)
    warnings = []
    if held:
        warnings.append(
            f"{account.name} is still the named PA for {_people(held)}: their escalations go "
            "to the team's managers and duty route until you reassign the caseload."
        )
    if account.team_id is not None and not (
        cover.managers(session, account.team_id) or cover.duty_staff(session, account.team_id)
    ):
        warnings.append(
            "Their team now has no active manager and nobody on the duty rota: escalations "
            "nobody named can take would reach nobody who can log in."
        )
    audit(session, now, by, "staff_deactivated", "staff", account.id, sessions=ended, caseload=held)
    log.info("staff deactivated staff=%s sessions=%s", account.id, ended)
    return Deactivated(ended, held, warnings)


def reactivate(
    session: Session, account: StaffAccount, *, by: StaffAccount | None, now: datetime
) -> None:
    """They can log in again with their password (or a new password link)."""
    if account.active:
        return
    account.active = True
    audit(session, now, by, "staff_reactivated", "staff", account.id)
    log.info("staff reactivated staff=%s", account.id)


def unlock(
    session: Session, account: StaffAccount, *, by: StaffAccount | None, now: datetime
) -> int:
    """Forget their failed log-ins on every device, so they can try again at once."""
    cleared = auth.clear_throttles(session, account)
    audit(session, now, by, "staff_unlocked", "staff", account.id, throttles=cleared)
    log.info("staff unlocked staff=%s throttles=%s", account.id, cleared)
    return cleared


def set_duty(
    session: Session,
    account: StaffAccount,
    on_duty: bool,
    *,
    by: StaffAccount | None,
    now: datetime,
) -> None:
    """Put someone on their team's duty rota, or take them off it (see bot.advisers.cover)."""
    if on_duty:
        if not account.active:
            raise AccountError("A deactivated account cannot be on the duty rota.")
        if account.team_id is None or account.role not in (PA, MANAGER):
            raise AccountError("Only a PA or team manager on a team can be on its duty rota.")
    account.on_duty = on_duty
    audit(session, now, by, "duty_rota_changed", "staff", account.id, on_duty=on_duty)
    log.info("duty rota changed staff=%s on_duty=%s", account.id, on_duty)
