"""While a PA handles the chat the bot stays quiet, except for stop, delete and safety; the PA
is told once that the young person wrote, not once per message."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.advisers import escalations
from bot.db import session_factory
from bot.models import ContactPlan, Escalation, OutboxItem, StaffAccount, YoungPerson
from tests.conftest import Chat


def _take_over(db_engine, clock, staff: dict[str, int], chat: Chat) -> int:
    """The young person asks for their PA; Sam replies, which takes the chat over."""
    turn = chat.say("i want to talk to my pa")
    assert turn.escalation is not None, turn.messages
    with session_factory(db_engine).begin() as session:
        esc = session.get(Escalation, turn.escalation["id"])
        sam = session.get(StaffAccount, staff["sam.ortiz@example.org"])
        escalations.reply(session, esc, sam, "Hi, it's Sam. How can I help?", clock.now())
        return esc.id


def _told(db_engine, esc_id: int) -> int:
    with session_factory(db_engine)() as session:
        return session.execute(
            select(func.count(OutboxItem.id)).where(
                OutboxItem.escalation_id == esc_id, OutboxItem.purpose == "conversation_message"
            )
        ).scalar_one()


def test_the_pa_is_told_once_not_for_every_message(engine, db_engine, clock, staff) -> None:
    chat = Chat(engine).link("demo-19")
    esc_id = _take_over(db_engine, clock, staff, chat)
    for text in ["hi sam", "are you there", "hello??"]:
        clock.advance(timedelta(minutes=1))
        assert chat.say(text).messages == ()
    first = _told(db_engine, esc_id)
    assert first >= 1  # one per channel Sam is notified on
    assert _told(db_engine, esc_id) == first
    # Sam writes again; the next message from them is news once more.
    clock.advance(timedelta(minutes=1))
    with session_factory(db_engine).begin() as session:
        esc = session.get(Escalation, esc_id)
        sam = session.get(StaffAccount, staff["sam.ortiz@example.org"])
        escalations.reply(session, esc, sam, "Still here!", clock.now())
    clock.advance(timedelta(minutes=1))
    chat.say("thanks")
    assert _told(db_engine, esc_id) == 2 * first


def test_stop_works_while_a_pa_handles_the_chat(engine, db_engine, clock, staff) -> None:
    chat = Chat(engine).link("demo-19")
    _take_over(db_engine, clock, staff, chat)
    turn = chat.say("stop")
    assert turn.messages, "stop is answered, not swallowed"
    assert "won't send you messages" in turn.messages[0].text
    with session_factory(db_engine)() as session:
        yp = session.execute(select(YoungPerson).where(YoungPerson.ref == "demo-19")).scalar_one()
        plan = session.get(ContactPlan, yp.id)
        assert plan is not None and plan.stopped_at is not None


def test_delete_is_offered_while_a_pa_handles_the_chat(engine, db_engine, clock, staff) -> None:
    chat = Chat(engine).link("demo-19")
    _take_over(db_engine, clock, staff, chat)
    asked = chat.say("/stop delete my data")
    payloads = [b.payload for m in asked.messages for b in m.buttons]
    assert any(p.startswith("privacy:") for p in payloads), asked.messages
    done = chat.press(next(p for p in payloads if p == "privacy:delete_yes"))
    assert done.messages, "the deletion is confirmed, not swallowed"


def test_safety_is_answered_while_a_pa_handles_the_chat(engine, db_engine, clock, staff) -> None:
    chat = Chat(engine).link("demo-19")
    _take_over(db_engine, clock, staff, chat)
    turn = chat.say("i want to kill myself")
    assert turn.safety == "suicide_self_harm"
    assert "116 123" in turn.messages[0].text
