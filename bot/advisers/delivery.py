"""What a failed delivery means for the people involved: a chat that blocked the bot is
unreachable (its PA is told), and a WhatsApp message outside the 24-hour window goes as the
council's approved template or becomes a task for the PA. The outbox dispatcher calls this;
it knows nothing of young people itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.advisers import notify, reach
from bot.models import ChannelIdentity, Council, OutboxItem, YoungPerson


class DeliveryFollowUp:
    """The outbox's `FollowUp`: what a failed delivery means for the young person and their PA."""

    def __init__(self, public_url: str) -> None:
        # Where staff notifications link to.
        self.public_url = public_url

    def unreachable(self, session: Session, item: OutboxItem, reason: str, now: datetime) -> None:
        """The channel says this chat cannot be reached: record it once and tell the PA."""
        identity = session.get(ChannelIdentity, item.identity_id) if item.identity_id else None
        if identity is not None:
            reach.mark_unreachable(
                session, identity, now, reason=reason, public_url=self.public_url
            )

    def window_closed(self, session: Session, item: OutboxItem, now: datetime) -> bool:
        """Outside WhatsApp's 24-hour window only an approved template may be sent: use the
        council's template for this purpose if it has one (True: send it now), else give the
        young person's PA a task to reach them another way (False: it stays failed)."""
        yp = session.get(YoungPerson, item.young_person_id) if item.young_person_id else None
        council = session.get(Council, yp.council_id) if yp is not None else None
        template = (council.whatsapp_templates or {}).get(item.purpose) if council else None
        if template is not None and yp is not None:
            item.template = template
            item.template_params = [yp.preferred_name]
            return True
        if yp is not None:
            notify.about_young_person(
                session,
                yp.id,
                yp.pa_id,
                purpose="whatsapp_window_closed",
                subject="A message to a young person could not go on WhatsApp (no reply "
                "from them for over 24 hours, and no approved template)",
                now=now,
                public_url=self.public_url,
            )
        return False
