"""A PA's own chat (linked with a staff code): a reply to a notification goes to the young
person; anything else gets a pointer to the dashboard."""

from __future__ import annotations

from sqlalchemy import select

from bot.advisers import escalations
from bot.messages import InboundMessage, OutgoingMessage
from bot.models import Escalation, OutboxItem, StaffAccount
from dialogues.context import Reply, TurnContext


def handle(ctx: TurnContext, inbound: InboundMessage, text: str) -> Reply:
    """A message in a linked staff chat (unless it raised a risk): a reply to a notification
    goes to the young person and hands the PA the conversation; the rest gets the dashboard."""
    _ = ctx.t.gettext
    staff = ctx.session.get(StaffAccount, ctx.identity.staff_id)
    dashboard = f"{ctx.public_url.rstrip('/')}/staff/"
    if staff is None or not staff.active:
        return Reply([OutgoingMessage(_("This staff account is not active."))])
    notification = None
    if inbound.reply_to:
        notification = ctx.session.execute(
            select(OutboxItem).where(
                OutboxItem.channel == inbound.channel,
                OutboxItem.address == inbound.sender_id,
                OutboxItem.external_id == inbound.reply_to,
                OutboxItem.staff_id == staff.id,
            )
        ).scalar_one_or_none()
    if notification is None or notification.escalation_id is None:
        text_out = _(
            "To answer a young person, reply to the notification about them. "
            "Everything else is on the dashboard: {url}"
        ).format(url=dashboard)
        return Reply([OutgoingMessage(text_out)])
    esc = ctx.session.get(Escalation, notification.escalation_id)
    assert esc is not None
    if inbound.kind != "text" or not text:
        return Reply([OutgoingMessage(_("Only text can be sent to the young person."))])
    try:
        escalations.reply(ctx.session, esc, staff, text, ctx.now)
    except escalations.EscalationError as exc:
        return Reply([OutgoingMessage(str(exc))])
    return Reply(
        [
            OutgoingMessage(
                _(
                    "Sent to the young person (#{id}). The bot stays quiet until you hand the "
                    "conversation back on the dashboard."
                ).format(id=esc.id)
            )
        ]
    )
