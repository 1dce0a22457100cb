"""A link code sent as '/start CODE' or 'link CODE': ties this chat to a record."""

from __future__ import annotations

from bot.advisers import linking
from bot.messages import OutgoingMessage
from dialogues.context import Reply, TurnContext
from dialogues.handlers.common import menu_buttons


def redeem(ctx: TurnContext, code: str) -> Reply:
    """Use a link code: a young person's code ties this chat to their record and greets them by
    name, a staff code makes it the PA's own chat; a used or expired code is refused."""
    _ = ctx.t.gettext
    result = linking.redeem(ctx.session, code, ctx.identity, ctx.now)
    if result.outcome == "linked_young_person":
        ctx.session.flush()
        ctx.session.refresh(ctx.identity)
        yp = ctx.identity.young_person
        ctx.young_person = yp
        ctx.council_id = yp.council_id if yp else ctx.council_id
        lines = [_("You're linked. Hi {name}.").format(name=yp.preferred_name if yp else "")]
        pa = ctx.current_pa()
        if pa is not None:
            lines.append(_("Your PA is {name}. Ask me anything, any time.").format(name=pa.name))
        return Reply(
            [OutgoingMessage("\n".join(lines), menu_buttons(ctx.offer, ctx.council_id, ctx.t))]
        )
    if result.outcome == "linked_staff":
        text = _(
            "This chat is now linked to your staff account. New escalations will be sent "
            "here. Reply to one to answer the young person."
        )
        return Reply([OutgoingMessage(text)])
    text = _(
        "Sorry, that code didn't work. It may be used already or out of date. "
        "Ask your PA for a new one."
    )
    return Reply([OutgoingMessage(text)])
