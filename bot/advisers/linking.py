"""Link codes: single-use, expiring codes a PA makes so a chat can be tied to a record."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import AuditEvent, ChannelIdentity, LinkCode, StaffAccount

# No 0/O or 1/I/L: codes are read off a screen and typed on a phone.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
VALID_FOR = timedelta(days=7)
# "/start CODE" (a Telegram deep link) or "link CODE" (a WhatsApp link pre-fills this).
_TYPED = re.compile(r"^\s*(?:/start|link)\s+([A-Za-z0-9][A-Za-z0-9 -]{6,20})\s*$", re.IGNORECASE)

YOUNG_PERSON = "young_person"
STAFF = "staff"


def _hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def normalise(code: str) -> str:
    """A code as stored and compared: spaces and hyphens dropped, in capitals, however typed."""
    return re.sub(r"[\s-]", "", code).upper()


def create_code(
    session: Session,
    *,
    purpose: str,
    young_person_id: int | None,
    staff_id: int | None,
    created_by_id: int,
    now: datetime,
) -> str:
    """A new code; only its hash is stored, so it is shown once to the person who made it."""
    if purpose == YOUNG_PERSON and young_person_id is None:
        raise ValueError("a young person's link code needs young_person_id")
    if purpose == STAFF and staff_id is None:
        raise ValueError("a staff link code needs staff_id")
    if purpose not in (YOUNG_PERSON, STAFF):
        raise ValueError(f"unknown link code purpose {purpose!r}")
    code = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
    session.add(
        LinkCode(
            code_hash=_hash(code),
            purpose=purpose,
            young_person_id=young_person_id,
            staff_id=staff_id,
            created_by_id=created_by_id,
            created_at=now,
            expires_at=now + VALID_FOR,
        )
    )
    session.add(
        AuditEvent(
            at=now,
            actor=f"staff:{created_by_id}",
            action="link_code_created",
            subject_type="young_person" if purpose == YOUNG_PERSON else "staff",
            subject_id=str(young_person_id if purpose == YOUNG_PERSON else staff_id),
            detail={"purpose": purpose, "expires_at": (now + VALID_FOR).isoformat()},
        )
    )
    return code


def typed_code(text: str | None) -> str | None:
    """The code in '/start CODE' or 'link CODE', if the message is one."""
    if not text:
        return None
    match = _TYPED.match(text)
    if match is None:
        return None
    code = normalise(match.group(1))
    return code if len(code) == CODE_LENGTH and all(c in _ALPHABET for c in code) else None


@dataclass(frozen=True)
class Redeemed:
    """What redeeming a code did, with the code's row when there was one."""

    outcome: str  # linked_young_person, linked_staff, invalid, expired, used
    link: LinkCode | None = None


def redeem(session: Session, code: str, identity: ChannelIdentity, now: datetime) -> Redeemed:
    """Use a code for this chat. A young person's code links the chat to their record; a
    staff code makes it that PA's notification chat. Codes work once, before they expire."""
    link = session.execute(
        select(LinkCode).where(LinkCode.code_hash == _hash(code))
    ).scalar_one_or_none()
    outcome: str
    if link is None:
        outcome = "invalid"
    elif link.used_at is not None:
        outcome = "used"
    elif link.expires_at <= now:
        outcome = "expired"
    elif link.purpose == YOUNG_PERSON:
        identity.young_person_id = link.young_person_id
        identity.staff_id = None
        outcome = "linked_young_person"
    elif link.purpose != STAFF:  # a password reset link is not a chat link code
        outcome = "invalid"
    else:
        staff = session.get(StaffAccount, link.staff_id)
        if staff is None or not staff.active:
            outcome = "invalid"
        else:
            identity.staff_id = staff.id
            identity.young_person_id = None
            if identity.channel == "telegram":
                # Only one account per chat: a chat linked to someone else is moved.
                for other in session.execute(
                    select(StaffAccount).where(
                        StaffAccount.telegram_chat_id == identity.external_id,
                        StaffAccount.id != staff.id,
                    )
                ).scalars():
                    other.telegram_chat_id = None
                staff.telegram_chat_id = identity.external_id
            outcome = "linked_staff"
    if link is not None and outcome.startswith("linked"):
        link.used_at = now
        link.used_identity_id = identity.id
    session.add(
        AuditEvent(
            at=now,
            actor="bot",
            action=f"link_code_{outcome}",
            subject_type="channel_identity",
            subject_id=str(identity.id),
            detail={"channel": identity.channel, "link_code_id": link.id if link else None},
        )
    )
    return Redeemed(outcome, link)


def telegram_deep_link(bot_username: str | None, code: str) -> str | None:
    """t.me link that opens the bot and sends /start CODE (Telegram allows A-Za-z0-9_-)."""
    if not bot_username:
        return None
    return f"https://t.me/{bot_username.lstrip('@')}?start={normalise(code)}"


def whatsapp_link(phone_number: str | None, code: str) -> str | None:
    """wa.me link that opens a chat with the bot with 'link CODE' typed in, ready to send."""
    if not phone_number:
        return None
    digits = "".join(c for c in phone_number if c.isdigit())
    return f"https://wa.me/{digits}?text={quote('link ' + normalise(code))}"
