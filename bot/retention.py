"""Retention: conversation text is kept for a council-set period (default 12 months), and
escalation excerpts for that period after the escalation was resolved. Run daily."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from bot.models import AuditEvent, ChannelIdentity, Escalation, Message, OutboxItem, YoungPerson

log = logging.getLogger(__name__)

DEFAULT_MONTHS = 12
REMOVED = "[removed after the retention period]"
CHUNK = 500  # ids per statement


@dataclass(frozen=True)
class Purged:
    messages: int
    excerpts: int
    outbox_texts: int


def _cutoff(now: datetime, months: int) -> datetime:
    return now - timedelta(days=round(months * 30.44))


def _blank(session: Session, model: Any, ids: Select, **values: object) -> int:
    """Set `values` on the rows whose ids the query selects, in chunks (a long IN list
    would pass the database's limit on bound parameters); returns how many changed."""
    found = list(session.execute(ids).scalars())
    changed = 0
    for start in range(0, len(found), CHUNK):
        changed += (
            session.execute(
                update(model)
                .where(model.id.in_(found[start : start + CHUNK]))
                .values(**values)
                .execution_options(synchronize_session=False)
            ).rowcount
            or 0
        )
    return changed


def purge(session: Session, now: datetime, months_by_council: Mapping[str, int]) -> Purged:
    """Delete what is older than each council's period; anything not tied to a council (an
    anonymous visitor who never said) gets the default."""
    messages = excerpts = outbox = 0
    councils = dict(months_by_council)
    periods = {*councils.values(), DEFAULT_MONTHS}
    for months in sorted(periods):
        cutoff = _cutoff(now, months)
        mine = [c for c, m in councils.items() if m == months]
        of_council = or_(
            YoungPerson.council_id.in_(mine),
            and_(YoungPerson.id.is_(None), ChannelIdentity.council_id.in_(mine)),
        )
        if months == DEFAULT_MONTHS:
            known = list(councils)
            of_council = or_(
                of_council,
                and_(
                    YoungPerson.id.is_(None),
                    or_(
                        ChannelIdentity.council_id.is_(None),
                        ChannelIdentity.council_id.not_in(known),
                    ),
                ),
                and_(YoungPerson.id.is_not(None), YoungPerson.council_id.not_in(known)),
            )
        old = (
            select(Message.id)
            .join(ChannelIdentity, ChannelIdentity.id == Message.identity_id)
            .outerjoin(YoungPerson, YoungPerson.id == Message.young_person_id)
            .where(Message.created_at < cutoff, of_council)
        )
        ids = list(session.execute(old).scalars())
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            session.execute(
                update(Message)
                .where(Message.reply_to_id.in_(chunk))
                .values(reply_to_id=None)
                .execution_options(synchronize_session=False)
            )
            messages += (
                session.execute(
                    delete(Message)
                    .where(Message.id.in_(chunk))
                    .execution_options(synchronize_session=False)
                ).rowcount
                or 0
            )
        resolved = (
            select(Escalation.id)
            .outerjoin(YoungPerson, YoungPerson.id == Escalation.young_person_id)
            .join(ChannelIdentity, ChannelIdentity.id == Escalation.identity_id)
            .where(
                Escalation.resolved_at < cutoff,
                or_(Escalation.excerpt.is_not(None), Escalation.risk_signals.is_not(None)),
                of_council,
            )
        )
        excerpts += _blank(session, Escalation, resolved, excerpt=None, risk_signals=None)
        sent = (
            select(OutboxItem.id)
            .join(ChannelIdentity, ChannelIdentity.id == OutboxItem.identity_id)
            .outerjoin(YoungPerson, YoungPerson.id == ChannelIdentity.young_person_id)
            .where(
                OutboxItem.created_at < cutoff,
                OutboxItem.status != "pending",
                OutboxItem.body != REMOVED,
                of_council,
            )
        )
        outbox += _blank(session, OutboxItem, sent, body=REMOVED, template_params=[])
    purged = Purged(messages, excerpts, outbox)
    if messages or excerpts or outbox:
        session.add(
            AuditEvent(
                at=now,
                actor="bot",
                action="retention_applied",
                detail={"messages": messages, "excerpts": excerpts, "outbox_texts": outbox},
            )
        )
    log.info(
        "retention applied messages=%d excerpts=%d outbox_texts=%d", messages, excerpts, outbox
    )
    return purged
