"""Escalations in conversation: asking for the PA, safety out of hours, two misses in a row,
the bot staying quiet while a PA handles a chat, link codes and a PA's replies on Telegram."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.advisers import escalations, linking
from bot.db import session_factory
from bot.messages import InboundMessage
from bot.models import (
    ChannelIdentity,
    Escalation,
    Message,
    OutboxItem,
    PersonalAdviser,
    StaffAccount,
    Team,
    YoungPerson,
)
from tests.conftest import Chat

pytestmark = pytest.mark.slow

# Monday 23 November 2026, 23:00 in London (GMT): everyone is off work.
MONDAY_11PM = datetime(2026, 11, 23, 23, 0, tzinfo=timezone.utc)


def texts(turn) -> str:
    return "\n".join(m.text for m in turn.messages)


def outbox(db_engine, **where) -> list[OutboxItem]:
    with session_factory(db_engine)() as session:
        query = select(OutboxItem).order_by(OutboxItem.id)
        for column, value in where.items():
            query = query.where(getattr(OutboxItem, column) == value)
        return list(session.execute(query).scalars())


def the_escalation(db_engine, escalation_id: int) -> Escalation:
    with session_factory(db_engine)() as session:
        esc = session.get(Escalation, escalation_id)
        assert esc is not None
        return esc


def test_asking_for_the_pa_names_them_and_when_they_will_reply(chat, db_engine, staff) -> None:
    turn = chat.link("demo-19").say("i want to talk to my pa")
    assert turn.intent == "talk_to_pa"
    reply = texts(turn)
    # Monday 10:00, in working hours: Sam, by the end of the next working day.
    assert "Sam Ortiz" in reply
    assert "17:00 tomorrow" in reply
    assert "999" in reply
    assert turn.escalation["routing"] == "in_hours"
    assert turn.escalation["duty_notified"] is False
    esc = the_escalation(db_engine, turn.escalation["id"])
    assert esc.reason == "asked_for_pa" and esc.urgency == "normal" and esc.status == "open"
    assert esc.due_at == datetime(2026, 11, 24, 17, 0, tzinfo=timezone.utc)
    sent_to = {(o.channel, o.address) for o in outbox(db_engine, escalation_id=esc.id)}
    assert sent_to == {("email", "sam.ortiz@example.org")}


def test_asking_again_reuses_the_open_escalation(chat, db_engine, staff) -> None:
    chat.link("demo-19")
    first = chat.say("i want to talk to my pa").escalation["id"]
    second = chat.say("can i speak to my pa please").escalation["id"]
    assert first == second
    assert len(outbox(db_engine, escalation_id=first)) == 1


def test_out_of_hours_the_duty_team_is_told_too(chat, clock, db_engine, staff) -> None:
    clock.set(MONDAY_11PM)
    reply = texts(chat.link("demo-19").say("i want to talk to my pa"))
    assert "isn't working right now" in reply and "duty team" in reply
    assert "01632 960456" in reply  # the duty number, for help before then
    assert "17:00 tomorrow" in reply


def test_crisis_out_of_hours_reaches_the_duty_contact_as_urgent(
    chat, clock, db_engine, staff
) -> None:
    clock.set(MONDAY_11PM)
    turn = chat.link("demo-19").say("i want to kill myself")
    assert turn.safety == "suicide_self_harm"
    # What to do now comes first.
    assert "call 999 now" in turn.messages[0].text.split("\n")[1]
    assert "116 123" in turn.messages[0].text
    assert "I've told your PA, Sam Ortiz, and the duty team." in texts(turn)
    esc = the_escalation(db_engine, turn.escalation["id"])
    assert esc.urgency == "urgent" and esc.routing == "out_of_hours" and esc.duty_notified
    assert esc.due_at == MONDAY_11PM + timedelta(hours=1)
    duty = outbox(db_engine, escalation_id=esc.id, address="duty.plymouth@example.org")
    assert len(duty) == 1 and duty[0].subject.startswith("Urgent")
    # Nothing the young person wrote is in a notification.
    for item in outbox(db_engine, escalation_id=esc.id):
        assert "kill" not in item.body and "Jay" not in item.body


def test_unacknowledged_urgent_escalation_is_reescalated_after_its_deadline(
    chat, clock, db_engine, staff
) -> None:
    clock.set(MONDAY_11PM)
    esc_id = chat.link("demo-19").say("i want to kill myself").escalation["id"]
    sessions = session_factory(db_engine)
    with sessions.begin() as session:
        assert escalations.reescalate_overdue(session, clock.now(), public_url="http://x") == []
    clock.advance(timedelta(minutes=59))
    with sessions.begin() as session:
        assert escalations.reescalate_overdue(session, clock.now(), public_url="http://x") == []
    clock.advance(timedelta(minutes=1))
    with sessions.begin() as session:
        assert escalations.reescalate_overdue(session, clock.now(), public_url="http://x") == [
            esc_id
        ]
    overdue = outbox(db_engine, escalation_id=esc_id, purpose="escalation_overdue")
    assert {o.address for o in overdue} == {"morgan.lee@example.org", "duty.plymouth@example.org"}
    assert the_escalation(db_engine, esc_id).reescalated_at == clock.now()


def test_two_misses_in_a_row_ask_the_pa(chat, db_engine, staff) -> None:
    chat.link("demo-19")
    first = chat.say("what is the weather in paris")
    assert first.escalation is None
    second = chat.say("who won the football last night")
    assert second.escalation is not None
    assert second.escalation["routing"] == "in_hours"
    assert "Sam Ortiz" in texts(second)
    assert the_escalation(db_engine, second.escalation["id"]).reason == "not_understood"


def test_an_answer_in_between_resets_the_count(chat) -> None:
    chat.link("demo-19")
    assert chat.say("what is the weather in paris").escalation is None
    chat.say("can I get council tax paid")
    assert chat.say("who won the football last night").escalation is None


def test_while_a_pa_handles_the_chat_the_bot_is_quiet_except_for_safety(
    chat, db_engine, staff, clock
) -> None:
    esc_id = chat.link("demo-19").say("i want to talk to my pa").escalation["id"]
    sessions = session_factory(db_engine)
    with sessions.begin() as session:
        esc = session.get(Escalation, esc_id)
        sam = session.get(StaffAccount, staff["sam.ortiz@example.org"])
        escalations.reply(session, esc, sam, "Hi Jay, it's Sam. Are you free at 2?", clock.now())
    quiet = chat.say("can I get council tax paid")
    assert quiet.messages == ()
    told = outbox(db_engine, escalation_id=esc_id, purpose="conversation_message")
    assert [o.address for o in told] == ["sam.ortiz@example.org"]
    assert "council tax" not in told[0].body
    urgent = chat.say("i want to kill myself")
    assert urgent.safety == "suicide_self_harm" and "999" in texts(urgent)
    with sessions.begin() as session:
        esc = session.get(Escalation, esc_id)
        escalations.hand_back(session, esc, session.get(StaffAccount, sam.id), clock.now())
    assert "council tax" in texts(chat.say("can I get council tax paid")).lower()


def test_a_link_code_links_the_chat_once(engine, db_engine, staff, clock) -> None:
    sessions = session_factory(db_engine)
    with sessions.begin() as session:
        yp = session.execute(select(YoungPerson).where(YoungPerson.ref == "demo-19")).scalar_one()
        code = linking.create_code(
            session,
            purpose="young_person",
            young_person_id=yp.id,
            staff_id=None,
            created_by_id=staff["sam.ortiz@example.org"],
            now=clock.now(),
        )
    phone = Chat(engine, channel="telegram")
    linked = phone.say(f"/start {code}")
    assert "You're linked. Hi Jay." in texts(linked)
    assert "Sam Ortiz" in texts(phone.say("who's my pa"))
    # The code is not kept in the conversation history.
    with sessions() as session:
        stored = session.execute(select(Message.text).where(Message.direction == "in")).scalars()
        assert all(code not in (t or "") for t in stored)
    again = Chat(engine, channel="telegram")
    assert "didn't work" in texts(again.say(f"link {code.lower()}"))
    assert "Sam Ortiz" not in texts(again.say("who's my pa"))


def test_an_expired_link_code_does_not_link(engine, db_engine, staff, clock) -> None:
    with session_factory(db_engine).begin() as session:
        yp = session.execute(select(YoungPerson).where(YoungPerson.ref == "demo-19")).scalar_one()
        code = linking.create_code(
            session,
            purpose="young_person",
            young_person_id=yp.id,
            staff_id=None,
            created_by_id=staff["sam.ortiz@example.org"],
            now=clock.now(),
        )
    clock.advance(linking.VALID_FOR + timedelta(seconds=1))
    assert "didn't work" in texts(Chat(engine, channel="telegram").say(f"/start {code}"))


def test_a_pa_replies_to_a_notification_on_telegram(chat, engine, db_engine, staff, clock) -> None:
    sessions = session_factory(db_engine)
    with sessions.begin() as session:
        code = linking.create_code(
            session,
            purpose="staff",
            young_person_id=None,
            staff_id=staff["sam.ortiz@example.org"],
            created_by_id=staff["sam.ortiz@example.org"],
            now=clock.now(),
        )
    pa_phone = Chat(engine, channel="telegram", sender_id="555001")
    assert "linked to your staff account" in texts(pa_phone.say(f"/start {code}"))
    esc_id = chat.link("demo-19").say("i want to talk to my pa").escalation["id"]
    telegram = outbox(db_engine, escalation_id=esc_id, channel="telegram")
    assert [o.address for o in telegram] == ["555001"]
    # The dispatcher records the sent message's id; a reply to it threads back.
    with sessions.begin() as session:
        session.get(OutboxItem, telegram[0].id).external_id = "555001:42"

    answer = engine.handle(
        InboundMessage(
            "telegram", "555001", "555001:43", text="Hi Jay, call me at 2", reply_to="555001:42"
        )
    )
    assert "Sent to the young person" in texts(answer)
    replies = outbox(db_engine, escalation_id=esc_id, purpose="pa_reply")
    assert [(r.channel, r.body) for r in replies] == [("terminal", "Hi Jay, call me at 2")]
    with sessions() as session:
        identity = session.execute(
            select(ChannelIdentity).where(ChannelIdentity.external_id == "555001")
        ).scalar_one()
        assert identity.staff_id == staff["sam.ortiz@example.org"]
        assert identity.young_person_id is None
    # A message that is not a reply gets a pointer to the dashboard, and reaches nobody.
    assert "dashboard" in texts(pa_phone.say("hello?"))


def test_anonymous_visitor_asking_for_a_pa_gets_the_team_and_how_to_link(chat) -> None:
    turn = chat.link(council="plymouth").say("i want to talk to my pa")
    assert turn.escalation is None
    assert "link code" in texts(turn) and "01632 960100" in texts(turn)


def _set(db_engine, fn) -> None:

    with session_factory(db_engine).begin() as session:
        fn(session, PersonalAdviser, Team)


def test_while_the_pa_is_away_the_cover_is_named_and_asked(chat, clock, db_engine, staff) -> None:
    today = clock.now().date()

    def away(session, PersonalAdviser, Team) -> None:
        sam = session.execute(
            select(PersonalAdviser).where(PersonalAdviser.name == "Sam Ortiz")
        ).scalar_one()
        sam.away_from, sam.away_until = today, today + timedelta(days=5)
        sam.cover_staff_id = staff["priya.shah@example.org"]

    _set(db_engine, away)
    chat.link("demo-19")
    who = texts(chat.say("who is my pa"))
    assert "Sam Ortiz is away until" in who and "Priya Shah is covering" in who
    turn = chat.say("i want to talk to my pa")
    reply = texts(turn)
    assert "Sam Ortiz is away, so I've asked Priya Shah" in reply
    assert "I've asked your PA" not in reply
    sent_to = {o.address for o in outbox(db_engine, escalation_id=turn.escalation["id"])}
    assert sent_to == {"priya.shah@example.org"}


def test_no_duty_route_means_no_duty_promise(chat, clock, db_engine, staff) -> None:
    """Out of hours, no duty inbox and nobody on the rota: only the PA hears, and the bot
    says exactly that."""

    def no_duty(session, PersonalAdviser, Team) -> None:
        for team in session.execute(select(Team)).scalars():
            team.duty_email = None

    _set(db_engine, no_duty)
    clock.set(MONDAY_11PM)
    reply = texts(chat.link("demo-19").say("i want to talk to my pa"))
    assert "I've left Sam Ortiz a message" in reply
    assert "told Sam Ortiz and the duty team" not in reply
    assert "01632 960456" in reply  # the duty line is still a number they can call


def test_when_nobody_can_be_told_the_bot_says_so_and_gives_numbers(chat, db_engine, staff) -> None:
    def nobody(session, PersonalAdviser, Team) -> None:
        for account in session.execute(select(StaffAccount)).scalars():
            account.active = False

    _set(db_engine, nobody)
    turn = chat.link("demo-19").say("i want to talk to my pa")
    reply = texts(turn)
    assert "I couldn't pass this on to anyone just now" in reply
    assert "asked your PA" not in reply
    assert "999" in reply
