"""Answering the bot's own messages, in conversation with the real engine: check-in answers,
the opt-in buttons, "stop" and "start again", and "delete my data" at awkward moments."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.models import ContactPlan, Escalation, Message
from tests.bot.keeping_in_touch.helpers import CHECKIN_BUTTONS, TimeMachine
from tests.conftest import Chat

pytestmark = pytest.mark.slow

MINUTE = timedelta(minutes=1)


def texts(turn) -> str:
    return "\n".join(m.text for m in turn.messages)


def buttons(turn) -> list[str]:
    return [b.payload for m in turn.messages for b in m.buttons]


@pytest.fixture
def tm(db_engine, demo, clock) -> TimeMachine:
    return TimeMachine(db_engine, clock)


@pytest.fixture
def jay(engine, tm, clock) -> Chat:
    """Jay (demo-19) on Telegram, with a check-in just sent."""
    chat = Chat(engine, channel="telegram", sender_id="tg-jay").link("demo-19")
    clock.advance(MINUTE)
    tm.tick()
    assert [d.purpose for d in tm.telegram.deliveries] == ["checkin"]
    clock.advance(MINUTE)
    return chat


@pytest.mark.parametrize(
    ("value", "reply"),
    [
        ("good", "Good to hear. I'm here if you need anything."),
        ("ok", "Thanks for letting me know. I'm here if you need anything."),
    ],
)
def test_good_and_ok_are_recorded_without_an_escalation(jay, tm, clock, value, reply) -> None:
    turn = jay.press(f"kit:{value}")
    assert texts(turn) == reply
    assert turn.escalation is None
    plan = tm.plan("demo-19")
    assert (plan.checkin_answer, plan.checkin_answered_at) == (value, clock.now())
    assert tm.escalations() == []
    # The next message is not taken as a note for anyone.
    jay.say("can I get council tax paid")
    assert tm.escalations() == []


@pytest.mark.parametrize(
    ("typed", "value"), [("gd", "good"), ("ok!", "ok"), ("Not good", "not_good")]
)
def test_a_typed_answer_to_a_check_in_is_recorded_like_a_press(jay, tm, typed, value) -> None:
    turn = jay.say(typed)
    assert turn.intent == "checkin_answer"
    assert tm.plan("demo-19").checkin_answer == value


def test_talk_to_my_pa_from_a_check_in_asks_the_pa(jay, tm, staff) -> None:
    turn = jay.press(CHECKIN_BUTTONS[-1])
    assert turn.intent == "talk_to_pa"
    assert "I've asked your PA, Sam Ortiz, to get back to you." in texts(turn)
    assert [e.reason for e in tm.escalations()] == ["asked_for_pa"]


def test_stop_while_the_bot_waits_for_more_after_not_good_still_stops(jay, tm) -> None:
    """After "Not good" the bot invites a note for the PA; "stop" is not a note."""
    jay.press("kit:not_good")
    turn = jay.say("stop")
    assert turn.intent == "data_delete"
    assert "I won't send you messages unless you write to me first." in texts(turn)
    assert tm.plan("demo-19").stopped_at is not None
    assert tm.escalations(reason="checkin_not_good")[0].excerpt is None


def test_delete_my_data_while_the_bot_waits_for_more_is_not_passed_on(jay, tm) -> None:
    jay.press("kit:not_good")
    turn = jay.say("delete my data")
    assert buttons(turn) == ["privacy:delete_yes", "privacy:delete_no"]
    assert tm.escalations(reason="checkin_not_good")[0].excerpt is None


def test_a_crisis_while_the_bot_waits_for_more_gets_the_safety_reply(jay, tm) -> None:
    jay.press("kit:not_good")
    turn = jay.say("i want to kill myself")
    assert turn.safety == "suicide_self_harm"
    assert "call 999 now" in turn.messages[0].text.split("\n")[1]
    assert {e.reason for e in tm.escalations()} == {"checkin_not_good", "suicide_self_harm"}


def test_start_again_by_text_resumes_after_stop(jay, tm, clock) -> None:
    jay.say("stop")
    assert tm.plan("demo-19").stopped_at is not None
    # Writing to the bot is not the same as asking for its messages again.
    turn = jay.say("can I get council tax paid")
    assert turn.messages
    assert tm.plan("demo-19").stopped_at is not None
    turn = jay.say("start again")
    assert turn.intent == "restart"
    assert texts(turn).startswith("OK, I'll send you messages again.")
    assert tm.plan("demo-19").stopped_at is None


def test_stop_in_arabic_is_answered_in_arabic(engine, tm) -> None:
    chat = Chat(engine, channel="telegram", sender_id="tg-jay").link("demo-19", language="ar")
    turn = chat.say("توقف")
    assert turn.intent == "data_delete"
    assert "حسنًا. لن أرسل لك رسائل إلا إذا كتبت لي أولًا." in texts(turn)
    assert "kit:restart" in buttons(turn)
    assert tm.plan("demo-19").stopped_at is not None


def test_stop_from_a_chat_that_is_not_linked_is_still_answered(engine, tm) -> None:
    chat = Chat(engine, channel="telegram", sender_id="tg-stranger")
    turn = chat.say("stop")
    assert "I won't send you messages" in texts(turn)
    assert [a.subject_type for a in tm.audit("stop_requested")] == ["channel_identity"]
    with tm.sessions() as session:
        assert session.execute(select(ContactPlan)).scalars().all() == []


def test_check_in_buttons_from_someone_not_linked(engine, tm) -> None:
    chat = Chat(engine, channel="telegram", sender_id="tg-stranger")
    assert texts(chat.press("kit:good")) == "Thanks. I'm here if you need anything."
    assert texts(chat.press("optin:yes")) == "Ask your PA about support after 21."
    with tm.sessions() as session:
        assert session.execute(select(ContactPlan)).scalars().all() == []


def test_a_forged_check_in_payload_is_not_recorded(jay, tm) -> None:
    turn = jay.press("kit:amazing")
    assert turn.intent is None
    assert tm.plan("demo-19").checkin_answer is None


def test_16_year_olds_get_nothing_automatic_but_the_bot_still_answers(engine, tm) -> None:
    chat = Chat(engine, channel="telegram", sender_id="tg-kai").link("demo-16")
    tm.tick()
    assert tm.proactive("demo-16") == []
    turn = chat.say("can I get council tax paid")
    assert turn.messages and texts(turn)


def test_i_would_like_a_pa_from_a_birthday_reminder(engine, tm, staff, clock) -> None:
    chat = Chat(engine, channel="telegram", sender_id="tg-dan").link("demo-22")
    turn = chat.press("optin:yes")
    # 22 and said no at 21: recorded as asking again, and the team (not the former PA) told.
    assert texts(turn).startswith("Thanks. I've recorded that you'd like a PA again.")
    assert "after you turn 21" not in texts(turn)
    assert tm.young_person("demo-22").support_status == "requested"
    [esc] = tm.escalations(reason="pa_support_again")
    assert esc.pa_id is None and esc.duty_notified
    told = {item.address for item in tm.outbox() if item.escalation_id == esc.id}
    assert told and "sam.ortiz@example.org" not in told
    # No more "you can still ask" birthday reminders.
    assert "birthday_reminder" not in [kind for kind, _at, _ch in tm.schedule("demo-22")]


def test_changing_the_answer_before_21_is_recorded_each_time(engine, tm, staff, clock) -> None:
    chat = Chat(engine, channel="telegram", sender_id="tg-amir").link("demo-20-9m")
    chat.press("optin:not_sure")
    clock.advance(timedelta(days=3))
    chat.press("optin:yes")
    plan = tm.plan("demo-20-9m")
    assert (plan.optin_answer, plan.optin_answered_at) == ("yes", clock.now())
    assert [a.detail["answer"] for a in tm.audit("optin_answered")] == ["not_sure", "yes"]
    assert len(tm.outbox(purpose="optin_answer")) == 2


def test_the_not_good_note_is_deleted_with_the_conversation(jay, tm, staff) -> None:
    jay.press("kit:not_good")
    jay.say("college has been a lot this month")
    assert tm.escalations(reason="checkin_not_good")[0].excerpt
    jay.press("privacy:delete")
    jay.press("privacy:delete_yes")
    with tm.sessions() as session:
        assert [e.excerpt for e in session.execute(select(Escalation)).scalars()] == [None]
        assert not [
            m for m in session.execute(select(Message)).scalars() if m.text and "flatmate" in m.text
        ]
