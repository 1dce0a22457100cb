"""Answers about the local offer, from the content files, for this council and age band."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot import payloads
from bot.content import NATIONAL, Offer, render
from bot.i18n import Translator
from bot.messages import Button, OutgoingMessage
from dialogues.context import Reply, TurnContext
from dialogues.handlers import pa_support
from dialogues.handlers.common import other_help_button, talk_to_pa_button, topic_button
from dialogues.handlers.small_talk import menu

AWAITING_COUNCIL = "awaiting_council"


def compose_answer(
    offer: Offer,
    council_id: str | None,
    topic_id: str,
    *,
    band: str | None,
    conditions: frozenset[str],
    t: Translator,
    today: date,
) -> Reply:
    """The answer message for one topic; `carebot content show` prints exactly this."""
    _ = t.gettext
    topic = offer.topic(council_id, topic_id)
    if topic is None:
        text = _("I don't have an answer about that for your council yet. Your PA can tell you.")
        return Reply(
            [OutgoingMessage(text, (talk_to_pa_button(t), other_help_button(t)))], topic=topic_id
        )
    rendered = render(topic, band=band, conditions=conditions, translator=t, today=today)
    buttons: list[Button] = []
    if rendered.detail:
        buttons.append(Button(_("More detail"), payloads.make(payloads.MORE, topic_id)))
    buttons += [talk_to_pa_button(t), other_help_button(t)]
    answer_message = OutgoingMessage(rendered.answer, tuple(buttons))
    if rendered.notice is None:
        return Reply([answer_message], topic=topic_id)
    # Its own bubble first, so the answer itself still fits one phone screen.
    return Reply([OutgoingMessage(rendered.notice), answer_message], topic=topic_id)


def compose_detail(
    offer: Offer,
    council_id: str | None,
    topic_id: str,
    *,
    band: str | None,
    conditions: frozenset[str],
    t: Translator,
    today: date,
) -> Reply:
    """The 'More detail' message: the detail, then related topics and the PA."""
    topic = offer.topic(council_id, topic_id)
    if topic is None:
        return compose_answer(
            offer, council_id, topic_id, band=band, conditions=conditions, t=t, today=today
        )
    rendered = render(topic, band=band, conditions=conditions, translator=t, today=today)
    related = [topic_button(offer, r, council_id, t) for r in topic.related[:2]]
    text = rendered.detail or rendered.answer
    return Reply([OutgoingMessage(text, (*related, talk_to_pa_button(t)))], topic=topic_id)


def _ask_council(ctx: TurnContext, topic_id: str) -> Reply:
    _ = ctx.t.gettext
    ctx.identity.council_asked_at = ctx.now
    buttons = tuple(
        Button(council.short_name, payloads.make(payloads.COUNCIL, council.id))
        for council in ctx.offer.councils.values()
    )
    buttons += (Button(_("Not sure"), payloads.make(payloads.COUNCIL, NATIONAL)),)
    text = _("Which council looked after you? Then I can tell you what they offer.")
    return Reply(
        [OutgoingMessage(text, buttons)],
        topic=topic_id,
        state=AWAITING_COUNCIL,
        state_data={"topic": topic_id},
    )


def _needs_council(ctx: TurnContext) -> bool:
    """Ask once; after that an anonymous visitor who did not choose gets the national answer."""
    return (
        ctx.council_id is None
        and ctx.identity.council_asked_at is None
        and len(ctx.offer.councils) > 1
    )


def _for(ctx: TurnContext) -> dict[str, Any]:
    """Who the answer is for: their age band, circumstances, language and today's date."""
    return {"band": ctx.age_band, "conditions": ctx.conditions, "t": ctx.t, "today": ctx.today}


def answer(ctx: TurnContext, topic_id: str) -> Reply:
    """A topic question: asks for the council first when it is not known (once only), then
    answers; the PA-support topic also gets the choices open to them now."""
    if _needs_council(ctx):
        return _ask_council(ctx, topic_id)
    reply = compose_answer(ctx.offer, ctx.council_id, topic_id, **_for(ctx))
    if topic_id == pa_support.TOPIC:
        # What support after 21 means for them, with the buttons to choose.
        own = pa_support.follow_up(ctx)
        if own is not None:
            reply.messages.append(own)
    return reply


def detail(ctx: TurnContext, topic_id: str) -> Reply:
    """The "More detail" button for a topic."""
    return compose_detail(ctx.offer, ctx.council_id, topic_id, **_for(ctx))


def choose_council(ctx: TurnContext, council_id: str) -> Reply:
    """An anonymous visitor picked their council (or 'not sure'); answer what they asked."""
    if council_id != NATIONAL and council_id not in ctx.offer.councils:
        return _ask_council(ctx, ctx.state_data.get("topic") or "legal_rights")
    # Answered, whoever asked (the web chat asks on its first screen): "Not sure" is not
    # asked again; they get the national answer.
    ctx.identity.council_asked_at = ctx.identity.council_asked_at or ctx.now
    if council_id != NATIONAL:
        ctx.identity.council_id = council_id
        ctx.council_id = council_id
    pending = ctx.state_data.get("topic") if ctx.state == AWAITING_COUNCIL else None
    if pending:
        return compose_answer(ctx.offer, ctx.council_id, pending, **_for(ctx))
    return menu(ctx)
