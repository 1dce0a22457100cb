"""Working hours and deadlines: bank holidays in England, Europe/London across clock changes."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.advisers.working_time import Hours, is_bank_holiday

LONDON = ZoneInfo("Europe/London")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


@pytest.fixture
def office() -> Hours:
    """Monday to Friday, 9:00 to 17:00 London time."""
    return Hours.of("1111100", time(9), time(17), "Europe/London")


@pytest.fixture
def priya() -> Hours:
    """Monday to Thursday, 8:30 to 16:30 (the demo PA Priya Shah)."""
    return Hours.of("1111000", time(8, 30), time(16, 30), "Europe/London")


# --- bank holidays -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 1),  # New Year's Day
        date(2026, 4, 3),  # Good Friday
        date(2026, 4, 6),  # Easter Monday
        date(2026, 5, 4),  # Early May
        date(2026, 5, 25),  # Spring
        date(2026, 8, 31),  # Summer (England, not Scotland)
        date(2026, 12, 25),  # Christmas Day (Friday)
        date(2026, 12, 28),  # Boxing Day observed (Monday)
        date(2027, 1, 1),
    ],
)
def test_bank_holidays_in_england(day: date) -> None:
    assert is_bank_holiday(day) is True


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 2),  # 2 January is a holiday in Scotland only
        date(2026, 8, 3),  # first Monday of August: Scotland's summer holiday
        date(2026, 3, 17),  # St Patrick's Day: Northern Ireland only
        date(2026, 11, 30),  # St Andrew's Day: Scotland only
        date(2026, 11, 23),  # an ordinary Monday
        date(2026, 12, 24),  # Christmas Eve is a working day
    ],
)
def test_days_that_are_not_bank_holidays_in_england(day: date) -> None:
    assert is_bank_holiday(day) is False


def test_a_bank_holiday_is_not_a_working_day(office: Hours) -> None:
    assert office.is_working_day(date(2026, 8, 31)) is False  # Monday, summer bank holiday
    assert office.is_working_day(date(2026, 9, 1)) is True
    assert office.is_working(london(2026, 8, 31, 11, 0)) is False


def test_working_days_follow_the_pattern(office: Hours, priya: Hours) -> None:
    week = [date(2026, 11, 23 + i) for i in range(7)]  # Monday 23 .. Sunday 29 November
    assert [office.is_working_day(d) for d in week] == [True] * 5 + [False] * 2
    assert [priya.is_working_day(d) for d in week] == [True] * 4 + [False] * 3


# --- is_working --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (utc(2026, 11, 23, 8, 59, 59), False),
        (utc(2026, 11, 23, 9, 0), True),  # start is inclusive
        (utc(2026, 11, 23, 16, 59, 59), True),
        (utc(2026, 11, 23, 17, 0), False),  # end is exclusive
        (utc(2026, 11, 23, 22, 0), False),
        (utc(2026, 11, 28, 12, 0), False),  # Saturday
        (utc(2026, 11, 29, 12, 0), False),  # Sunday
    ],
)
def test_is_working_in_winter(office: Hours, at: datetime, expected: bool) -> None:
    assert office.is_working(at) is expected


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        # British Summer Time: 9:00 in London is 8:00 UTC, 17:00 is 16:00 UTC.
        (utc(2026, 6, 15, 7, 59), False),
        (utc(2026, 6, 15, 8, 0), True),
        (utc(2026, 6, 15, 15, 59), True),
        (utc(2026, 6, 15, 16, 0), False),
        (utc(2026, 6, 15, 16, 30), False),
    ],
)
def test_is_working_in_summer_uses_london_time(office: Hours, at: datetime, expected: bool) -> None:
    assert office.is_working(at) is expected


def test_is_working_uses_the_local_date_not_the_utc_date(office: Hours) -> None:
    # Sunday 23:30 UTC in summer is Monday 00:30 in London: a working day (though before
    # office hours); with hours from midnight it counts as working.
    assert office.is_working_day(utc(2026, 6, 14, 23, 30).astimezone(LONDON).date()) is True
    assert office.is_working(utc(2026, 6, 14, 23, 30)) is False
    hours_24 = Hours.of("1111100", time(0), time(23, 59), "Europe/London")
    assert hours_24.is_working(utc(2026, 6, 14, 23, 30)) is True  # Monday 00:30 BST
    # Friday 23:30 UTC in summer is Saturday 00:30 in London.
    assert hours_24.is_working(utc(2026, 6, 19, 23, 30)) is False


def test_is_working_accepts_any_timezone(office: Hours) -> None:
    new_york = ZoneInfo("America/New_York")
    # 05:00 in New York in November is 10:00 in London.
    assert office.is_working(datetime(2026, 11, 23, 5, 0, tzinfo=new_york)) is True
    assert office.is_working(datetime(2026, 11, 23, 3, 59, tzinfo=new_york)) is False


def test_priya_does_not_work_fridays_or_after_half_past_four(priya: Hours) -> None:
    assert priya.is_working(utc(2026, 11, 27, 10, 0)) is False  # Friday
    assert priya.is_working(utc(2026, 11, 26, 8, 30)) is True  # Thursday
    assert priya.is_working(utc(2026, 11, 26, 8, 29)) is False
    assert priya.is_working(utc(2026, 11, 26, 16, 30)) is False


def test_clock_change_days_are_judged_in_local_time() -> None:
    every_day = Hours.of("1111111", time(9), time(17), "Europe/London")
    # Sunday 29 March 2026: clocks go forward at 01:00 UTC. 9:00 BST is 8:00 UTC.
    assert every_day.is_working(utc(2026, 3, 29, 7, 59)) is False
    assert every_day.is_working(utc(2026, 3, 29, 8, 0)) is True
    assert every_day.is_working(utc(2026, 3, 29, 16, 0)) is False
    # Sunday 25 October 2026: clocks go back at 01:00 UTC. 9:00 GMT is 9:00 UTC.
    assert every_day.is_working(utc(2026, 10, 25, 8, 59)) is False
    assert every_day.is_working(utc(2026, 10, 25, 9, 0)) is True
    assert every_day.is_working(utc(2026, 10, 25, 16, 59)) is True
    assert every_day.is_working(utc(2026, 10, 25, 17, 0)) is False


# --- next_working_day ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 23), date(2026, 11, 24)),  # Monday -> Tuesday
        (date(2026, 11, 27), date(2026, 11, 30)),  # Friday -> Monday
        (date(2026, 11, 28), date(2026, 11, 30)),  # Saturday -> Monday
        (date(2026, 11, 29), date(2026, 11, 30)),  # Sunday -> Monday
        (date(2026, 4, 2), date(2026, 4, 7)),  # Thursday before Easter -> Tuesday after
        (date(2026, 12, 24), date(2026, 12, 29)),  # Christmas Eve -> Tuesday 29th
        (date(2026, 12, 31), date(2027, 1, 4)),  # New Year's Eve -> Monday 4 January
        (date(2026, 8, 28), date(2026, 9, 1)),  # Friday -> Tuesday after the summer holiday
    ],
)
def test_next_working_day(office: Hours, day: date, expected: date) -> None:
    assert office.next_working_day(day) == expected


def test_next_working_day_is_strictly_after(office: Hours) -> None:
    # Even when the day itself is a working day.
    assert office.next_working_day(date(2026, 11, 24)) == date(2026, 11, 25)


def test_next_working_day_for_part_time_pattern(priya: Hours) -> None:
    assert priya.next_working_day(date(2026, 11, 26)) == date(2026, 11, 30)  # Thu -> Mon
    weekend_only = Hours.of("0000011", time(9), time(17), "Europe/London")
    assert weekend_only.next_working_day(date(2026, 11, 23)) == date(2026, 11, 28)


def test_next_working_day_with_no_working_days_raises() -> None:
    never = Hours.of("0000000", time(9), time(17), "Europe/London")
    with pytest.raises(ValueError, match="no working day in the next 60 days"):
        never.next_working_day(date(2026, 11, 23))


# --- end_of / start_of --------------------------------------------------------------------


def test_end_and_start_of_are_utc_across_clock_changes(office: Hours) -> None:
    assert office.end_of(date(2026, 3, 27)) == utc(2026, 3, 27, 17, 0)  # Friday, GMT
    assert office.end_of(date(2026, 3, 30)) == utc(2026, 3, 30, 16, 0)  # Monday, BST
    assert office.start_of(date(2026, 3, 30)) == utc(2026, 3, 30, 8, 0)
    assert office.end_of(date(2026, 10, 23)) == utc(2026, 10, 23, 16, 0)  # Friday, BST
    assert office.end_of(date(2026, 10, 26)) == utc(2026, 10, 26, 17, 0)  # Monday, GMT
    assert office.start_of(date(2026, 10, 26)) == utc(2026, 10, 26, 9, 0)
    assert office.end_of(date(2026, 10, 26)).tzinfo == timezone.utc


# --- end_of_nth_working_day_after -------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "n", "expected"),
    [
        # Monday 10:00 (GMT) -> end of Tuesday.
        (utc(2026, 11, 23, 10, 0), 1, utc(2026, 11, 24, 17, 0)),
        # Friday 16:00 -> end of Monday.
        (utc(2026, 11, 27, 16, 0), 1, utc(2026, 11, 30, 17, 0)),
        # Friday after work, Saturday, Sunday -> end of Monday too.
        (utc(2026, 11, 27, 22, 0), 1, utc(2026, 11, 30, 17, 0)),
        (utc(2026, 11, 28, 12, 0), 1, utc(2026, 11, 30, 17, 0)),
        (utc(2026, 11, 29, 23, 59), 1, utc(2026, 11, 30, 17, 0)),
        # Two working days.
        (utc(2026, 11, 23, 10, 0), 2, utc(2026, 11, 25, 17, 0)),
        (utc(2026, 11, 26, 10, 0), 2, utc(2026, 11, 30, 17, 0)),  # Thursday -> Monday
        # Christmas: Thursday 24th -> Tuesday 29th (25th, weekend, 28th are off).
        (utc(2026, 12, 24, 10, 0), 1, utc(2026, 12, 29, 17, 0)),
        (utc(2026, 12, 23, 10, 0), 2, utc(2026, 12, 29, 17, 0)),
        (utc(2026, 12, 31, 10, 0), 1, utc(2027, 1, 4, 17, 0)),
        # Into British Summer Time: Friday 27 March 16:00 GMT -> Monday 30th 17:00 BST.
        (utc(2026, 3, 27, 16, 0), 1, utc(2026, 3, 30, 16, 0)),
        # Back to GMT: Friday 23 October 16:00 BST -> Monday 26th 17:00 GMT.
        (london(2026, 10, 23, 16, 0), 1, utc(2026, 10, 26, 17, 0)),
        # The day counted is the London day: Sunday 23:30 UTC in June is Monday in London.
        (utc(2026, 6, 14, 23, 30), 1, utc(2026, 6, 16, 16, 0)),
    ],
)
def test_end_of_nth_working_day_after(
    office: Hours, at: datetime, n: int, expected: datetime
) -> None:
    assert office.end_of_nth_working_day_after(at, n) == expected


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (utc(2026, 11, 23, 10, 0), utc(2026, 11, 23, 17, 0)),  # today's end
        (utc(2026, 11, 23, 7, 0), utc(2026, 11, 23, 17, 0)),  # before work: today's end
        (utc(2026, 11, 23, 16, 59), utc(2026, 11, 23, 17, 0)),
        (utc(2026, 11, 23, 17, 0), utc(2026, 11, 24, 17, 0)),  # work ended: tomorrow's
        (utc(2026, 11, 28, 10, 0), utc(2026, 11, 30, 17, 0)),  # Saturday: Monday's
        (utc(2026, 12, 25, 10, 0), utc(2026, 12, 29, 17, 0)),  # Christmas Day: Tuesday's
    ],
)
def test_end_of_zeroth_working_day(office: Hours, at: datetime, expected: datetime) -> None:
    assert office.end_of_nth_working_day_after(at, 0) == expected


# --- next_start ---------------------------------------------------------------------------


def test_next_start_is_now_when_working(office: Hours) -> None:
    at = utc(2026, 11, 23, 10, 17, 3)
    assert office.next_start(at) == at


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (utc(2026, 11, 23, 7, 0), utc(2026, 11, 23, 9, 0)),  # before work today
        (utc(2026, 11, 23, 17, 0), utc(2026, 11, 24, 9, 0)),  # after work
        (utc(2026, 11, 27, 18, 0), utc(2026, 11, 30, 9, 0)),  # Friday evening
        (utc(2026, 11, 28, 7, 0), utc(2026, 11, 30, 9, 0)),  # Saturday morning
        (utc(2026, 12, 24, 17, 30), utc(2026, 12, 29, 9, 0)),  # Christmas Eve evening
        (utc(2026, 8, 31, 7, 0), utc(2026, 9, 1, 8, 0)),  # bank holiday morning, BST
        # Saturday 28 March (GMT) -> Monday 30 March 9:00 BST = 8:00 UTC.
        (utc(2026, 3, 28, 12, 0), utc(2026, 3, 30, 8, 0)),
        # Saturday 24 October (BST) -> Monday 26 October 9:00 GMT = 9:00 UTC.
        (utc(2026, 10, 24, 12, 0), utc(2026, 10, 26, 9, 0)),
    ],
)
def test_next_start(office: Hours, at: datetime, expected: datetime) -> None:
    assert office.next_start(at) == expected


def test_next_start_part_time(priya: Hours) -> None:
    # Thursday after 16:30 -> Monday 8:30 (she does not work Fridays).
    assert priya.next_start(utc(2026, 11, 26, 16, 30)) == utc(2026, 11, 30, 8, 30)
