"""A conversation's recent messages as staff read them: oldest first, each with who wrote it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.dashboard import labels
from bot.dashboard.inbox import staff_names
from bot.models import Message, YoungPerson


def recent_messages(
    db: Session, where: ColumnElement[bool], limit: int, yp: YoungPerson | None
) -> list[dict[str, Any]]:
    """The last `limit` messages matching `where`, oldest first, with who wrote each."""
    rows = list(
        db.execute(
            select(Message)
            .where(where)
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(limit)
        ).scalars()
    )
    rows.reverse()
    authors = staff_names(db, {m.author_staff_id for m in rows})
    history = []
    for m in rows:
        if m.direction == "in":
            author = yp.preferred_name if yp else "Young person"
        elif m.source == "pa":
            author = authors.get(m.author_staff_id, "A member of staff")  # type: ignore[arg-type]
        elif m.source == "proactive":
            author = "Bot (check-in)"
        else:
            author = "Bot"
        history.append(
            {
                "at": m.created_at,
                "incoming": m.direction == "in",
                "source": m.source,
                "author": author,
                "kind": labels.kind_label(m.kind),
                "text": m.text,
                "channel": labels.label(labels.CHANNELS, m.channel),
            }
        )
    return history
