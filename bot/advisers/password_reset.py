"""Password links: a random one-time link to set a new password, made by an admin (or a
manager for their team's PAs), emailed to the member of staff when email is set up, else
shown once to whoever made it. Only the token's hash is stored; a link works once, for 24
hours, and making a new one ends any older one for the same account."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import outbox
from bot.advisers import auth
from bot.advisers.staff_records import AccountError, audit
from bot.models import LinkCode, StaffAccount

log = logging.getLogger(__name__)

PURPOSE = "password_reset"
VALID_FOR = timedelta(hours=24)
PATH = "/staff/reset"
MAX_TOKEN_CHARS = 128
MAX_PASSWORD_CHARS = 1024


class InvalidLink(Exception):
    """Unknown, used, expired, or for an account that is no longer active (not said which)."""


@dataclass(frozen=True)
class ResetLink:
    """A password link just made: the link, when it stops working, and whether it was emailed."""

    url: str
    expires_at: datetime
    # Queued to their email: the page says so and does not show the link.
    emailed: bool


def _hash(token: str) -> str:
    return hashlib.sha256(b"password_reset:" + token.encode("utf-8", "replace")).hexdigest()


def expire_links(session: Session, account: StaffAccount, now: datetime) -> None:
    """Unused links for this account stop working now."""
    session.execute(
        update(LinkCode)
        .where(
            LinkCode.staff_id == account.id,
            LinkCode.purpose == PURPOSE,
            LinkCode.used_at.is_(None),
            LinkCode.expires_at > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session="fetch")
    )


def make_link(
    session: Session,
    account: StaffAccount,
    *,
    by: StaffAccount | None,
    now: datetime,
    public_url: str,
    email_enabled: bool,
) -> ResetLink:
    """A new password link for an active account, ending any older one; queued to their log-in
    email when email is on, else the caller shows `url` once. Audited."""
    if not account.active:
        raise AccountError("Reactivate the account before making a password link.")
    expire_links(session, account, now)
    token = secrets.token_urlsafe(32)
    expires_at = now + VALID_FOR
    session.add(
        LinkCode(
            code_hash=_hash(token),
            purpose=PURPOSE,
            staff_id=account.id,
            created_by_id=by.id if by is not None else None,
            created_at=now,
            expires_at=expires_at,
        )
    )
    url = f"{public_url.rstrip('/')}{PATH}/{token}"
    if email_enabled:
        # To their log-in email whatever their notification settings: it is not a notification.
        outbox.enqueue(
            session,
            channel="email",
            address=account.email,
            purpose=PURPOSE,
            staff_id=account.id,
            subject="Set your password for the staff dashboard",
            body=(
                "Use this link to set your password for the leaving care bot's staff "
                f"dashboard. It works once, for 24 hours:\n{url}\n\n"
                "If you did not expect this email, tell your manager."
            ),
            now=now,
            dedupe_key=f"{PURPOSE}:{account.id}:{now.isoformat()}",
        )
    audit(
        session,
        now,
        by,
        "password_reset_link_made",
        "staff",
        account.id,
        emailed=email_enabled,
        expires_at=expires_at.isoformat(),
    )
    log.info("password link made staff=%s emailed=%s", account.id, email_enabled)
    return ResetLink(url, expires_at, email_enabled)


def check_link(session: Session, token: str, now: datetime) -> LinkCode:
    """The link's row when it can still be used; InvalidLink otherwise."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        raise InvalidLink
    link = session.execute(
        select(LinkCode).where(LinkCode.code_hash == _hash(token), LinkCode.purpose == PURPOSE)
    ).scalar_one_or_none()
    if link is None or link.used_at is not None or link.expires_at <= now:
        raise InvalidLink
    staff = session.get(StaffAccount, link.staff_id)
    if staff is None or not staff.active:
        raise InvalidLink
    return link


def use_link(
    session: Session, token: str, password: str, again: str, now: datetime
) -> StaffAccount:
    """Set the new password: the link is used up, failed log-ins are forgotten, and every
    session of the account ends (whoever else was logged in as them is logged out)."""
    link = check_link(session, token, now)
    if password != again:
        raise AccountError("The two passwords are different. Type the same one twice.")
    if len(password) < auth.MIN_PASSWORD_LENGTH:
        raise AccountError(f"Use at least {auth.MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AccountError(f"Use at most {MAX_PASSWORD_CHARS:,} characters.")
    staff = session.get(StaffAccount, link.staff_id)
    assert staff is not None
    staff.password_hash = auth.hash_password(password)
    link.used_at = now
    auth.clear_throttles(session, staff)
    auth.revoke_all(session, staff, now)
    audit(session, now, staff, "password_reset_done", "staff", staff.id, link_id=link.id)
    log.info("password reset done staff=%s", staff.id)
    return staff
