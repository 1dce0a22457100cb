"""Handlers through the engine with a fake interpreter: no trained model, so these are fast
and say nothing about understanding (tests/nlu and the blind sets do that)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.clock import FixedClock
from bot.db import session_factory
from bot.keeping_in_touch import support
from bot.models import YoungPerson
from bot.runtime import build_runtime
from bot.settings import Settings
from dialogues.engine import DialogueEngine
from tests.conftest import Chat
from tests.dialogues.fake_nlu import FakeInterpreter

SAID = {
    "who is my pa": "pa_contact",
    "i want to talk to my pa": "talk_to_pa",
    "has my pa replied": "pa_status",
    "what happens at 21": "post21_support",
    "hello": "greeting",
}


@pytest.fixture
def fake(
    settings_without_model: Settings, clock: FixedClock
) -> tuple[DialogueEngine, FakeInterpreter]:
    interpreter = FakeInterpreter(SAID)
    # Anonymous visitors are asked for their council, as without a default.
    settings = replace(settings_without_model, default_council=None)
    return build_runtime(settings, interpreter=interpreter, clock=clock).engine, interpreter


def texts(turn) -> str:
    return "\n".join(m.text for m in turn.messages)


def payloads(turn) -> list[str]:
    return [b.payload for m in turn.messages for b in m.buttons]


def status_of(db_engine: Engine, ref: str) -> str:
    with session_factory(db_engine)() as session:
        return session.execute(
            select(YoungPerson.support_status).where(YoungPerson.ref == ref)
        ).scalar_one()


def test_the_fake_reads_only_what_it_was_given(fake) -> None:
    engine, interpreter = fake
    turn = Chat(engine).link("demo-19").say("hello")
    assert turn.intent == "greeting" and interpreter.parsed == ["hello"]
    assert Chat(engine).link("demo-19").say("what is the weather in paris").intent == "nlu_fallback"


def test_pa_contact_names_the_pa_or_the_team(fake, staff) -> None:
    engine, _ = fake
    assert "Your PA (personal adviser) is Sam Ortiz." in texts(
        Chat(engine).link("demo-19").say("who is my pa")
    )
    former = Chat(engine).link("demo-22").say("who is my pa")
    assert "Sam Ortiz" not in texts(former) and "optin:yes" in payloads(former)


def test_the_choice_at_20_and_a_pa_again_at_22(fake, db_engine, staff) -> None:
    engine, _ = fake
    twenty = Chat(engine).link("demo-20-9m").say("what happens at 21")
    assert payloads(twenty)[-3:] == ["optin:yes", "optin:no", "optin:not_sure"]
    again = Chat(engine).link("demo-22").press("optin:yes")
    assert again.escalation is not None and again.escalation["reason"] == support.AGAIN_REASON
    assert status_of(db_engine, "demo-22") == support.REQUESTED


def test_status_with_and_without_a_request(fake, staff) -> None:
    engine, _ = fake
    chat = Chat(engine).link("demo-19")
    assert "You haven't asked your PA" in texts(chat.say("has my pa replied"))
    chat.say("i want to talk to my pa")
    assert "Sam Ortiz hasn't replied yet." in texts(chat.say("has my pa replied"))
    # Unreadable while a request is open: the status, and no second request.
    unread = chat.say("what is the weather in paris")
    assert unread.escalation is None
    assert texts(unread).startswith("Sorry, I'm not sure I understood. If it's about")


def test_ok_to_deleting_asks_yes_or_no(fake) -> None:
    engine, _ = fake
    chat = Chat(engine).link("demo-19")
    chat.say("/stop delete my data")
    assert texts(chat.say("ok")) == "Sorry, is that a yes or a no?"
    assert chat.say("yes").intent == "data_delete"
