"""An honest 'I'm not sure' with the likeliest topics as buttons, never a confident guess
(in another language, the PA and Easy English at once too); the second miss in a row asks
the young person's PA to step in."""

from __future__ import annotations

from bot import payloads
from bot.messages import Button, OutgoingMessage
from dialogues.context import Reply, TurnContext
from dialogues.handlers import pa_status
from dialogues.handlers.common import menu_buttons
from dialogues.handlers.pa import escalate, promise
from dialogues.language_detect import detect as detect_language
from nlu.noise import is_noise

ENGLISH = frozenset({"en", "en_easy"})

# Misses in a row (this one included) after which a person is asked to help.
ESCALATE_AFTER = 2


def fallback(ctx: TurnContext) -> Reply:
    """The reply when nothing else answered: noise gets the menu, an open request its status,
    a linked person's second miss in a row asks their PA to step in; else the likeliest topics."""
    _ = ctx.t.gettext
    topics = ctx.offer.topic_ids()
    if is_noise(ctx.text):
        text = _("I'm a bot, so I might get things wrong. Tap a topic, or talk to your PA.")
        return Reply([OutgoingMessage(text, menu_buttons(ctx.offer, ctx.council_id, ctx.t))])
    waiting = pa_status.while_waiting(ctx)
    if waiting is not None:
        # A person already has their request: no second one, and the wait explained.
        return waiting
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
    if ctx.t.language not in ENGLISH or detect_language(ctx.text or "") is not None:
        return _in_another_language(ctx, likely)
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


def _in_another_language(ctx: TurnContext, likely: list[str]) -> Reply:
    """The bot understands other languages less well: at the first miss, everything that
    can help at once (topics in their language, their PA, and Easy English)."""
    _ = ctx.t.gettext
    text = _(
        "Sorry, I'm not sure I understood. Tap a topic, talk to your PA, "
        "or we can try in Easy English."
    )
    buttons = (
        *menu_buttons(ctx.offer, ctx.council_id, ctx.t, likely or None),
        Button(_("Easy English"), payloads.make(payloads.LANG, "en_easy")),
    )
    return Reply([OutgoingMessage(text, buttons)], missed=True)
