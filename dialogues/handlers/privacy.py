"""'Stop' and 'delete my data': honoured at once, recorded, and explained in plain words."""

from __future__ import annotations

from bot.models import AuditEvent
from dialogues.context import Reply, TurnContext
from dialogues.handlers.common import talk_to_pa_button
from dialogues.types import OutgoingMessage


def stop_or_delete(ctx: TurnContext) -> Reply:
    _ = ctx.t.gettext
    ctx.session.add(
        AuditEvent(
            at=ctx.now,
            actor="bot",
            action="stop_requested",
            subject_type="channel_identity",
            subject_id=str(ctx.identity.id),
            detail={"young_person_id": ctx.young_person.id if ctx.young_person else None},
        )
    )
    text = _(
        "OK. I won't send you messages unless you write to me first. "
        "To have your messages with me deleted, ask your PA. "
        "The council still keeps its own records about you."
    )
    return Reply([OutgoingMessage(text, (talk_to_pa_button(ctx.t),))])
