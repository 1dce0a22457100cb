"""Keeping in touch, by time travel over the demo young people: the real job
(`bot.keeping_in_touch.jobs.run`) and the real dispatcher run as the scheduler would, the
clock moves, and the tests look at what a recording Telegram (or WhatsApp) sender got and at
the rows left behind. Every test runs on SQLite and on PostgreSQL.

The demo data is loaded at MONDAY_10AM (Monday 23 November 2026, 10:00 GMT), so:
demo-19 (Jay) was born 26 July 2007; demo-20-9m (Amir) 21 February 2006 (21 on Sunday
21 February 2027); demo-22 (Dan, opted out) 26 June 2004 (23 on 26 June 2027, in BST)."""

from __future__ import annotations

import json
import threading
import traceback
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot import cli
from bot.keeping_in_touch import jobs, planner
from bot.models import (
    AuditEvent,
    ChannelIdentity,
    ContactPlan,
    Council,
    Escalation,
    Message,
    OutboxItem,
    YoungPerson,
)
from tests.bot.keeping_in_touch.helpers import (
    CHECKIN_BUTTONS,
    OPTIN_BUTTONS,
    TimeMachine,
    at_london,
    london,
    payloads,
)
from tests.conftest import MONDAY_10AM, Chat

T0 = MONDAY_10AM
MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)
WEEK = timedelta(weeks=1)
AMIR_21 = date(2027, 2, 21)
AMIR_REMINDER = london(2027, 2, 7, 10)  # 14 days before the 21st birthday


@pytest.fixture
def tm(db_engine, demo, clock) -> TimeMachine:
    return TimeMachine(db_engine, clock)


def texts(turn) -> str:
    return "\n".join(m.text for m in turn.messages)


def buttons(turn) -> list[str]:
    return [b.payload for m in turn.messages for b in m.buttons]


def purposes(deliveries) -> list[str]:
    return [d.purpose for d in deliveries]


# -- 1. check-ins on cadence ------------------------------------------------------------------


def test_a_19_year_old_gets_check_ins_on_cadence_which_a_pa_can_change_or_pause(tm) -> None:
    chat = tm.link("demo-19")
    counts = tm.tick()
    assert counts.queued >= 1
    [first] = tm.telegram.to(chat)
    assert first.purpose == "checkin"
    # Nothing sensitive: a locked phone shows this to whoever picks it up.
    assert first.body == "Hi Jay, it's the leaving care team bot. How are things?"
    assert payloads(first) == CHECKIN_BUTTONS
    [item] = tm.proactive("demo-19")
    assert (item.status, item.not_before, item.created_at) == ("sent", T0, T0)
    assert tm.plan("demo-19").checkin_sent_at == T0
    with tm.sessions() as session:
        sent = session.execute(
            select(Message).where(Message.source == "proactive", Message.direction == "out")
        ).scalar_one()
        assert sent.text == first.body and sent.young_person_id == tm.yp_id("demo-19")

    # Jay answers (any message does), and nothing more comes until exactly four weeks later.
    tm.seen(chat, T0 + timedelta(hours=1))
    for when in (T0 + DAY, T0 + 3 * DAY, T0 + 3 * WEEK, T0 + 4 * WEEK - MINUTE):
        tm.at(when)
    assert purposes(tm.telegram.to(chat)) == ["checkin"]
    assert tm.schedule("demo-19")[0][:2] == ("checkin", T0 + 4 * WEEK)
    t1 = T0 + 4 * WEEK
    tm.at(t1)
    assert purposes(tm.telegram.to(chat)) == ["checkin", "checkin"]
    assert tm.proactive("demo-19")[-1].not_before == t1

    # The PA changes it to every two weeks.
    tm.seen(chat, t1 + timedelta(hours=2))
    tm.update_plan("demo-19", checkin_every_weeks=2)
    assert tm.schedule("demo-19")[0][:2] == ("checkin", t1 + 2 * WEEK)
    tm.at(t1 + 2 * WEEK - MINUTE)
    assert len(tm.telegram.to(chat)) == 2
    t2 = t1 + 2 * WEEK
    tm.at(t2)
    assert purposes(tm.telegram.to(chat)) == ["checkin"] * 3

    # Paused: nothing, for ten weeks.
    tm.seen(chat, t2 + timedelta(hours=1))
    tm.update_plan("demo-19", checkins_paused=True)
    assert "checkin" not in [kind for kind, _at, _ch in tm.schedule("demo-19")]
    tm.every(t2 + WEEK, t2 + 10 * WEEK, WEEK)
    assert len(tm.telegram.to(chat)) == 3

    # Unpaused: the overdue check-in goes at once, then every two weeks again.
    tm.update_plan("demo-19", checkins_paused=False)
    t3 = t2 + 10 * WEEK + timedelta(hours=1)
    tm.at(t3)
    assert purposes(tm.telegram.to(chat)) == ["checkin"] * 4
    assert tm.schedule("demo-19")[0][:2] in (
        ("checkin_reminder", t3 + 3 * DAY),
        ("checkin", t3 + 2 * WEEK),
    )
    tm.seen(chat, t3 + MINUTE)
    assert tm.schedule("demo-19")[0][:2] == ("checkin", t3 + 2 * WEEK)


def test_check_ins_stop_at_21(tm) -> None:
    chat = tm.link("demo-20-9m")
    tm.tick()
    # Answer every check-in, so only check-ins are left to look at.
    when = T0
    while when < at_london(AMIR_21 + 60 * DAY):
        tm.seen(chat, when + MINUTE)
        when += WEEK
        tm.at(when)
    checkins = [i for i in tm.proactive("demo-20-9m") if i.purpose == "checkin"]
    assert len(checkins) == 4  # 23 Nov, 21 Dec, 18 Jan, 15 Feb: the next would be after 21
    assert all(i.not_before < at_london(AMIR_21, 0) for i in checkins)


# -- 2. "Not good" ----------------------------------------------------------------------------


@pytest.mark.slow
def test_not_good_escalates_to_the_pa_and_asks_one_gentle_follow_up(
    tm, engine, staff, clock
) -> None:
    chat = Chat(engine, channel="telegram", sender_id="tg-jay").link("demo-19")
    clock.advance(MINUTE)
    tm.tick()
    [checkin] = tm.telegram.to("tg-jay")
    assert payloads(checkin) == CHECKIN_BUTTONS

    clock.advance(timedelta(hours=1))
    turn = chat.press("kit:not_good")
    assert turn.escalation is not None
    [esc] = tm.escalations(reason="checkin_not_good")
    assert esc.id == turn.escalation["id"]
    assert esc.young_person_id == tm.yp_id("demo-19") and esc.status == "open"
    assert esc.pa_id is not None and esc.urgency == "normal"
    reply = texts(turn)
    assert reply.startswith("I'm sorry things are hard right now.")
    assert "I've asked your PA, Sam Ortiz, to get back to you." in reply
    assert reply.count("tell me a bit more") == 1
    assert len(turn.messages) == 1
    plan = tm.plan("demo-19")
    assert (plan.checkin_answer, plan.checkin_answered_at) == ("not_good", clock.now())
    # The PA is told, without what Jay said.
    [note] = tm.outbox(purpose="escalation_new", escalation_id=esc.id)
    assert note.address == "sam.ortiz@example.org"

    clock.advance(MINUTE)
    said = "Money is really tight this month and I need help with the gas bill"
    turn = chat.say(said)
    assert texts(turn).startswith("Thanks for telling me. I've passed it on to Sam Ortiz.")
    assert tm.escalations(reason="checkin_not_good")[0].excerpt == said
    # Only the one follow-up: the next message is an ordinary one again.
    turn = chat.say("hello")
    assert not texts(turn).startswith("Thanks for telling me")
    assert tm.escalations(reason="checkin_not_good")[0].excerpt == said
    # Answered: no reminder, no lost contact.
    tm.at(T0 + 11 * DAY)
    assert purposes(tm.telegram.to("tg-jay")) == ["checkin"]
    assert tm.escalations(reason="lost_contact") == []


# -- 3. silence --------------------------------------------------------------------------------


def test_silence_gets_a_reminder_then_becomes_lost_contact_once(tm, staff) -> None:
    chat = tm.link("demo-19")
    tm.tick()
    assert purposes(tm.telegram.to(chat)) == ["checkin"]
    tm.at(T0 + 3 * DAY - MINUTE)
    assert purposes(tm.telegram.to(chat)) == ["checkin"]
    reminded = T0 + 3 * DAY
    tm.at(reminded)
    assert purposes(tm.telegram.to(chat)) == ["checkin", "checkin_reminder"]
    reminder = tm.telegram.to(chat)[-1]
    assert reminder.body == "Hi Jay, it's the leaving care team bot again. How are things?"
    assert payloads(reminder) == CHECKIN_BUTTONS
    assert tm.plan("demo-19").checkin_reminded_at == reminded

    tm.at(reminded + 7 * DAY - MINUTE)
    assert tm.escalations(reason="lost_contact") == []
    tm.at(reminded + 7 * DAY)
    [lost] = tm.escalations(reason="lost_contact")
    assert lost.young_person_id == tm.yp_id("demo-19") and lost.pa_id is not None
    assert lost.created_at == reminded + 7 * DAY and lost.status == "open"
    assert tm.plan("demo-19").lost_contact_at == reminded + 7 * DAY
    assert [o.address for o in tm.outbox(escalation_id=lost.id)] == ["sam.ortiz@example.org"]
    with tm.sessions() as session:
        opened = session.execute(
            select(AuditEvent).where(AuditEvent.action == "escalation_opened")
        ).scalars()
        assert [a.detail["reason"] for a in opened] == ["lost_contact"]
    # Once only, however often the job runs.
    for when in (reminded + 7 * DAY, reminded + 7 * DAY + timedelta(hours=1), reminded + 8 * DAY):
        tm.at(when)
    assert len(tm.escalations(reason="lost_contact")) == 1
    # Not a message to the young person either.
    assert purposes(tm.telegram.to(chat)) == ["checkin", "checkin_reminder"]


def test_silence_becomes_lost_contact_with_weekly_check_ins_too(tm) -> None:
    """The dashboard lets a PA choose 1 to 26 weeks. Weekly: the next check-in (day 7)
    would come before lost contact (day 3 + 7 = day 10) and must not cancel it, so in
    silence the next check-in waits until lost contact has been declared (day 10)."""
    chat = tm.link("demo-19")
    tm.update_plan("demo-19", checkin_every_weeks=1)
    tm.every(T0, T0 + 8 * WEEK, DAY)
    # About every 10 days in silence (each waits for the one before to run its course).
    assert 6 <= purposes(tm.telegram.to(chat)).count("checkin") <= 8
    assert len(tm.escalations(reason="lost_contact")) == 1, "eight weeks of silence"


def test_any_message_after_the_check_in_counts_as_an_answer(tm) -> None:
    chat = tm.link("demo-19")
    tm.tick()
    tm.seen(chat, T0 + timedelta(hours=5))  # what the engine does on any message from them
    for when in (T0 + 3 * DAY, T0 + 10 * DAY, T0 + 20 * DAY):
        tm.at(when)
    assert purposes(tm.telegram.to(chat)) == ["checkin"]
    assert tm.escalations(reason="lost_contact") == []


def test_a_message_on_another_chat_counts_too(tm) -> None:
    chat = tm.link("demo-19")
    web = tm.link("demo-19", channel="web", external_id="web-jay")
    tm.tick()
    tm.seen(web, T0 + timedelta(hours=5))
    tm.at(T0 + 3 * DAY)
    assert purposes(tm.telegram.to(chat)) == ["checkin"]


def test_a_message_before_the_check_in_is_not_an_answer(tm) -> None:
    chat = tm.link("demo-19", last_seen_at=T0 - MINUTE)
    tm.tick()
    tm.at(T0 + 3 * DAY)
    assert purposes(tm.telegram.to(chat)) == ["checkin", "checkin_reminder"]


@pytest.mark.slow
def test_writing_anything_after_a_check_in_means_no_reminder(tm, engine, clock) -> None:
    chat = Chat(engine, channel="telegram", sender_id="tg-jay").link("demo-19")
    clock.advance(MINUTE)
    tm.tick()
    clock.advance(timedelta(hours=3))
    chat.say("can I get council tax paid")
    tm.at(T0 + 3 * DAY + MINUTE)
    tm.at(T0 + 12 * DAY)
    assert purposes(tm.telegram.to("tg-jay")) == ["checkin"]
    assert tm.escalations(reason="lost_contact") == []


# -- 4. the conversation before 21 -------------------------------------------------------------


OPTIN_PROMPT = (
    "You turn 21 on Sunday 21 February.\n"
    "Your PA can keep helping you until you're 25, if you want.\n"
    "It's your choice, and you can change your mind later."
)
OPTIN_REMINDER = (
    "Hi Amir, you turn 21 on Sunday 21 February.\n"
    "Do you want your PA to keep helping you until you're 25?"
)


def optin_deliveries(tm: TimeMachine, address: str) -> list:
    return [d for d in tm.telegram.to(address) if d.purpose.startswith("optin")]


def test_the_20_and_9_months_young_person_gets_the_optin_prompt(tm) -> None:
    chat = tm.link("demo-20-9m")
    tm.tick()
    [prompt] = optin_deliveries(tm, chat)
    assert prompt.purpose == "optin_prompt"
    assert prompt.body == OPTIN_PROMPT
    assert payloads(prompt) == OPTIN_BUTTONS
    assert tm.plan("demo-20-9m").optin_prompted_at == T0
    # A check-in too (they are 20), but the prompt only once.
    assert "checkin" in purposes(tm.telegram.to(chat))
    tm.at(T0 + DAY)
    assert len(optin_deliveries(tm, chat)) == 1


def test_silence_gets_one_optin_reminder_before_the_birthday_and_nothing_after(tm) -> None:
    chat = tm.link("demo-20-9m")
    tm.tick()
    tm.at(AMIR_REMINDER - MINUTE)
    assert purposes(optin_deliveries(tm, chat)) == ["optin_prompt"]
    tm.at(AMIR_REMINDER)
    assert purposes(optin_deliveries(tm, chat)) == ["optin_prompt", "optin_reminder"]
    reminder = optin_deliveries(tm, chat)[-1]
    assert reminder.body == OPTIN_REMINDER
    assert payloads(reminder) == OPTIN_BUTTONS
    tm.every(AMIR_REMINDER + DAY, at_london(AMIR_21 - DAY), DAY)
    assert len(optin_deliveries(tm, chat)) == 2
    # From the 21st birthday: nothing at all (no check-ins, no opt-in, no birthday message).
    tm.telegram.clear()
    tm.every(at_london(AMIR_21, 0, 1), at_london(AMIR_21 + 400 * DAY), 2 * WEEK)
    tm.at(at_london(AMIR_21, 10))
    assert tm.telegram.to(chat) == []
    assert [kind for kind, _at, _ch in tm.schedule("demo-20-9m")] == ["closing"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("answer", "status", "reply"),
    [
        ("yes", "opted_in", "Great. Sam Ortiz will keep helping you after you turn 21."),
        ("no", "opted_out", "OK. You can change your mind any time until you're 25."),
        ("not_sure", "active", "That's fine. I'll ask again nearer your birthday."),
    ],
)
def test_each_optin_answer_is_recorded_and_the_pa_told(
    tm, engine, staff, clock, answer, status, reply
) -> None:
    chat = Chat(engine, channel="telegram", sender_id="tg-amir").link("demo-20-9m")
    clock.advance(MINUTE)
    tm.tick()
    [prompt] = optin_deliveries(tm, "tg-amir")
    assert prompt.body == OPTIN_PROMPT

    clock.advance(timedelta(hours=2))
    answered_at = clock.now()
    turn = chat.press(f"optin:{answer}")
    assert texts(turn).startswith(reply)
    plan = tm.plan("demo-20-9m")
    assert (plan.optin_answer, plan.optin_answered_at) == (answer, answered_at)
    amir = tm.young_person("demo-20-9m")
    assert amir.support_status == status
    [audit] = tm.audit("optin_answered")
    assert audit.at == answered_at and audit.detail["answer"] == answer
    assert audit.subject_id == str(amir.id)
    [told] = tm.outbox(purpose="optin_answer")
    assert told.channel == "email" and told.address == "sam.ortiz@example.org"
    assert told.staff_id == staff["sam.ortiz@example.org"]
    assert told.young_person_id == amir.id and told.status == "pending"

    # Only "not sure" gets the reminder, once, 14 days before the birthday.
    tm.at(AMIR_REMINDER - MINUTE)
    tm.at(AMIR_REMINDER)
    tm.every(AMIR_REMINDER + DAY, at_london(AMIR_21 - DAY), 2 * DAY)
    expected = ["optin_prompt", "optin_reminder"] if answer == "not_sure" else ["optin_prompt"]
    assert purposes(optin_deliveries(tm, "tg-amir")) == expected

    # After 21: no opt-in messages; those who said no get a birthday reminder on the day.
    tm.telegram.clear()
    tm.at(at_london(AMIR_21, 10))
    tm.every(at_london(AMIR_21 + DAY), at_london(AMIR_21 + 300 * DAY), 3 * WEEK)
    got = purposes(tm.telegram.to("tg-amir"))
    assert got == (["birthday_reminder"] if answer == "no" else [])


# -- 5. birthdays after "no", and the end at 25 --------------------------------------------------


def test_opted_out_gets_a_birthday_reminder_each_year_then_the_closing_message(tm) -> None:
    chat = tm.link("demo-22")
    tm.tick()
    assert tm.telegram.to(chat) == []  # 22: no check-ins
    dan_23 = london(2027, 6, 26, 10)  # 09:00 UTC (BST)
    assert dan_23 == datetime(2027, 6, 26, 9, 0, tzinfo=timezone.utc)
    assert tm.schedule("demo-22")[:2] == [
        ("birthday_reminder", dan_23, "telegram"),
        ("closing", london(2029, 6, 26, 10), "telegram"),
    ]
    tm.every(T0 + WEEK, dan_23 - DAY, 4 * WEEK)
    tm.at(dan_23 - MINUTE)
    assert tm.telegram.to(chat) == []
    tm.at(dan_23)
    [birthday] = tm.telegram.to(chat)
    assert birthday.purpose == "birthday_reminder"
    assert birthday.body == (
        "Happy birthday, Dan.\n"
        "You can still ask for a PA to help you until you're 25. Just tap below."
    )
    assert payloads(birthday) == ["optin:yes", "menu:"]
    assert tm.plan("demo-22").birthday_reminder_year == 2027
    for when in (dan_23 + MINUTE, dan_23 + DAY, dan_23 + 6 * DAY, dan_23 + 30 * DAY):
        tm.at(when)
    assert purposes(tm.telegram.to(chat)) == ["birthday_reminder"]

    dan_24 = london(2028, 6, 26, 10)
    tm.at(dan_24 - MINUTE)
    assert len(tm.telegram.to(chat)) == 1
    tm.at(dan_24)
    assert purposes(tm.telegram.to(chat)) == ["birthday_reminder"] * 2

    dan_25 = london(2029, 6, 26, 10)
    tm.at(dan_25 - MINUTE)
    assert len(tm.telegram.to(chat)) == 2
    tm.at(dan_25)
    assert purposes(tm.telegram.to(chat)) == ["birthday_reminder"] * 2 + ["closing"]
    closing = tm.telegram.to(chat)[-1]
    assert closing.body.startswith(
        "Hi Dan. You are 25 now, so your support from the leaving care team comes to an end."
    )
    assert "call Plymouth leaving care team on 01632 960100" in closing.body
    assert "116 123" in closing.body
    assert tm.young_person("demo-22").support_status == "ended"
    assert tm.plan("demo-22").closed_at == dan_25
    for when in (dan_25 + DAY, dan_25 + 40 * WEEK, london(2030, 6, 26, 10)):
        tm.at(when)
    assert len(tm.telegram.to(chat)) == 3
    assert tm.schedule("demo-22") == []
    assert tm.schedule("demo-22", at=london(2031, 1, 1, 10)) == []


def test_everyone_gets_the_closing_message_once_at_25(tm) -> None:
    refs = [
        "demo-16",
        "demo-17",
        "demo-18",
        "demo-19",
        "demo-20",
        "demo-20-9m",
        "demo-21",
        "demo-22",
        "demo-24",
        "demo-cambs-19",
        "demo-cheshire-19",
    ]
    chats = {ref: tm.link(ref) for ref in refs}
    tm.tick()
    people = {ref: tm.young_person(ref) for ref in refs}
    at_25 = sorted(
        (at_london(planner.birthday(yp.date_of_birth, 25), 10), ref) for ref, yp in people.items()
    )
    for when in sorted({when for when, _ref in at_25}):
        due = [ref for at, ref in at_25 if at == when]
        tm.at(when - MINUTE)
        for ref in due:
            assert "closing" not in purposes(tm.telegram.to(chats[ref])), ref
        tm.at(when)
        for ref in due:
            closing = [d for d in tm.telegram.to(chats[ref]) if d.purpose == "closing"]
            assert len(closing) == 1, ref
            assert closing[0].body.startswith(f"Hi {people[ref].preferred_name}. You are 25 now")
            assert tm.young_person(ref).support_status == "ended"
    last = at_25[-1][0]
    tm.telegram.clear()
    for when in (last + DAY, last + 60 * WEEK):
        tm.at(when)
    assert tm.telegram.deliveries == []
    for ref in refs:
        assert len(tm.outbox(young_person_id=people[ref].id, purpose="closing")) == 1
        assert tm.schedule(ref) == []


# -- 6. quiet hours -----------------------------------------------------------------------------


def test_a_message_due_at_23_00_goes_at_09_00_next_morning(tm, clock) -> None:
    late = london(2026, 11, 23, 23)
    tm.add_young_person("late-19", "Robin", date(2007, 7, 26), created_at=late)
    chat = tm.link("late-19", last_seen_at=late - DAY)
    tm.at(late)
    assert tm.proactive("late-19") == []
    morning = london(2026, 11, 24, 9)
    assert tm.schedule("late-19")[0][:2] == ("checkin", morning)
    for when in (late + timedelta(hours=2), morning - MINUTE):
        tm.at(when)
    assert tm.telegram.to(chat) == []
    tm.at(morning)
    [sent] = tm.telegram.to(chat)
    assert sent.purpose == "checkin"
    [item] = tm.proactive("late-19")
    assert item.not_before == morning and item.sent_at == morning


def test_a_due_message_picked_up_at_night_still_waits_for_the_morning(tm, clock) -> None:
    """Jay's first check-in fell due at 10:00, but the chat was only linked at 22:00 (or
    the scheduler was down all day): it must wait for 09:00, not go at 22:00."""
    tm.link("demo-19")
    evening = london(2026, 11, 23, 22)
    tm.at(evening)
    items = tm.proactive("demo-19")
    assert [i.purpose for i in items] in ([], ["checkin"])
    assert tm.telegram.deliveries == [], "a check-in was sent at 22:00, in quiet hours"
    morning = london(2026, 11, 24, 9)
    for item in items:
        assert item.not_before == morning
    tm.at(morning - MINUTE)
    assert tm.telegram.deliveries == []
    tm.at(morning)
    assert purposes(tm.telegram.deliveries) == ["checkin"]


def test_quiet_hours_hold_across_the_spring_clock_change(tm, clock) -> None:
    saturday = datetime(2027, 3, 27, 22, 30, tzinfo=timezone.utc)  # 22:30 GMT
    tm.add_young_person("spring-19", "Robin", date(2008, 1, 10), created_at=saturday)
    clock.set(saturday)
    chat = tm.link("spring-19")
    tm.tick()
    assert tm.proactive("spring-19") == []
    sunday_9_bst = datetime(2027, 3, 28, 8, 0, tzinfo=timezone.utc)
    assert tm.schedule("spring-19")[0][:2] == ("checkin", sunday_9_bst)
    tm.at(sunday_9_bst - MINUTE)  # 08:59 BST
    assert tm.telegram.to(chat) == []
    tm.at(sunday_9_bst)
    assert purposes(tm.telegram.to(chat)) == ["checkin"]
    assert tm.proactive("spring-19")[0].not_before == sunday_9_bst


def test_quiet_hours_hold_across_the_autumn_clock_change(tm, clock) -> None:
    saturday = datetime(2026, 10, 24, 21, 30, tzinfo=timezone.utc)  # 22:30 BST
    tm.add_young_person("autumn-19", "Robin", date(2007, 1, 10), created_at=saturday)
    clock.set(saturday)
    chat = tm.link("autumn-19")
    tm.tick()
    sunday_9_gmt = datetime(2026, 10, 25, 9, 0, tzinfo=timezone.utc)
    assert tm.schedule("autumn-19")[0][:2] == ("checkin", sunday_9_gmt)
    tm.at(datetime(2026, 10, 25, 8, 30, tzinfo=timezone.utc))  # 08:30 GMT (09:30 BST!)
    assert tm.telegram.to(chat) == []
    tm.at(sunday_9_gmt)
    assert purposes(tm.telegram.to(chat)) == ["checkin"]


def test_quiet_hours_come_from_the_council(tm, clock) -> None:
    with tm.sessions.begin() as session:
        council = session.get(Council, "plymouth")
        council.quiet_start = datetime(2000, 1, 1, 9, 30).time()
        council.quiet_end = datetime(2000, 1, 1, 11).time()
    chat = tm.link("demo-19")
    tm.tick()  # 10:00: quiet for Plymouth today
    assert tm.telegram.to(chat) == []
    tm.at(london(2026, 11, 23, 11))
    assert purposes(tm.telegram.to(chat)) == ["checkin"]


@pytest.mark.slow
def test_safety_replies_ignore_quiet_hours(tm, engine, staff, clock) -> None:
    chat = Chat(engine, channel="telegram", sender_id="tg-jay").link("demo-19")
    night = london(2026, 11, 23, 23)
    clock.set(night)
    turn = chat.say("i want to kill myself")
    assert turn.safety == "suicide_self_harm"
    assert "call 999 now" in turn.messages[0].text.split("\n")[1]
    [esc] = tm.escalations(reason="suicide_self_harm")
    told = tm.outbox(escalation_id=esc.id)
    assert told and all(item.not_before == night for item in told)  # PA and duty: now too


# -- 7. 16-17 ---------------------------------------------------------------------------------


def test_16_and_17_year_olds_get_nothing_automatic_until_18(tm) -> None:
    chats = {ref: tm.link(ref) for ref in ("demo-16", "demo-17", "demo-19")}
    turns_18 = {
        ref: at_london(planner.birthday(tm.young_person(ref).date_of_birth, 18), 10)
        for ref in ("demo-16", "demo-17")
    }
    assert turns_18["demo-17"] == london(2027, 5, 7, 10)
    assert turns_18["demo-16"] == london(2028, 10, 14, 10)
    stops = {T0 + n * 3 * WEEK for n in range(0, 34)}
    for when in turns_18.values():
        stops |= {when - DAY, when - MINUTE, when}
    for when in sorted(s for s in stops if s <= turns_18["demo-16"]):
        for ref, turns in turns_18.items():
            if when < turns - timedelta(hours=10):  # before the birthday: nothing planned
                assert tm.schedule(ref, at=when) == [], (ref, when)
            elif when < turns:  # on the morning of it: the first check-in, at 10:00
                assert tm.schedule(ref, at=when)[0][:2] == ("checkin", turns)
        tm.at(when)
        for ref, turns in turns_18.items():
            if when < turns:
                assert tm.proactive(ref) == [], (ref, when)
    for ref, turns in turns_18.items():
        items = tm.proactive(ref)
        assert items, f"{ref} got nothing even at 18"
        assert all(i.created_at >= turns for i in items), ref
        assert (items[0].purpose, items[0].not_before) == ("checkin", turns)
        early = [d for d in tm.telegram.to(chats[ref]) if d.id < items[0].id]
        assert early == []
    assert "checkin" in purposes(tm.telegram.to(chats["demo-19"]))  # the job did run


# -- 8. stop ------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("word", ["stop", "/stop", "توقف"])
def test_after_stop_nothing_proactive_is_queued_or_sent(tm, engine, clock, word) -> None:
    chat = Chat(engine, channel="telegram", sender_id="tg-jay").link("demo-19")
    clock.advance(MINUTE)
    tm.run_job()  # a check-in is queued, not yet sent
    [queued] = tm.proactive("demo-19")
    assert queued.status == "pending"

    clock.advance(MINUTE)
    stopped_at = clock.now()
    turn = chat.say(word)
    assert turn.intent == "data_delete"
    assert "I won't send you messages unless you write to me first." in texts(turn)
    assert "To get my messages again, tap below." in texts(turn)
    assert "kit:restart" in buttons(turn)
    [cancelled] = tm.proactive("demo-19")
    assert cancelled.status == "cancelled"
    assert tm.plan("demo-19").stopped_at == stopped_at
    [audit] = tm.audit("stop_requested")
    assert audit.at == stopped_at and audit.subject_id == str(tm.yp_id("demo-19"))

    for when in (
        T0 + 3 * DAY,
        T0 + 10 * DAY,
        T0 + 4 * WEEK,
        T0 + 12 * WEEK,
        T0 + 26 * WEEK,
    ):
        tm.at(when)
    assert tm.telegram.to("tg-jay") == []
    assert [i.status for i in tm.proactive("demo-19")] == ["cancelled"]
    assert tm.escalations(reason="lost_contact") == []
    assert tm.schedule("demo-19") == []

    turn = chat.press("kit:restart")
    assert texts(turn).startswith("OK, I'll send you messages again.")
    assert tm.plan("demo-19").stopped_at is None
    assert len(tm.audit("proactive_restarted")) == 1
    tm.tick()
    assert purposes(tm.telegram.to("tg-jay")) == ["checkin"]


# -- 9. delete my data -------------------------------------------------------------------------


def _every_text(tm: TimeMachine) -> list[str]:
    """Every piece of message text in the database, wherever it is kept."""
    found: list[str] = []
    with tm.sessions() as session:
        found += [m.text or "" for m in session.execute(select(Message)).scalars()]
        for item in session.execute(select(OutboxItem)).scalars():
            found.append(item.body or "")
            found += [str(p) for p in item.template_params or []]
            found.append(item.subject or "")
        found += [e.excerpt or "" for e in session.execute(select(Escalation)).scalars()]
        found += [str(a.detail) for a in session.execute(select(AuditEvent)).scalars()]
    return found


@pytest.mark.slow
def test_after_a_confirmed_delete_no_message_text_of_theirs_remains(
    tm, engine, staff, clock
) -> None:
    chat = Chat(engine, channel="telegram", sender_id="tg-jay").link("demo-19")
    web = Chat(engine, channel="web", sender_id="web-jay").link("demo-19")
    theirs = [
        "can I get council tax paid",
        "Money is really tight this month and I need help with the gas bill",
        "hello from my laptop browser",
        "i want to talk to my pa please",
    ]
    clock.advance(MINUTE)
    chat.say(theirs[0])
    tm.tick()  # the check-in
    chat.press("kit:not_good")
    chat.say(theirs[1])  # kept on the escalation for the PA
    web.say(theirs[2])
    chat.say(theirs[3])
    found = "\n".join(_every_text(tm))
    assert all(text in found for text in theirs), "the test should start with their texts stored"
    assert tm.escalations(reason="checkin_not_good")[0].excerpt == theirs[1]

    turn = chat.say("delete my data")
    reply = texts(turn)
    assert "I can delete your messages with me, the bot." in reply
    assert "The council must keep its own records about you (your case records)." in reply
    assert buttons(turn) == ["privacy:delete_yes", "privacy:delete_no"]
    theirs.append("delete my data")

    clock.advance(MINUTE)
    turn = chat.press("privacy:delete_yes")
    assert texts(turn) == "Done. I've deleted your messages with me. Your PA has been told."
    found = _every_text(tm)
    for text in theirs:
        assert not [f for f in found if text.casefold() in f.casefold()], text
    jay = tm.yp_id("demo-19")
    with tm.sessions() as session:
        identities = list(
            session.execute(
                select(ChannelIdentity.id).where(ChannelIdentity.young_person_id == jay)
            ).scalars()
        )
        inbound = session.execute(
            select(Message).where(
                Message.direction == "in",
                (Message.young_person_id == jay) | Message.identity_id.in_(identities),
            )
        ).all()
        assert inbound == []
        # The escalations stay (who, why, when: the council's record of contact).
        assert {e.reason for e in session.execute(select(Escalation)).scalars()} >= {
            "checkin_not_good",
            "asked_for_pa",
        }
    [told] = tm.outbox(purpose="conversation_deleted")
    assert told.address == "sam.ortiz@example.org" and told.young_person_id == jay
    [audit] = tm.audit("conversation_deleted")
    assert audit.subject_id == str(jay) and audit.detail["chats"] == 2
    assert audit.detail["messages_deleted"] > 0


@pytest.mark.slow
def test_saying_no_to_delete_deletes_nothing(tm, engine, staff, clock) -> None:
    chat = Chat(engine, channel="telegram", sender_id="tg-jay").link("demo-19")
    chat.say("can I get council tax paid")
    chat.say("delete my data")
    with tm.sessions() as session:
        before = session.execute(select(Message.id)).scalars().all()
    turn = chat.press("privacy:delete_no")
    assert texts(turn).startswith("OK, I've kept them.")
    with tm.sessions() as session:
        after = session.execute(select(Message.id)).scalars().all()
        assert set(before) <= set(after)
        assert "can I get council tax paid" in session.execute(select(Message.text)).scalars().all()
    assert tm.outbox(purpose="conversation_deleted") == []
    assert tm.audit("conversation_deleted") == []


# -- 10. WhatsApp's 24-hour window -------------------------------------------------------------


def _templates(tm: TimeMachine, templates: dict) -> None:
    with tm.sessions.begin() as session:
        session.get(Council, "plymouth").whatsapp_templates = templates


def test_check_ins_are_in_the_chats_language(tm) -> None:
    tm.link("demo-19")
    with tm.sessions.begin() as session:
        session.execute(select(ChannelIdentity)).scalar_one().language = "ar"
    tm.tick()
    [sent] = tm.telegram.deliveries
    assert sent.body == "مرحبًا Jay، هذا بوت فريق رعاية الخارجين من الرعاية. كيف حالك؟"
    assert payloads(sent) == CHECKIN_BUTTONS


def test_whatsapp_outside_24_hours_uses_the_councils_template(tm) -> None:
    _templates(tm, {"checkin": "kit_checkin_v1"})
    tm.link(
        "demo-19",
        channel="whatsapp",
        external_id="447700900019",
        last_seen_at=T0 - 25 * 60 * MINUTE,
    )
    tm.run_job()
    [item] = tm.proactive("demo-19")
    assert (item.channel, item.address, item.status) == ("whatsapp", "447700900019", "pending")
    assert item.template == "kit_checkin_v1"
    assert item.template_params == ["Jay"]


def test_whatsapp_within_24_hours_is_free_text(tm) -> None:
    _templates(tm, {"checkin": "kit_checkin_v1"})
    tm.link(
        "demo-19",
        channel="whatsapp",
        external_id="447700900019",
        last_seen_at=T0 - 23 * 60 * MINUTE,
    )
    tm.tick()
    [item] = tm.proactive("demo-19")
    assert item.template is None and item.template_params == []
    assert item.status == "sent"
    [sent] = tm.whatsapp.deliveries
    assert sent.body == "Hi Jay, it's the leaving care team bot. How are things?"


def test_whatsapp_outside_24_hours_with_no_template_fails_and_says_why(tm) -> None:
    tm.link("demo-19", channel="whatsapp", external_id="447700900019", last_seen_at=T0 - 2 * DAY)
    tm.tick()
    [item] = tm.proactive("demo-19")
    assert item.status == "failed"
    assert item.error == "no approved WhatsApp template for checkin"
    assert tm.whatsapp.deliveries == []


def test_a_whatsapp_sender_is_told_the_template_to_use(tm) -> None:
    """Outside the window only the approved template may go; the sender must be told which
    (and its parameters), or it can only send the free-text body."""
    _templates(tm, {"checkin": "kit_checkin_v1"})
    tm.link("demo-19", channel="whatsapp", external_id="447700900019", last_seen_at=T0 - 2 * DAY)
    tm.tick()
    [delivery] = tm.whatsapp.deliveries
    assert getattr(delivery, "template", None) == "kit_checkin_v1"
    assert list(getattr(delivery, "template_params", ())) == ["Jay"]


def test_the_most_recently_used_chat_that_can_push_is_used(tm) -> None:
    tm.link("demo-19", channel="whatsapp", external_id="447700900019", last_seen_at=T0 - 2 * DAY)
    tm.link("demo-19", channel="telegram", external_id="tg-jay", last_seen_at=T0 - 3 * DAY)
    tm.link("demo-19", channel="web", external_id="web-jay", last_seen_at=T0 - 60 * MINUTE)
    _templates(tm, {"checkin": "kit_checkin_v1"})
    tm.tick()
    [item] = tm.proactive("demo-19")
    assert item.channel == "whatsapp"


# -- 11. exactly once --------------------------------------------------------------------------


def test_running_the_job_twice_queues_each_message_once(tm) -> None:
    for ref in ("demo-19", "demo-20-9m", "demo-18"):
        tm.link(ref)
    first = tm.run_job()
    keys = sorted(i.dedupe_key for i in tm.outbox())
    assert first.queued == len(keys) == 4  # three check-ins and Amir's opt-in prompt
    second = tm.run_job()
    assert second.queued == 0
    assert sorted(i.dedupe_key for i in tm.outbox()) == keys
    tm.dispatch()
    tm.dispatch()
    assert len(tm.telegram.deliveries) == 4
    assert len({d.id for d in tm.telegram.deliveries}) == 4


@pytest.mark.parametrize("plans", ["new", "existing"])
def test_running_the_job_twice_at_the_same_time_queues_each_message_once(
    tm, plans, monkeypatch
) -> None:
    """Two schedulers (or a restart overlapping the old process) at the same moment. With
    "new", nobody has a contact plan yet, as on the first run after going live."""
    for ref in ("demo-19", "demo-20-9m", "demo-18", "demo-cambs-19", "demo-cheshire-19"):
        tm.link(ref)
        if plans == "existing":
            tm.update_plan(ref)
    barrier = threading.Barrier(2)
    real = jobs._run_batch
    errors: list[str] = []

    def together(*args, **kwargs):
        barrier.wait(timeout=10)  # both have read the batch before either writes
        return real(*args, **kwargs)

    def run() -> None:
        try:
            tm.run_job()
        except BaseException:
            errors.append(traceback.format_exc())

    monkeypatch.setattr(jobs, "_run_batch", together)
    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    monkeypatch.undo()
    assert errors == [], "a job run failed:\n" + "\n".join(errors)
    items = tm.outbox()
    assert len(items) == 6  # five check-ins and one opt-in prompt
    assert len({i.dedupe_key for i in items}) == 6
    tm.dispatch()
    assert len(tm.telegram.deliveries) == 6


def test_schedule_lists_what_will_be_sent_to_whom_and_when(tm) -> None:
    tm.link("demo-19")
    with tm.sessions() as session:
        rows = jobs.schedule(session, T0, ref="demo-19")
        listed = [(e.kind, e.due_at, yp.ref, i.channel if i else None) for e, yp, i in rows]
    assert listed == [
        ("checkin", T0, "demo-19", "telegram"),
        ("optin_prompt", london(2028, 7, 26, 10) - timedelta(days=91), "demo-19", "telegram"),
        ("closing", london(2032, 7, 26, 10), "demo-19", "telegram"),
    ]
    tm.tick()
    assert tm.schedule("demo-19")[0][:2] == ("checkin_reminder", T0 + 3 * DAY)
    # Everyone, soonest first, unlinked people too (with no chat).
    everyone = tm.schedule()
    assert [at for _k, at, _c in everyone] == sorted(at for _k, at, _c in everyone)
    with tm.sessions() as session:
        refs = {yp.ref for _e, yp, _i in jobs.schedule(session, T0)}
        assert "demo-16" not in refs and "demo-17" not in refs
        assert {"demo-18", "demo-22", "demo-24"} <= refs
        limited = jobs.schedule(session, T0, limit=2)
        assert len(limited) == 2


# -- 12. carebot schedule show -----------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch, database_url, tmp_path) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CAREBOT_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("bot.logsafe.configure_logging", lambda level="INFO": None)


def test_schedule_show_prints_the_planned_check_in(tm, cli_env, capsys) -> None:
    tm.link("demo-19")
    code = cli.main(["schedule", "show", "--as", "demo-19", "--at", "2026-11-23T10:00"])
    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "as at Mon 23 Nov 2026 10:00 (London)"
    assert any(
        line.split()
        == ["Mon", "23", "Nov", "2026", "10:00", "demo-19", "checkin", "telegram", "due"]
        for line in lines
    ), out
    assert all("demo-19" in line for line in lines[1:])

    # Once queued and sent, the next one is planned four weeks on.
    tm.tick()
    code = cli.main(["schedule", "show", "--as", "demo-19", "--at", "2026-11-23T10:05"])
    out = capsys.readouterr().out
    assert code == 0
    assert "checkin_reminder" in out
    assert any(
        line.split()[:8] == ["Mon", "21", "Dec", "2026", "10:00", "demo-19", "checkin", "telegram"]
        for line in out.splitlines()
    ), out


def test_schedule_show_json_and_unknown_ref(tm, cli_env, capsys) -> None:

    code = cli.main(["schedule", "show", "--as", "demo-19", "--at", "2026-11-23T10:00", "--json"])
    rows = json.loads(capsys.readouterr().out)
    assert code == 0
    assert rows[0] == {
        "when": "2026-11-23T10:00:00+00:00",
        "ref": "demo-19",
        "what": "checkin",
        "channel": None,
        "state": "due",
    }
    code = cli.main(["schedule", "show", "--as", "nobody-here"])
    captured = capsys.readouterr()
    assert code == 2
    assert "no young person 'nobody-here'" in captured.err


# -- odds and ends --------------------------------------------------------------------------------


def test_unreachable_young_people_are_not_marked_as_contacted(tm) -> None:
    counts = tm.run_job()
    assert counts.queued == 0 and counts.unreachable > 0
    assert tm.outbox() == []
    with tm.sessions() as session:
        assert session.execute(select(ContactPlan)).scalars().all() == []
    # Linked later: the first check-in goes then.
    tm.link("demo-19")
    tm.at(T0 + DAY)
    assert purposes(tm.telegram.deliveries) == ["checkin"]


def test_changing_a_date_of_birth_reschedules(tm) -> None:
    tm.link("demo-19")
    with tm.sessions.begin() as session:
        jay = session.execute(select(YoungPerson).where(YoungPerson.ref == "demo-19")).scalar_one()
        jay.date_of_birth = date(2009, 11, 30)  # actually 16: a data-entry mistake, fixed
    tm.tick()
    assert tm.proactive("demo-19") == []
    assert tm.schedule("demo-19") == []
