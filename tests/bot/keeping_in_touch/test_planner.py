"""The planner and quiet hours as pure functions: no database, records built in memory."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from bot.keeping_in_touch import planner
from bot.keeping_in_touch.planner import birthday, due_now, upcoming
from bot.keeping_in_touch.quiet_hours import is_quiet, next_allowed
from bot.models import ContactPlan, Council, YoungPerson
from tests.bot.keeping_in_touch.helpers import london

UTC = timezone.utc
LONG_AGO = datetime(2015, 1, 1, tzinfo=UTC)


def council(**overrides) -> Council:
    values = dict(
        id="plymouth",
        name="Plymouth City Council",
        timezone="Europe/London",
        checkin_every_weeks=4,
        checkin_reminder_days=3,
        lost_contact_days=7,
        optin_lead_days=91,
        optin_reminder_days_before=14,
        quiet_start=time(21),
        quiet_end=time(9),
        whatsapp_templates={},
    )
    values.update(overrides)
    return Council(**values)


def person(dob: date, *, status: str = "active", created_at: datetime = LONG_AGO) -> YoungPerson:
    return YoungPerson(
        id=7,
        ref="p",
        preferred_name="Pat",
        date_of_birth=dob,
        council_id="plymouth",
        support_status=status,
        circumstances=[],
        created_at=created_at,
    )


def plan(**values) -> ContactPlan:
    return ContactPlan(young_person_id=7, checkins_paused=False, **values)


def kinds(events) -> list[str]:
    return [e.kind for e in events]


def first(events, kind: str):
    matching = [e for e in events if e.kind == kind]
    assert matching, f"no {kind} in {kinds(events)}"
    return matching[0]


# -- birthdays ---------------------------------------------------------------------------------


def test_birthdays_of_someone_born_on_29_february() -> None:
    dob = date(2008, 2, 29)
    assert birthday(dob, 18) == date(2026, 3, 1)  # not a leap year: 1 March
    assert birthday(dob, 20) == date(2028, 2, 29)  # a leap year: the day itself
    assert birthday(dob, 21) == date(2029, 3, 1)
    assert birthday(dob, 25) == date(2033, 3, 1)
    assert birthday(date(2007, 7, 26), 21) == date(2028, 7, 26)


def test_a_29_february_baby_is_17_on_28_february_and_18_on_1_march() -> None:
    yp = person(date(2008, 2, 29))
    assert upcoming(yp, None, council(), london(2026, 2, 28, 23, 59), last_contact=None) == []
    events = upcoming(yp, None, council(), london(2026, 3, 1, 0, 1), last_contact=None)
    checkin = first(events, planner.CHECKIN)
    assert checkin.due_at == london(2026, 3, 1, 10)
    assert checkin.key == "checkin:7:2026-03-01"
    # The conversation before 21 counts back from 1 March 2029.
    assert first(events, planner.OPTIN_PROMPT).due_at == london(2029, 3, 1, 10) - timedelta(days=91)
    assert first(events, planner.CLOSING).due_at == london(2033, 3, 1, 10)


def test_29_february_birthday_reminders_fall_on_the_day_in_leap_years() -> None:
    yp = person(date(2004, 2, 29), status="opted_out")
    # 2027: not a leap year, so the 23rd birthday is 1 March.
    events = upcoming(yp, None, council(), london(2027, 2, 1, 12), last_contact=None)
    assert first(events, planner.BIRTHDAY_REMINDER).due_at == london(2027, 3, 1, 10)
    # 2028 is: the 24th birthday is 29 February.
    sent = plan(birthday_reminder_year=2027)
    events = upcoming(yp, sent, council(), london(2027, 3, 2, 12), last_contact=None)
    reminder = first(events, planner.BIRTHDAY_REMINDER)
    assert reminder.due_at == london(2028, 2, 29, 10)
    assert reminder.key == "birthday:7:2028"


# -- age boundaries -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dob", "expected"),
    [
        (date(2010, 11, 23), []),  # 16 today
        (date(2009, 11, 22), []),  # 17
        (date(2008, 11, 24), []),  # 18 tomorrow: nothing yet
        (date(2008, 11, 23), [planner.CHECKIN, planner.OPTIN_PROMPT, planner.CLOSING]),
    ],
)
def test_nothing_automatic_before_18(dob: date, expected: list[str]) -> None:
    now = london(2026, 11, 23, 12)
    assert sorted(kinds(upcoming(person(dob), None, council(), now, last_contact=None))) == sorted(
        expected
    )


def test_the_first_check_in_is_on_the_18th_birthday_at_10_london() -> None:
    yp = person(date(2009, 5, 7))  # 18 on Friday 7 May 2027 (BST)
    assert upcoming(yp, None, council(), london(2027, 5, 6, 23, 0), last_contact=None) == []
    events = upcoming(yp, None, council(), london(2027, 5, 7, 0, 1), last_contact=None)
    assert first(events, planner.CHECKIN).due_at == datetime(2027, 5, 7, 9, 0, tzinfo=UTC)


def test_the_first_check_in_waits_for_the_record_to_exist() -> None:
    created = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)
    yp = person(date(2007, 7, 26), created_at=created)
    events = upcoming(yp, None, council(), created, last_contact=None)
    assert first(events, planner.CHECKIN).due_at == created


def test_no_check_in_on_or_after_the_21st_birthday() -> None:
    yp = person(date(2006, 2, 21))  # 21 on 21 February 2027
    # The last check-in was on 31 January: the next would be 28 February, after 21.
    sent = plan(
        checkin_sent_at=london(2027, 1, 31, 10), checkin_answered_at=london(2027, 1, 31, 11)
    )
    events = upcoming(yp, sent, council(), london(2027, 2, 1, 12), last_contact=None)
    assert planner.CHECKIN not in kinds(events)
    # A check-in due the day before the birthday still goes.
    sent = plan(
        checkin_sent_at=london(2027, 1, 23, 10), checkin_answered_at=london(2027, 1, 23, 11)
    )
    events = upcoming(yp, sent, council(), london(2027, 2, 1, 12), last_contact=None)
    assert first(events, planner.CHECKIN).due_at == london(2027, 2, 20, 10)
    # At 21: no check-ins, whatever the answer about support.
    for status in ("active", "opted_in", "opted_out"):
        events = upcoming(
            person(date(2006, 2, 21), status=status),
            None,
            council(),
            london(2027, 2, 21, 12),
            last_contact=None,
        )
        assert planner.CHECKIN not in kinds(events)
        assert planner.OPTIN_PROMPT not in kinds(events)


def test_at_25_only_the_closing_message_and_after_it_nothing() -> None:
    yp = person(date(2001, 11, 23), status="opted_in")  # 25 on 23 November 2026
    assert kinds(upcoming(yp, None, council(), london(2026, 11, 22, 12), last_contact=None)) == [
        planner.CLOSING
    ]
    events = upcoming(yp, None, council(), london(2026, 11, 23, 12), last_contact=None)
    assert events == [planner.Planned(planner.CLOSING, london(2026, 11, 23, 10), "closing:7")]
    closed = plan(closed_at=london(2026, 11, 23, 10))
    assert upcoming(yp, closed, council(), london(2027, 1, 1, 12), last_contact=None) == []
    ended = person(date(2001, 11, 23), status="ended")
    assert upcoming(ended, None, council(), london(2027, 1, 1, 12), last_contact=None) == []


# -- cadence, reminders, lost contact -------------------------------------------------------------


def test_next_check_in_follows_the_council_cadence_or_the_pas() -> None:
    yp = person(date(2007, 7, 26))
    sent = london(2026, 11, 23, 10)
    now = sent + timedelta(hours=1)
    p = plan(checkin_sent_at=sent, checkin_answered_at=now)
    assert first(upcoming(yp, p, council(), now, last_contact=None), planner.CHECKIN).due_at == (
        sent + timedelta(weeks=4)
    )
    assert first(
        upcoming(yp, p, council(checkin_every_weeks=6), now, last_contact=None), planner.CHECKIN
    ).due_at == sent + timedelta(weeks=6)
    p.checkin_every_weeks = 2
    assert first(upcoming(yp, p, council(), now, last_contact=None), planner.CHECKIN).due_at == (
        sent + timedelta(weeks=2)
    )
    p.checkins_paused = True
    assert planner.CHECKIN not in kinds(upcoming(yp, p, council(), now, last_contact=None))


def test_reminder_then_lost_contact_with_configurable_days() -> None:
    yp = person(date(2007, 7, 26))
    sent = london(2026, 11, 23, 10)
    c = council(checkin_reminder_days=2, lost_contact_days=5)
    p = plan(checkin_sent_at=sent)
    reminder = first(upcoming(yp, p, c, sent, last_contact=None), planner.CHECKIN_REMINDER)
    assert reminder.due_at == sent + timedelta(days=2)
    p.checkin_reminded_at = reminder.due_at
    lost = first(upcoming(yp, p, c, reminder.due_at, last_contact=None), planner.LOST_CONTACT)
    assert lost.due_at == reminder.due_at + timedelta(days=5)
    p.lost_contact_at = lost.due_at
    events = upcoming(yp, p, c, lost.due_at, last_contact=None)
    assert planner.LOST_CONTACT not in kinds(events)
    assert planner.CHECKIN_REMINDER not in kinds(events)


def test_any_contact_after_the_check_in_is_an_answer() -> None:
    yp = person(date(2007, 7, 26))
    sent = london(2026, 11, 23, 10)
    p = plan(checkin_sent_at=sent)
    before = sent - timedelta(minutes=5)
    after = sent + timedelta(minutes=5)
    assert planner.CHECKIN_REMINDER in kinds(upcoming(yp, p, council(), sent, last_contact=before))
    assert planner.CHECKIN_REMINDER not in kinds(
        upcoming(yp, p, council(), sent, last_contact=after)
    )
    p.checkin_answered_at = after
    assert planner.CHECKIN_REMINDER not in kinds(
        upcoming(yp, p, council(), after, last_contact=None)
    )


def test_lost_contact_still_comes_with_a_weekly_cadence() -> None:
    """A PA may choose weekly check-ins (the dashboard allows 1 to 26 weeks). Silence must
    still become "lost contact": check-in, reminder 3 days later, escalation 7 days after
    that, even though the next check-in (7 days) comes before the escalation (10 days)."""
    yp = person(date(2007, 7, 26))
    p = plan(checkin_every_weeks=1)
    now = london(2026, 11, 23, 10)
    lost = None
    for _ in range(24 * 60):  # two months, hour by hour, doing what the job does
        for event in due_now(upcoming(yp, p, council(), now, last_contact=None), now):
            if event.kind == planner.CHECKIN:
                p.checkin_sent_at = now
            elif event.kind == planner.CHECKIN_REMINDER:
                p.checkin_reminded_at = now
            elif event.kind == planner.LOST_CONTACT:
                p.lost_contact_at = lost = now
        if lost:
            break
        now += timedelta(hours=1)
    assert lost is not None, "two months of silence and no lost-contact escalation"
    assert lost <= london(2026, 11, 23, 10) + timedelta(days=10, hours=1)


# -- the conversation before 21 -------------------------------------------------------------------


def test_optin_prompt_lead_days_are_configurable() -> None:
    yp = person(date(2006, 2, 21))  # 21 on Sunday 21 February 2027
    now = london(2026, 10, 1, 12)
    assert first(
        upcoming(yp, None, council(), now, last_contact=None), planner.OPTIN_PROMPT
    ).due_at == london(2026, 11, 22, 10)
    assert first(
        upcoming(yp, None, council(optin_lead_days=60), now, last_contact=None),
        planner.OPTIN_PROMPT,
    ).due_at == london(2026, 12, 23, 10)


def test_optin_reminder_before_the_birthday_only_for_not_sure_and_silence() -> None:
    yp = person(date(2006, 2, 21))
    prompted = london(2026, 11, 22, 10)
    now = london(2026, 11, 30, 12)
    for answer in (None, "not_sure"):
        p = plan(optin_prompted_at=prompted, optin_answer=answer)
        reminder = first(upcoming(yp, p, council(), now, last_contact=None), planner.OPTIN_REMINDER)
        assert reminder.due_at == london(2027, 2, 7, 10)
        assert reminder.key == "optin_reminder:7"
        p7 = plan(optin_prompted_at=prompted, optin_answer=answer)
        assert first(
            upcoming(yp, p7, council(optin_reminder_days_before=7), now, last_contact=None),
            planner.OPTIN_REMINDER,
        ).due_at == london(2027, 2, 14, 10)
    for answer in ("yes", "no"):
        p = plan(optin_prompted_at=prompted, optin_answer=answer)
        assert planner.OPTIN_REMINDER not in kinds(
            upcoming(yp, p, council(), now, last_contact=None)
        )
    reminded = plan(optin_prompted_at=prompted, optin_reminded_at=london(2027, 2, 7, 10))
    assert planner.OPTIN_REMINDER not in kinds(
        upcoming(yp, reminded, council(), now, last_contact=None)
    )


def test_optin_reminder_is_at_least_a_week_after_a_late_prompt_and_never_after_21() -> None:
    yp = person(date(2006, 2, 21))
    # Record made late: the prompt went 10 days before the birthday.
    prompted = london(2027, 2, 11, 10)
    p = plan(optin_prompted_at=prompted)
    reminder = first(
        upcoming(yp, p, council(), prompted, last_contact=None), planner.OPTIN_REMINDER
    )
    assert reminder.due_at == prompted + timedelta(days=7)
    # Prompted 3 days before: a reminder a week later would be after 21, so none.
    late = plan(optin_prompted_at=london(2027, 2, 18, 10))
    assert planner.OPTIN_REMINDER not in kinds(
        upcoming(yp, late, council(), london(2027, 2, 18, 10), last_contact=None)
    )


def test_said_no_gets_one_birthday_reminder_a_year_until_25() -> None:
    yp = person(date(2004, 6, 26), status="opted_out")
    p = plan()
    sent = []
    now = london(2026, 11, 23, 10)
    while now < london(2029, 12, 31, 10):
        for event in due_now(upcoming(yp, p, council(), now, last_contact=None), now):
            if event.kind == planner.BIRTHDAY_REMINDER:
                p.birthday_reminder_year = event.due_at.year
            if event.kind == planner.CLOSING:
                p.closed_at = now
            sent.append((event.kind, event.due_at))
        now += timedelta(days=1)
    assert sent == [
        (planner.BIRTHDAY_REMINDER, london(2027, 6, 26, 10)),
        (planner.BIRTHDAY_REMINDER, london(2028, 6, 26, 10)),
        (planner.CLOSING, london(2029, 6, 26, 10)),
    ]


def test_a_birthday_missed_by_more_than_a_week_is_not_sent_late() -> None:
    yp = person(date(2004, 6, 26), status="opted_out")
    events = upcoming(yp, None, council(), london(2027, 7, 2, 12), last_contact=None)
    assert first(events, planner.BIRTHDAY_REMINDER).key == "birthday:7:2027"  # 6 days late
    events = upcoming(yp, None, council(), london(2027, 7, 4, 12), last_contact=None)
    assert first(events, planner.BIRTHDAY_REMINDER).key == "birthday:7:2028"


def test_stop_means_nothing_is_planned() -> None:
    yp = person(date(2007, 7, 26))
    stopped = plan(stopped_at=london(2026, 11, 1, 10))
    assert upcoming(yp, stopped, council(), london(2026, 11, 23, 10), last_contact=None) == []


def test_events_are_soonest_first_and_due_now_is_inclusive() -> None:
    now = london(2026, 11, 23, 10)
    yp = person(date(2006, 2, 21), created_at=now)
    events = upcoming(yp, None, council(), now, last_contact=None)
    assert [e.due_at for e in events] == sorted(e.due_at for e in events)
    assert {e.kind for e in due_now(events, london(2026, 11, 22, 10))} == {planner.OPTIN_PROMPT}
    assert {e.kind for e in due_now(events, now)} == {planner.OPTIN_PROMPT, planner.CHECKIN}


# -- quiet hours --------------------------------------------------------------------------------

NIGHT = (time(21), time(9), "Europe/London")


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (london(2026, 11, 23, 20, 59), london(2026, 11, 23, 20, 59)),
        (london(2026, 11, 23, 21, 0), london(2026, 11, 24, 9)),
        (london(2026, 11, 23, 23, 0), london(2026, 11, 24, 9)),
        (london(2026, 11, 24, 3, 0), london(2026, 11, 24, 9)),
        (london(2026, 11, 24, 8, 59), london(2026, 11, 24, 9)),
        (london(2026, 11, 24, 9, 0), london(2026, 11, 24, 9)),
        # Spring forward: Saturday 27 March 2027 22:30 GMT -> Sunday 09:00 BST (08:00 UTC).
        (
            datetime(2027, 3, 27, 22, 30, tzinfo=UTC),
            datetime(2027, 3, 28, 8, 0, tzinfo=UTC),
        ),
        # ...and from after the change, in the small hours.
        (
            datetime(2027, 3, 28, 1, 30, tzinfo=UTC),
            datetime(2027, 3, 28, 8, 0, tzinfo=UTC),
        ),
        # Fall back: Saturday 24 October 2026 22:30 BST -> Sunday 09:00 GMT (09:00 UTC).
        (
            datetime(2026, 10, 24, 21, 30, tzinfo=UTC),
            datetime(2026, 10, 25, 9, 0, tzinfo=UTC),
        ),
        # The repeated hour (01:30 BST and 01:30 GMT) is quiet both times.
        (
            datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
            datetime(2026, 10, 25, 9, 0, tzinfo=UTC),
        ),
        (
            datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
            datetime(2026, 10, 25, 9, 0, tzinfo=UTC),
        ),
        # Summer: 08:30 UTC is 09:30 BST, allowed; 07:30 UTC is 08:30 BST, not.
        (datetime(2027, 6, 1, 8, 30, tzinfo=UTC), datetime(2027, 6, 1, 8, 30, tzinfo=UTC)),
        (datetime(2027, 6, 1, 7, 30, tzinfo=UTC), datetime(2027, 6, 1, 8, 0, tzinfo=UTC)),
        (datetime(2027, 6, 1, 20, 0, tzinfo=UTC), datetime(2027, 6, 2, 8, 0, tzinfo=UTC)),
    ],
)
def test_next_allowed(at: datetime, expected: datetime) -> None:
    assert next_allowed(at, *NIGHT) == expected
    assert not is_quiet(next_allowed(at, *NIGHT), *NIGHT)


def test_quiet_hours_within_one_day_and_none_at_all() -> None:
    lunch = (time(13), time(14), "Europe/London")
    assert is_quiet(london(2026, 11, 23, 13, 30), *lunch)
    assert not is_quiet(london(2026, 11, 23, 14, 0), *lunch)
    assert not is_quiet(london(2026, 11, 23, 12, 59), *lunch)
    assert next_allowed(london(2026, 11, 23, 13, 30), *lunch) == london(2026, 11, 23, 14)
    never = (time(0), time(0), "Europe/London")
    assert next_allowed(london(2026, 11, 23, 23), *never) == london(2026, 11, 23, 23)


def test_configured_quiet_hours_move_planned_messages() -> None:
    created = london(2026, 11, 23, 19, 30)
    yp = person(date(2007, 7, 26), created_at=created)
    events = upcoming(yp, None, council(), created, last_contact=None)
    assert first(events, planner.CHECKIN).due_at == created  # 19:30: before 21:00
    early = council(quiet_start=time(19), quiet_end=time(8))
    events = upcoming(yp, None, early, created, last_contact=None)
    assert first(events, planner.CHECKIN).due_at == london(2026, 11, 24, 8)
