"""'Stop' and 'delete my data': honoured at once, recorded, and explained in plain words."""

from __future__ import annotations

import re

from sqlalchemy import delete, or_, select, update

from bot import payloads
from bot.advisers import notify
from bot.keeping_in_touch.planner import MESSAGES
from bot.keeping_in_touch.plans import plan_for
from bot.messages import Button, OutgoingMessage
from bot.models import (
    AuditEvent,
    ChannelIdentity,
    ConversationState,
    Escalation,
    Message,
    OutboxItem,
)
from bot.server_keys import ERASE_KEY, erased_id, key_in
from dialogues.context import Reply, TurnContext
from dialogues.handlers.common import talk_to_pa_button

# Words that ask for deletion rather than just quiet (drafts for the non-English ones).
_DELETE_WORDS = re.compile(
    r"\b(delete|del|wipe|erase|forget|remove)\b|حذف|امسح|پاک|ሰርዝ|fshij|xóa|xoá|سڕینەوە",
    re.IGNORECASE,
)
# What a proactive message is, as opposed to a reply or a PA's own message.
PROACTIVE_PURPOSES = MESSAGES


def _audit(ctx: TurnContext, action: str) -> None:
    ctx.session.add(
        AuditEvent(
            at=ctx.now,
            actor="bot",
            action=action,
            subject_type="young_person" if ctx.young_person else "channel_identity",
            subject_id=str(ctx.young_person.id if ctx.young_person else ctx.identity.id),
            detail={"channel_identity": ctx.identity.id},
        )
    )


def stop(ctx: TurnContext) -> None:
    """Pause every proactive message at once: recorded, and anything queued is cancelled."""
    yp = ctx.young_person
    if yp is not None:
        plan = plan_for(ctx.session, yp.id, ctx.now)
        if plan.stopped_at is None:
            plan.stopped_at = ctx.now
        plan.updated_at = ctx.now
        ctx.session.execute(
            update(OutboxItem)
            .where(
                OutboxItem.young_person_id == yp.id,
                OutboxItem.status == "pending",
                OutboxItem.purpose.in_(PROACTIVE_PURPOSES),
            )
            .values(status="cancelled", error="the young person said stop")
            .execution_options(synchronize_session=False)
        )
    _audit(ctx, "stop_requested")


def stop_or_delete(ctx: TurnContext) -> Reply:
    """An explicit stop word or /stop: stopped at once (and asked about deleting, if said)."""
    stop(ctx)
    if ctx.text and _DELETE_WORDS.search(ctx.text):
        return ask_to_delete(ctx)
    return _stopped(ctx)


def confirm_stop(ctx: TurnContext) -> Reply:
    """The classifier only thinks they want to stop: never guessed, always asked."""
    _ = ctx.t.gettext
    if ctx.text and _DELETE_WORDS.search(ctx.text):
        return ask_to_delete(ctx)
    lines = [
        _("Do you want me to stop sending you messages?"),
        _("You can still write to me any time."),
    ]
    buttons = (
        Button(_("Yes, stop messages"), payloads.make(payloads.PRIVACY, "stop_yes")),
        Button(_("No, keep them"), payloads.make(payloads.PRIVACY, "stop_no")),
    )
    return Reply([OutgoingMessage("\n".join(lines), buttons)])


def _stopped(ctx: TurnContext) -> Reply:
    _ = ctx.t.gettext
    lines = [
        _("OK. I won't send you messages unless you write to me first."),
        _("You can still ask me anything. To get my messages again, tap below."),
    ]
    buttons = (
        Button(_("Start messages again"), payloads.make(payloads.KIT, "restart")),
        Button(_("Delete my messages"), payloads.make(payloads.PRIVACY, "delete")),
    )
    return Reply([OutgoingMessage("\n".join(lines), buttons)])


def ask_to_delete(ctx: TurnContext) -> Reply:
    """Explains what deleting does (the council's own records stay) and asks for a yes or no."""
    _ = ctx.t.gettext
    lines = [
        _("I can delete your messages with me, the bot."),
        _(
            "The council must keep its own records about you (your case records). "
            "This does not change those."
        ),
        _("Your PA will be told."),
        _("Do you want me to delete your messages?"),
    ]
    buttons = (
        Button(_("Yes, delete them"), payloads.make(payloads.PRIVACY, "delete_yes")),
        Button(_("No, keep them"), payloads.make(payloads.PRIVACY, "delete_no")),
    )
    return Reply([OutgoingMessage("\n".join(lines), buttons)])


def privacy_button(ctx: TurnContext, value: str) -> Reply:
    """The stop and delete buttons; "delete_yes" (the only value left once `payloads.parse` has
    checked it) deletes the conversation."""
    _ = ctx.t.gettext
    if value == "delete":
        return ask_to_delete(ctx)
    if value == "delete_no":
        return Reply([OutgoingMessage(_("OK, I've kept them."), (talk_to_pa_button(ctx.t),))])
    if value == "stop_yes":
        stop(ctx)
        return _stopped(ctx)
    if value == "stop_no":
        text = _("OK, nothing has changed.")
        return Reply([OutgoingMessage(text, (talk_to_pa_button(ctx.t),))])
    return delete_conversation(ctx)


def delete_conversation(ctx: TurnContext) -> Reply:
    """Delete the bot's own conversation data for this young person (every chat of theirs):
    messages, conversation state, message texts in the outbox and escalation excerpts. The
    escalations themselves stay (who, why, when): they are the council's record of contact."""
    _ = ctx.t.gettext
    yp = ctx.young_person
    session = ctx.session
    if yp is not None:
        identities = list(
            session.execute(
                select(ChannelIdentity.id).where(ChannelIdentity.young_person_id == yp.id)
            ).scalars()
        )
    else:
        identities = []
    identities = sorted(set(identities) | {ctx.identity.id})
    who_messages = Message.identity_id.in_(identities)
    who_outbox = OutboxItem.identity_id.in_(identities)
    who_escalations = Escalation.identity_id.in_(identities)
    if yp is not None:
        who_messages = or_(who_messages, Message.young_person_id == yp.id)
        who_outbox = or_(who_outbox, OutboxItem.young_person_id == yp.id)
        who_escalations = or_(who_escalations, Escalation.young_person_id == yp.id)
    # "fetch": objects this turn already holds (the message being answered, the state)
    # leave the session too, so nothing writes them back.
    deleted = session.execute(
        delete(Message).where(who_messages).execution_options(synchronize_session="fetch")
    ).rowcount
    session.execute(
        delete(ConversationState)
        .where(ConversationState.identity_id.in_(identities))
        .execution_options(synchronize_session="fetch")
    )
    # Messages to them that are still waiting are not sent; sent ones lose their text.
    session.execute(
        update(OutboxItem)
        .where(who_outbox, OutboxItem.status == "pending", OutboxItem.identity_id.is_not(None))
        .values(status="cancelled", error="deleted at the young person's request")
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(OutboxItem)
        .where(who_outbox, OutboxItem.identity_id.is_not(None))
        .values(body="[deleted at the young person's request]", template_params=[])
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Escalation)
        .where(who_escalations)
        .values(excerpt=None, risk_signals=None)
        .execution_options(synchronize_session=False)
    )
    # The chat ids (a WhatsApp id is the phone number) become keyed hashes; the addresses
    # messages were sent to go too.
    key = key_in(session, ERASE_KEY)
    for identity in session.execute(
        select(ChannelIdentity).where(ChannelIdentity.id.in_(identities))
    ).scalars():
        if not identity.external_id.startswith("erased:"):
            identity.external_id = erased_id(key, identity.channel, identity.external_id)
    session.execute(
        update(OutboxItem)
        .where(who_outbox, OutboxItem.identity_id.is_not(None))
        .values(address="[erased]", external_id=None)
        .execution_options(synchronize_session=False)
    )
    session.add(
        AuditEvent(
            at=ctx.now,
            actor="bot",
            action="conversation_deleted",
            subject_type="young_person" if yp else "channel_identity",
            subject_id=str(yp.id if yp else ctx.identity.id),
            detail={"messages_deleted": deleted, "chats": len(identities)},
        )
    )
    if yp is not None:
        notify.about_young_person(
            session,
            yp.id,
            yp.pa_id,
            purpose="conversation_deleted",
            subject="A young person asked the bot to delete their messages",
            now=ctx.now,
            public_url=ctx.public_url,
        )
    text = _("Done. I've deleted your messages with me.")
    if yp is not None:
        text += " " + _("Your PA has been told.")
    return Reply([OutgoingMessage(text)], erased=True)
