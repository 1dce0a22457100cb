"""Where an understood message goes: one table for intents, one for button payloads.

A new intent or button kind gets its handler here; tests/dialogues/test_routes.py fails on an
intent the NLU can produce, or a payload kind, that has no route. Topic intents (one per
content topic) go to the offer, safety intents to the safety path, and the rest to the
honest fallback; those are decided in the engine, before and after these tables."""

from __future__ import annotations

from collections.abc import Callable

from bot import payloads
from dialogues.context import Reply, TurnContext
from dialogues.handlers import (
    keeping_in_touch,
    language,
    offer,
    pa,
    pa_status,
    pa_support,
    privacy,
    safety,
    small_talk,
)

IntentHandler = Callable[[TurnContext], Reply]
PayloadHandler = Callable[[TurnContext, str], Reply]

# "ok" to a question that deletes or stops something: asked again for a clear yes or no.
YES_OR_NO = "yes_or_no"

INTENT_ROUTES: dict[str, IntentHandler] = {
    "greeting": small_talk.greeting,
    "thanks": small_talk.thanks,
    "menu": small_talk.menu,
    "pa_contact": pa.pa_contact,
    "talk_to_pa": pa.talk_to_pa,
    "pa_status": pa_status.status,
    "language_change": language.menu,
    # The classifier only thinks they want to stop: asked, never guessed.
    "data_delete": privacy.confirm_stop,
    "restart": keeping_in_touch.restart,
    YES_OR_NO: small_talk.yes_or_no,
}


def _menu(ctx: TurnContext, _value: str) -> Reply:
    return small_talk.menu(ctx)


PAYLOAD_ROUTES: dict[str, PayloadHandler] = {
    payloads.COUNCIL: offer.choose_council,
    payloads.MORE: offer.detail,
    payloads.MENU: _menu,
    payloads.LANG: language.choose,
    payloads.KIT: keeping_in_touch.answer_checkin,
    payloads.OPTIN: pa_support.answer,
    payloads.PRIVACY: privacy.privacy_button,
    payloads.SAFE: safety.safe_answer,
}
# Payload kinds that stand for an intent (topic:council_tax, intent:pa_contact): the
# understander turns them into that intent, and INTENT_ROUTES or the offer answers.
BY_INTENT = frozenset({payloads.TOPIC, payloads.INTENT})

# Clear requests: after a risk message, one of these (confidently read) is answered rather
# than met with "are you safe?" (as are confident topic questions).
CLEAR_INTENTS = frozenset(
    {"pa_contact", "talk_to_pa", "pa_status", "language_change", "data_delete", "restart"}
)
