"""Every intent the NLU can produce and every button kind has a route (dialogues/routes.py),
so an intent added to the training data cannot silently fall to the fallback."""

from __future__ import annotations

from bot import payloads
from bot.content import Offer
from dialogues import routes
from dialogues.understanding import BUTTON_INTENTS, COMMANDS, OUT_OF_SCOPE, SAFETY_INTENTS
from nlu.result import FALLBACK_INTENT
from nlu.training import read_data

# Intents that mean "not understood": the honest fallback is their route.
NOT_UNDERSTOOD = {OUT_OF_SCOPE, FALLBACK_INTENT}


def unrouted(intents: set[str], offer: Offer) -> set[str]:
    topics = set(offer.topic_ids())
    return {
        i
        for i in intents
        if i not in routes.INTENT_ROUTES
        and i not in topics
        and i not in SAFETY_INTENTS
        and i not in NOT_UNDERSTOOD
    }


def test_every_trained_intent_has_a_route(offer: Offer) -> None:
    trained = set(read_data())
    assert len(trained) > 20
    assert unrouted(trained, offer) == set()


def test_every_button_and_command_intent_has_a_route(offer: Offer) -> None:
    assert unrouted(set(BUTTON_INTENTS) | set(COMMANDS.values()), offer) == set()


def test_an_intent_without_a_route_is_caught(offer: Offer) -> None:
    # The check itself can fail: a made-up intent in the training data would be reported.
    assert unrouted({"ask_about_pets", "greeting"}, offer) == {"ask_about_pets"}


def test_every_payload_kind_has_a_route() -> None:
    kinds = set(payloads._KINDS)
    assert kinds == set(routes.PAYLOAD_ROUTES) | routes.BY_INTENT
    assert not set(routes.PAYLOAD_ROUTES) & routes.BY_INTENT


def test_clear_intents_are_routed_intents() -> None:
    assert set(routes.INTENT_ROUTES) >= routes.CLEAR_INTENTS
