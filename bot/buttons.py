"""Buttons the bot's own messages share: its replies (dialogues/) and the messages it sends
first (bot/keeping_in_touch/messages.py)."""

from __future__ import annotations

from bot import payloads
from bot.i18n import Translator
from bot.messages import Button


def talk_to_pa_button(t: Translator) -> Button:
    return Button(t.gettext("Talk to my PA"), payloads.make(payloads.INTENT, "talk_to_pa"))


def pa_again_button(t: Translator) -> Button:
    """21 to 24 without a PA: ask for one again (dialogues/handlers/pa_support.py)."""
    return Button(t.gettext("I'd like a PA again"), payloads.make(payloads.OPTIN, "yes"))


def other_help_button(t: Translator) -> Button:
    return Button(t.gettext("Other help"), payloads.make(payloads.MENU))
