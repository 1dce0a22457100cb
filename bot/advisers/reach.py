"""Which chat reaches a young person, and what happens when a channel says none does."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.advisers import notify
from bot.models import AuditEvent, ChannelIdentity

log = logging.getLogger(__name__)

# Channels that can reach someone who is not looking at the bot right now.
PUSH_CHANNELS = ("telegram", "whatsapp")


def chats_of(session: Session, young_person_id: int) -> list[ChannelIdentity]:
    """Every chat linked to this young person, reachable or not."""
    return list(
        session.execute(
            select(ChannelIdentity).where(ChannelIdentity.young_person_id == young_person_id)
        ).scalars()
    )


def last_used(
    identities: list[ChannelIdentity], *, prefer_push: bool = False
) -> ChannelIdentity | None:
    """The chat they used last that can still be reached (a reply goes there); with
    `prefer_push`, a chat that can push beats a web chat they may never open again."""
    live = [i for i in identities if i.unreachable_at is None]
    if prefer_push:
        live = [i for i in live if i.channel in PUSH_CHANNELS] or live
    if not live:
        return None
    return max(live, key=lambda i: (i.last_seen_at, i.id))


def mark_unreachable(
    session: Session, identity: ChannelIdentity, now: datetime, *, reason: str, public_url: str
) -> bool:
    """Record that this chat cannot be reached and tell the young person's PA (once, until
    they write again). Returns True when this is news."""
    if identity.unreachable_at is not None:
        return False
    identity.unreachable_at = now
    session.add(
        AuditEvent(
            at=now,
            actor="bot",
            action="chat_unreachable",
            subject_type="channel_identity",
            subject_id=str(identity.id),
            detail={"channel": identity.channel, "reason": reason},
        )
    )
    log.warning("chat unreachable identity=%s channel=%s", identity.id, identity.channel)
    yp = identity.young_person
    if yp is not None:
        notify.about_young_person(
            session,
            yp.id,
            yp.pa_id,
            purpose="chat_unreachable",
            subject=f"The bot can no longer reach a young person on {identity.channel}",
            now=now,
            public_url=public_url,
        )
    return True
