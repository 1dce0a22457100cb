"""An honest 'I'm not sure' with the likeliest topics as buttons, never a confident guess;
the second miss in a row asks the young person's PA to step in."""

from __future__ import annotations

from dialogues.context import Reply, TurnContext
from dialogues.handlers.common import menu_buttons
from dialogues.handlers.pa import escalate, promise
from dialogues.types import OutgoingMessage
from nlu.noise import is_noise

# Misses in a row (this one included) after which a person is asked to help.
ESCALATE_AFTER = 2


def fallback(ctx: TurnContext) -> Reply:
    _ = ctx.t.gettext
    topics = ctx.offer.topic_ids()
    if is_noise(ctx.text):
        text = _("I'm a bot, so I might get things wrong. Tap a topic, or talk to your PA.")
        return Reply([OutgoingMessage(text, menu_buttons(ctx.offer, ctx.council_id, ctx.t))])
    if ctx.misses + 1 >= ESCALATE_AFTER and ctx.young_person is not None:
        esc = escalate(ctx, "not_understood")
        text = _("Sorry, I still don't understand. A person can help with this.")
        return Reply(
            [
                OutgoingMessage(text),
                OutgoingMessage(
                    promise(ctx, esc), menu_buttons(ctx.offer, ctx.council_id, ctx.t, [])
                ),
            ],
            escalation=esc,
            missed=True,
        )
    likely: list[str] = []
    # A confident "that's off-topic" gets an honest no, not a list of guesses.
    if ctx.nlu is not None and ctx.nlu.intent != "out_of_scope":
        likely = [i for i in ctx.nlu.likeliest(10) if i in topics][:3]
    if likely:
        text = _("Sorry, I'm not sure I understood. Is it about one of these?")
        return Reply(
            [OutgoingMessage(text, menu_buttons(ctx.offer, ctx.council_id, ctx.t, likely))],
            missed=True,
        )
    text = _(
        "Sorry, I can't help with that. I can tell you about help from your council, "
        "or you can talk to your PA."
    )
    return Reply(
        [OutgoingMessage(text, menu_buttons(ctx.offer, ctx.council_id, ctx.t))], missed=True
    )
