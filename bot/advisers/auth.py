"""Staff sign-in for the dashboard: argon2id passwords, throttling, server-side sessions and
CSRF tokens. Domain code (accounts, password resets) uses it too, so it lives with the staff
records, not in the web layer."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models import AuditEvent, LoginThrottle, StaffAccount, StaffSession

log = logging.getLogger(__name__)

SESSION_COOKIE = "carebot_staff"
LOGIN_COOKIE = "carebot_login"
# Throttling, not locking: after a few failures for one email from one client (or many from
# one client across emails), that client waits, longer each time, up to MAX_WAIT. A PA
# logging in from their own device is never held up by someone guessing elsewhere.
FREE_FAILURES = 3  # per email and client
FREE_CLIENT_FAILURES = 10  # per client, across emails (credential stuffing)
FIRST_WAIT = timedelta(seconds=30)
MAX_WAIT = timedelta(minutes=15)
FORGET_FAILURES_AFTER = timedelta(hours=24)
# Sliding: a session left alone for 12 hours ends; used or not, none outlives 7 days.
IDLE_TIMEOUT = timedelta(hours=12)
ABSOLUTE_TIMEOUT = timedelta(days=7)
MIN_PASSWORD_LENGTH = 12

# argon2-cffi's defaults are argon2id with RFC 9106's low-memory profile. A module global so
# tests can swap in cheaper parameters; hashes made with other parameters are upgraded at
# the next successful log-in.
DEFAULT_HASHER = PasswordHasher()
hasher = DEFAULT_HASHER
_dummy_hash: tuple[PasswordHasher, str] | None = None


def hash_password(password: str) -> str:
    """An argon2id hash of a new password, by the module's `hasher` (tests use a cheap one)."""
    return hasher.hash(password)


def _dummy() -> str:
    """A hash to verify against when the email is unknown, so timing does not tell."""
    global _dummy_hash
    if _dummy_hash is None or _dummy_hash[0] is not hasher:
        _dummy_hash = (hasher, hasher.hash(secrets.token_urlsafe(16)))
    return _dummy_hash[1]


def verify_password(staff: StaffAccount, password: str) -> bool:
    """True when the password matches; re-hashes it in place when the parameters changed."""
    try:
        hasher.verify(staff.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = hasher.hash(password)
        log.info("password hash upgraded staff=%s", staff.id)
    return True


def _audit(
    db: Session, now: datetime, actor: str, action: str, staff_id: int | None, **detail: object
) -> None:
    db.add(
        AuditEvent(
            at=now,
            actor=actor,
            action=action,
            subject_type="staff" if staff_id is not None else None,
            subject_id=str(staff_id) if staff_id is not None else None,
            detail=dict(detail),
        )
    )


def _throttle_keys(email: str, client: str) -> tuple[str, str]:
    """(this email from this client, this client): hashed, so neither is stored."""
    folded = email.strip().lower()
    return (
        hashlib.sha256(f"email:{folded}|client:{client}".encode()).hexdigest(),
        hashlib.sha256(f"client:{client}".encode()).hexdigest(),
    )


def _wait_after(failures: int, free: int) -> timedelta:
    if failures < free:
        return timedelta(0)
    return min(FIRST_WAIT * (2 ** (failures - free)), MAX_WAIT)


def must_wait(db: Session, email: str, client: str, now: datetime) -> timedelta | None:
    """How long this client must wait before trying this email again, or None."""
    waits = []
    for key in _throttle_keys(email, client):
        row = db.get(LoginThrottle, key)
        if row is not None and row.blocked_until is not None and row.blocked_until > now:
            waits.append(row.blocked_until - now)
    return max(waits) if waits else None


def _record_failure(
    db: Session, email: str, client: str, now: datetime, staff_id: int | None = None
) -> None:
    keys = _throttle_keys(email, client)
    for key, free in zip(keys, (FREE_FAILURES, FREE_CLIENT_FAILURES), strict=True):
        row = db.get(LoginThrottle, key)
        if row is None:
            try:
                with db.begin_nested():
                    row = LoginThrottle(key=key, failures=0, last_failed_at=now)
                    db.add(row)
            except IntegrityError:  # another process counted the first failure
                row = db.get(LoginThrottle, key)
                assert row is not None
        elif row.last_failed_at < now - FORGET_FAILURES_AFTER:
            row.failures = 0
        row.failures += 1
        row.last_failed_at = now
        if key == keys[0] and staff_id is not None:
            row.staff_id = staff_id  # so unlocking the account clears it
        wait = _wait_after(row.failures, free)
        row.blocked_until = now + wait if wait else None
    db.flush()


def authenticate(
    db: Session, email: str, password: str, now: datetime, *, client: str = "unknown"
) -> StaffAccount | None:
    """The account, or None for a wrong email or password or an inactive account.

    The caller shows the same message for every failure, so it does not reveal which emails
    have accounts, and calls `must_wait` first: a throttled client is not even checked."""
    staff = db.execute(
        select(StaffAccount).where(StaffAccount.email == email.strip().lower())
    ).scalar_one_or_none()
    if staff is None:
        _verify_dummy(password)
        _record_failure(db, email, client, now)
        _audit(db, now, "anonymous", "login_failed", None, reason="unknown_account")
        log.info("login failed: unknown account")
        return None
    if not verify_password(staff, password) or not staff.active:
        staff.failed_logins = (staff.failed_logins or 0) + 1
        reason = "inactive" if staff.active is False else "bad_password"
        _record_failure(db, email, client, now, staff.id)
        _audit(db, now, f"staff:{staff.id}", "login_failed", staff.id, reason=reason)
        log.info("login failed staff=%s", staff.id)
        return None
    mine = db.get(LoginThrottle, _throttle_keys(email, client)[0])
    if mine is not None:
        db.delete(mine)
    staff.failed_logins = 0
    staff.locked_until = None
    staff.last_login_at = now
    _audit(db, now, f"staff:{staff.id}", "login", staff.id)
    log.info("login staff=%s", staff.id)
    return staff


def throttled_until(db: Session, staff_ids: list[int], now: datetime) -> dict[int, datetime]:
    """Accounts whose email is held back on some device now, and until when."""
    if not staff_ids:
        return {}
    rows = db.execute(
        select(LoginThrottle.staff_id, func.max(LoginThrottle.blocked_until))
        .where(LoginThrottle.staff_id.in_(staff_ids), LoginThrottle.blocked_until > now)
        .group_by(LoginThrottle.staff_id)
    ).all()
    return {int(staff_id): until for staff_id, until in rows}


def clear_throttles(db: Session, staff: StaffAccount) -> int:
    """Unlock: forget this account's failed log-ins on every device (not a device's own
    count across other emails, which still ends by itself within MAX_WAIT)."""
    staff.failed_logins = 0
    staff.locked_until = None
    result = db.execute(
        delete(LoginThrottle)
        .where(LoginThrottle.staff_id == staff.id)
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount or 0)


def _verify_dummy(password: str) -> None:
    with contextlib.suppress(VerificationError, InvalidHashError):
        hasher.verify(_dummy(), password)


def token_hash(token: str) -> str:
    """The SHA-256 a session token is stored as: the table never holds the cookie's own value."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _expiry(created_at: datetime, now: datetime) -> datetime:
    return min(now + IDLE_TIMEOUT, created_at + ABSOLUTE_TIMEOUT)


def start_session(db: Session, staff: StaffAccount, now: datetime) -> tuple[str, StaffSession]:
    """A new session; returns the cookie's token (the table keeps only its SHA-256)."""
    token = secrets.token_urlsafe(32)
    row = StaffSession(
        token_hash=token_hash(token),
        staff_id=staff.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=_expiry(now, now),
    )
    db.add(row)
    db.flush()
    return token, row


def load_session(db: Session, token: str | None, now: datetime) -> StaffSession | None:
    """The live session for a cookie (sliding its expiry forward), or None."""
    if not token or len(token) > 128:
        return None
    row = db.execute(
        select(StaffSession).where(StaffSession.token_hash == token_hash(token))
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at <= now or row.created_at + ABSOLUTE_TIMEOUT <= now:
        return None
    if not row.staff.active:
        return None
    row.last_seen_at = now
    row.expires_at = _expiry(row.created_at, now)
    return row


def end_session(db: Session, row: StaffSession, now: datetime) -> None:
    """Log out: the session row is revoked, so its cookie never works again."""
    if row.revoked_at is None:
        row.revoked_at = now
        _audit(db, now, f"staff:{row.staff_id}", "logout", row.staff_id)
        log.info("logout staff=%s", row.staff_id)


def revoke_all(db: Session, staff: StaffAccount, now: datetime) -> int:
    """End every session of this account (a lost laptop, a password change, a leaver)."""
    result = db.execute(
        update(StaffSession)
        .where(StaffSession.staff_id == staff.id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session="fetch")
    )
    count = int(result.rowcount or 0)
    _audit(db, now, f"staff:{staff.id}", "sessions_revoked", staff.id, sessions=count)
    log.info("sessions revoked staff=%s count=%s", staff.id, count)
    return count


def csrf_ok(expected: str, given: object) -> bool:
    """A form's token against the session's, in constant time."""
    if not isinstance(given, str) or not given or not expected:
        return False
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


@dataclass(frozen=True)
class LoginCsrf:
    """The log-in form's CSRF protection, before there is a session: a signed double submit.

    A short-lived random cookie (HttpOnly, SameSite=Strict) and, in the form, an HMAC of it
    under a server key. A cross-site page can neither read the cookie nor forge the HMAC."""

    key: bytes

    def new_nonce(self) -> str:
        """A fresh random nonce for the form's cookie, one for each form shown."""
        return secrets.token_urlsafe(24)

    def token_for(self, nonce: str) -> str:
        """The token the form carries for this nonce: an HMAC under the server key."""
        return hmac.new(self.key, b"login:" + nonce.encode(), hashlib.sha256).hexdigest()

    def check(self, nonce: str | None, token: object) -> bool:
        """The form's token fits the cookie's nonce (in constant time); a missing or over-long
        nonce never does."""
        if not nonce or len(nonce) > 64:
            return False
        return csrf_ok(self.token_for(nonce), token)
