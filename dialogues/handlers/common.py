"""Buttons and phrases several handlers share."""

from __future__ import annotations

from bot import payloads
from bot.buttons import other_help_button, pa_again_button, talk_to_pa_button
from bot.content import Offer
from bot.i18n import Translator
from bot.messages import Button

__all__ = [
    "in_danger_now",
    "menu_buttons",
    "other_help_button",
    "pa_again_button",
    "slow_down_text",
    "sorry_went_wrong",
    "talk_to_pa_button",
    "topic_button",
]

# The topics the menu offers first, most asked-about first; others are reached by typing.
MENU_TOPICS = ("council_tax", "housing", "money_grants", "university", "jobs", "mental_health")


def topic_button(offer: Offer, topic_id: str, council_id: str | None, t: Translator) -> Button:
    """A button for one topic, titled in their language when the content has a translation."""
    topic = offer.topic(council_id, topic_id)
    title = offer.title(topic_id, council_id)
    if topic is not None and t.language in topic.translations:
        title = topic.translations[t.language].title
    return Button(title, payloads.make(payloads.TOPIC, topic_id))


def menu_buttons(
    offer: Offer, council_id: str | None, t: Translator, topic_ids: list[str] | None = None
) -> tuple[Button, ...]:
    """The topic buttons (the main menu's unless `topic_ids` is given) and always "talk to my PA";
    topics the content does not have are left out."""
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
            in_danger_now(t),
        ]
    )


def in_danger_now(t: Translator) -> str:
    """The shortest line of where to get help now, for replies that cannot say more."""
    return t.gettext("In danger now? Call 999. Samaritans: 116 123.")


def sorry_went_wrong(t: Translator) -> str:
    """The apology when the bot itself failed: never the young person's fault."""
    return t.gettext("Sorry, something went wrong on my side. Please try again in a minute.")
