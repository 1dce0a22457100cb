"""An honest 'I'm not sure' with the likeliest topics as buttons, never a confident guess."""

from __future__ import annotations

from dialogues.context import Reply, TurnContext
from dialogues.handlers.common import menu_buttons
from dialogues.types import OutgoingMessage


def fallback(ctx: TurnContext) -> Reply:
    _ = ctx.t.gettext
    topics = ctx.offer.topic_ids()
    likely: list[str] = []
    # A confident "that's off-topic" gets an honest no, not a list of guesses.
    if ctx.nlu is not None and ctx.nlu.intent != "out_of_scope":
        likely = [i for i in ctx.nlu.likeliest(10) if i in topics][:3]
    if likely:
        text = _("Sorry, I'm not sure I understood. Is it about one of these?")
        return Reply(
            [OutgoingMessage(text, menu_buttons(ctx.offer, ctx.council_id, ctx.t, likely))]
        )
    text = _(
        "Sorry, I can't help with that. I can tell you about help from your council, "
        "or you can talk to your PA."
    )
    return Reply([OutgoingMessage(text, menu_buttons(ctx.offer, ctx.council_id, ctx.t))])
