"""Every council in the content has its row in the database, which chats, teams and young
people refer to; added when the bot starts or the content gains a council."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.content.model import Offer
from bot.models import Council

log = logging.getLogger(__name__)


def add_missing_councils(sessions: sessionmaker, offer: Offer) -> list[str]:
    """Add a row, with the default office hours and keeping-in-touch cadence, for each council
    the content has and the database lacks; the ids added. Existing rows are left as they
    are: their settings are the service's, not the content's."""
    added: list[str] = []
    with sessions.begin() as session:
        have = set(session.execute(select(Council.id)).scalars())
        for council_id, council in sorted(offer.councils.items()):
            if council_id in have:
                continue
            try:
                with session.begin_nested():
                    session.add(Council(id=council_id, name=council.name))
            except IntegrityError:
                continue  # another process added it a moment ago
            added.append(council_id)
    if added:
        log.info("councils added from the content ids=%s", ",".join(added))
    return added
