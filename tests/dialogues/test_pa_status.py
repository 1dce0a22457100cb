"""'Has my PA replied?' is answered from the open request: who has it, whether they have seen
it, by when, and the duty number meanwhile; with nothing open, the offer to ask."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.advisers import escalations
from bot.db import session_factory
from bot.models import Escalation, StaffAccount
from tests.conftest import Chat

DUTY = "01632 960456"


def texts(turn) -> str:
    return "\n".join(m.text for m in turn.messages)


def payloads(turn) -> list[str]:
    return [b.payload for m in turn.messages for b in m.buttons]


def test_with_nothing_asked_it_offers_to_ask_the_pa(engine, staff) -> None:
    turn = Chat(engine).link("demo-19").say("has my pa replied yet")
    assert turn.intent == "pa_status"
    reply = texts(turn)
    assert "You haven't asked your PA for anything that's still open." in reply
    assert "Do you want me to ask Sam Ortiz to get back to you?" in reply
    assert "intent:talk_to_pa" in payloads(turn)
    assert turn.escalation is None


@pytest.mark.parametrize(
    "asked",
    [
        "has sam replied yet",
        "when will my pa ring me",
        "any news from my pa??",
        "did my pa get my msg",
    ],
)
def test_an_open_request_says_who_and_by_when(engine, staff, asked: str) -> None:
    chat = Chat(engine).link("demo-19")
    chat.say("i want to talk to my pa")
    turn = chat.say(asked)
    assert turn.intent == "pa_status", asked
    reply = texts(turn)
    assert "Sam Ortiz hasn't replied yet. They should reply by 17:00 tomorrow." in reply
    assert DUTY in reply and "999" in reply
    assert turn.escalation is None  # asking about it opens nothing new


def test_once_acknowledged_it_says_they_have_seen_it(engine, db_engine, staff, clock) -> None:
    chat = Chat(engine).link("demo-19")
    esc_id = chat.say("i want to talk to my pa").escalation["id"]
    with session_factory(db_engine).begin() as session:
        esc = session.get(Escalation, esc_id)
        priya = session.get(StaffAccount, staff["priya.shah@example.org"])
        escalations.acknowledge(session, esc, priya, clock.now())
    reply = texts(chat.say("has my pa replied"))
    # Whoever picked it up, by name.
    assert "Priya Shah has seen your message and will get back to you." in reply


def test_past_its_deadline_it_says_so_and_that_the_manager_knows(
    engine, db_engine, staff, clock
) -> None:
    chat = Chat(engine).link("demo-19")
    chat.say("i want to talk to my pa")
    clock.advance(timedelta(days=2))
    late = texts(chat.say("has my pa replied"))
    assert "Sam Ortiz hasn't replied yet, and it's later than it should be." in late
    assert "team manager" not in late
    with session_factory(db_engine).begin() as session:
        escalations.reescalate_overdue(session, clock.now(), public_url="http://test")
    told = texts(chat.say("has my pa replied"))
    assert "I've told the team manager." in told and DUTY in told


def test_an_anonymous_visitor_is_told_how_to_reach_the_team(engine) -> None:
    turn = Chat(engine).link(council="plymouth").say("has my pa replied")
    assert turn.intent == "pa_status"
    assert "01632 960100" in texts(turn)  # the leaving care team's number


@pytest.mark.parametrize(
    ("language", "asked", "expected"),
    [
        ("ar", "هل رد المستشار الخاص بي؟", "لم يرد Sam Ortiz بعد."),
        ("vi", "Cố vấn của tôi đã trả lời chưa?", "Sam Ortiz chưa trả lời."),
        ("en_easy", "My PA did not answer yet. When?", "Sam Ortiz did not answer yet."),
    ],
)
def test_the_status_is_answered_in_their_language(
    engine, staff, language: str, asked: str, expected: str
) -> None:
    chat = Chat(engine).link("demo-19", language=language)
    chat.press("intent:talk_to_pa")
    turn = chat.say(asked)
    assert turn.intent == "pa_status"
    assert expected in texts(turn) and DUTY in texts(turn)


def test_while_a_request_is_open_a_message_it_cannot_read_gets_the_status(engine, staff) -> None:
    # Whatever the classifier makes of it: no second request, and the wait explained.
    chat = Chat(engine).link("demo-19")
    chat.say("i want to talk to my pa")
    for unread in ("what is the weather in paris", "who won the football last night"):
        turn = chat.say(unread)
        assert turn.escalation is None, unread
        reply = texts(turn)
        assert reply.startswith("Sorry, I'm not sure I understood. If it's about your request:")
        assert "Sam Ortiz hasn't replied yet. They should reply by 17:00 tomorrow." in reply
        assert DUTY in reply


def test_with_nothing_open_two_misses_still_ask_a_person(engine, staff) -> None:
    chat = Chat(engine).link("demo-19")
    assert chat.say("what is the weather in paris").escalation is None
    assert chat.say("who won the football last night").escalation is not None
