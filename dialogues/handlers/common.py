"""Buttons and phrases several handlers share."""

from __future__ import annotations

from bot.content import Offer
from bot.i18n import Translator
from dialogues import payloads
from dialogues.types import Button

# The topics the menu offers first, most asked-about first; others are reached by typing.
MENU_TOPICS = ("council_tax", "housing", "money_grants", "university", "jobs", "mental_health")


def talk_to_pa_button(t: Translator) -> Button:
    return Button(t.gettext("Talk to my PA"), payloads.make(payloads.INTENT, "talk_to_pa"))


def pa_again_button(t: Translator) -> Button:
    """21 to 24 without a PA: ask for one again (dialogues/handlers/pa_support.py)."""
    return Button(t.gettext("I'd like a PA again"), payloads.make(payloads.OPTIN, "yes"))


def other_help_button(t: Translator) -> Button:
    return Button(t.gettext("Other help"), payloads.make(payloads.MENU))


def topic_button(offer: Offer, topic_id: str, council_id: str | None, t: Translator) -> Button:
    topic = offer.topic(council_id, topic_id)
    title = offer.title(topic_id, council_id)
    if topic is not None and t.language in topic.translations:
        title = topic.translations[t.language].title
    return Button(title, payloads.make(payloads.TOPIC, topic_id))


def menu_buttons(
    offer: Offer, council_id: str | None, t: Translator, topic_ids: list[str] | None = None
) -> tuple[Button, ...]:
    known = offer.topic_ids()
    wanted = topic_ids if topic_ids is not None else list(MENU_TOPICS)
    shown = [
        topic_button(offer, topic_id, council_id, t) for topic_id in wanted if topic_id in known
    ]
    return (*shown, talk_to_pa_button(t))


def slow_down_text(t: Translator) -> str:
    """Said when a flood limit holds a message back: wait, and where to get help now."""
    return " ".join(
        [
            t.gettext("You're sending messages very fast, so I need a moment."),
            t.gettext("Please wait a minute and try again."),
            t.gettext("In danger now? Call 999. Samaritans: 116 123."),
        ]
    )
