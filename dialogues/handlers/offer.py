"""Answers about the local offer, from the content files, for this council and age band."""

from __future__ import annotations

from sqlalchemy import select

from bot.models import Council
from dialogues import payloads
from dialogues.context import Reply, TurnContext
from dialogues.handlers.common import other_help_button, talk_to_pa_button, topic_button
from dialogues.types import Button, OutgoingMessage

AWAITING_COUNCIL = "awaiting_council"


def _ask_council(ctx: TurnContext, topic_id: str) -> Reply:
    _ = ctx.t.gettext
    names = dict(ctx.session.execute(select(Council.id, Council.name)).all())
    buttons = tuple(
        Button(names.get(council_id, council_id), payloads.make(payloads.COUNCIL, council_id))
        for council_id in ctx.offer.council_ids()
    )
    text = _("Which council looked after you? Then I can tell you what they offer.")
    return Reply(
        [OutgoingMessage(text, buttons)],
        topic=topic_id,
        state=AWAITING_COUNCIL,
        state_data={"topic": topic_id},
    )


def answer(ctx: TurnContext, topic_id: str) -> Reply:
    _ = ctx.t.gettext
    if ctx.council_id is None:
        return _ask_council(ctx, topic_id)
    topic = ctx.topic(topic_id)
    if topic is None:
        text = _("I don't have an answer about that for your council yet. Your PA can tell you.")
        return Reply(
            [OutgoingMessage(text, (talk_to_pa_button(ctx), other_help_button(ctx)))],
            topic=topic_id,
        )
    body = topic.for_age_band(ctx.age_band)
    buttons: list[Button] = []
    if body.detail:
        buttons.append(Button(_("More detail"), payloads.make(payloads.MORE, topic_id)))
    buttons += [talk_to_pa_button(ctx), other_help_button(ctx)]
    return Reply([OutgoingMessage(body.answer, tuple(buttons))], topic=topic_id)


def detail(ctx: TurnContext, topic_id: str) -> Reply:
    topic = ctx.topic(topic_id)
    if topic is None:
        return answer(ctx, topic_id)
    body = topic.for_age_band(ctx.age_band)
    related = [topic_button(ctx, r) for r in topic.related[:2]]
    buttons = (*related, talk_to_pa_button(ctx))
    return Reply([OutgoingMessage(body.detail or body.answer, buttons)], topic=topic_id)


def choose_council(ctx: TurnContext, council_id: str) -> Reply:
    """An anonymous visitor picked their council; answer what they were asking about."""
    _ = ctx.t.gettext
    if council_id not in ctx.offer.council_ids():
        return _ask_council(ctx, ctx.state_data.get("topic") or "legal_rights")
    ctx.identity.council_id = council_id
    ctx.council_id = council_id
    pending = ctx.state_data.get("topic") if ctx.state == AWAITING_COUNCIL else None
    if pending:
        return answer(ctx, pending)
    from dialogues.handlers.small_talk import menu

    return menu(ctx)
