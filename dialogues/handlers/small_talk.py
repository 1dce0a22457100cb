"""Greeting, thanks, the menu, and polite answers to what the bot cannot read."""

from __future__ import annotations

from bot import payloads
from bot.messages import Button, OutgoingMessage
from dialogues import typed_answers
from dialogues.context import Reply, TurnContext
from dialogues.handlers.common import (
    in_danger_now,
    menu_buttons,
    sorry_went_wrong,
    talk_to_pa_button,
)
from dialogues.handlers.safety import category_of, what_to_do_now


def greeting(ctx: TurnContext) -> Reply:
    """Hello, what the bot can do (by name when the chat is linked), and two places to start."""
    _ = ctx.t.gettext
    buttons = (
        Button(_("What can I get?"), payloads.make(payloads.MENU)),
        Button(_("Who's my PA?"), payloads.make(payloads.INTENT, "pa_contact")),
    )
    if ctx.young_person is not None:
        text = _(
            "Hi {name}. I can tell you what help you can get from your council, "
            "and how to reach your PA (personal adviser)."
        ).format(name=ctx.young_person.preferred_name)
    else:
        text = _(
            "Hi. I can tell you what help care leavers can get from their council, "
            "and how to reach your PA (personal adviser)."
        )
    return Reply([OutgoingMessage(text + "\n" + _("What would you like to know?"), buttons)])


def yes_or_no(ctx: TurnContext) -> Reply:
    """ "ok" to a question where yes deletes or stops something: the same buttons again."""
    _ = ctx.t.gettext
    buttons = typed_answers.offered(ctx.session, ctx.identity)
    return Reply(
        [
            OutgoingMessage(
                _("Sorry, is that a yes or a no?"),
                tuple(Button(title, payload) for title, payload in buttons),
            )
        ]
    )


def thanks(ctx: TurnContext) -> Reply:
    """You're welcome, with "talk to my PA" in case."""
    _ = ctx.t.gettext
    return Reply(
        [
            OutgoingMessage(
                _("You're welcome. Ask me anything, any time."),
                menu_buttons(ctx.offer, ctx.council_id, ctx.t, []),
            )
        ]
    )


def menu(ctx: TurnContext) -> Reply:
    """The topic menu: also the answer to /help, /menu and a stale or forged button."""
    _ = ctx.t.gettext
    return Reply(
        [
            OutgoingMessage(
                _("What do you need help with? Tap one, or type your question."),
                menu_buttons(ctx.offer, ctx.council_id, ctx.t),
            )
        ]
    )


def non_text(ctx: TurnContext) -> Reply:
    """Anything but text or a button (a photo, a sticker, a voice note): please type it."""
    _ = ctx.t.gettext
    return Reply(
        [
            OutgoingMessage(
                _("I can only read text for now. Could you type your question?"),
                menu_buttons(ctx.offer, ctx.council_id, ctx.t),
            )
        ]
    )


def empty(ctx: TurnContext) -> Reply:
    """A text message with nothing left after cleaning (only spaces or control characters)."""
    _ = ctx.t.gettext
    return Reply(
        [
            OutgoingMessage(
                _("I didn't get any words there. What would you like to know?"),
                menu_buttons(ctx.offer, ctx.council_id, ctx.t),
            )
        ]
    )


def too_long(ctx: TurnContext) -> Reply:
    """Over MAX_PARSED_CHARS: asks for the main thing, or offers the PA, who can read it all."""
    _ = ctx.t.gettext
    text = _(
        "That's a long message, and I can only read short questions. "
        "Could you send me the main thing you need? Or your PA can read it all."
    )
    return Reply([OutgoingMessage(text, (talk_to_pa_button(ctx.t),))])


def sorry_error(ctx: TurnContext, risk: str | None = None) -> Reply:
    """The apology the engine sends when a handler fails (the message is still stored). The
    failure may have been in the safety reply itself, so a risk still gets what to do now,
    and anything else the emergency line."""
    apology = sorry_went_wrong(ctx.t)
    if risk is None:
        text = "\n".join([apology, in_danger_now(ctx.t)])
        return Reply([OutgoingMessage(text, (talk_to_pa_button(ctx.t),))])
    now_what = OutgoingMessage(what_to_do_now(ctx, category_of(risk)))
    return Reply([now_what, OutgoingMessage(apology, (talk_to_pa_button(ctx.t),))])
