"""Buttons and phrases several handlers share."""

from __future__ import annotations

from dialogues import payloads
from dialogues.context import TurnContext
from dialogues.types import Button

# The topics the menu offers first, most asked-about first; others are reached by typing.
MENU_TOPICS = ("council_tax", "housing", "money_grants", "university", "jobs", "mental_health")


def talk_to_pa_button(ctx: TurnContext) -> Button:
    return Button(ctx.t.gettext("Talk to my PA"), payloads.make(payloads.INTENT, "talk_to_pa"))


def other_help_button(ctx: TurnContext) -> Button:
    return Button(ctx.t.gettext("Other help"), payloads.make(payloads.MENU))


def topic_button(ctx: TurnContext, topic_id: str) -> Button:
    return Button(ctx.offer.title(topic_id), payloads.make(payloads.TOPIC, topic_id))


def menu_buttons(ctx: TurnContext, topic_ids: list[str] | None = None) -> tuple[Button, ...]:
    known = ctx.offer.topic_ids()
    wanted = topic_ids if topic_ids is not None else list(MENU_TOPICS)
    shown = [topic_button(ctx, t) for t in wanted if t in known]
    return (*shown, talk_to_pa_button(ctx))
