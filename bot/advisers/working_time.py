"""Working hours and deadlines in a council's own time zone, bank holidays in England off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays


@lru_cache(maxsize=8)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_bank_holiday(day: date) -> bool:
    """A bank holiday in England (only: not Wales, Scotland or Northern Ireland); cached by year."""
    return day in _bank_holidays(day.year)


@dataclass(frozen=True)
class Hours:
    """When someone (a PA, or a council's office) works: days Monday..Sunday and times."""

    days: str  # "1111100" is Monday to Friday
    start: time
    end: time
    tz: ZoneInfo

    @classmethod
    def of(cls, days: str, start: time, end: time, tz_name: str) -> Hours:
        """Hours from a record's fields, the time zone given by name ("Europe/London")."""
        return cls(days=days, start=start, end=end, tz=ZoneInfo(tz_name))

    def is_working_day(self, day: date) -> bool:
        """One of their days (by `days`) and not a bank holiday in England."""
        return self.days[day.weekday()] == "1" and not is_bank_holiday(day)

    def local(self, at: datetime) -> datetime:
        """`at` in their time zone."""
        return at.astimezone(self.tz)

    def is_working(self, at: datetime) -> bool:
        """At work now: a working day and between start and end, local time."""
        here = self.local(at)
        return self.is_working_day(here.date()) and self.start <= here.time() < self.end

    def next_working_day(self, day: date) -> date:
        """The first working day after `day` (a long run of days off is at most weeks)."""
        candidate = day + timedelta(days=1)
        for _ in range(60):
            if self.is_working_day(candidate):
                return candidate
            candidate += timedelta(days=1)
        raise ValueError("no working day in the next 60 days: check the working-days pattern")

    def end_of(self, day: date) -> datetime:
        """The end of that day's work, as an aware UTC datetime (correct across clock changes)."""
        return datetime.combine(day, self.end, tzinfo=self.tz).astimezone(timezone.utc)

    def start_of(self, day: date) -> datetime:
        """The start of that day's work, as an aware UTC datetime (correct across clock changes)."""
        return datetime.combine(day, self.start, tzinfo=self.tz).astimezone(timezone.utc)

    def next_start(self, at: datetime) -> datetime:
        """When work next starts from `at` (now, if they are working)."""
        if self.is_working(at):
            return at
        here = self.local(at)
        if self.is_working_day(here.date()) and here.time() < self.start:
            return self.start_of(here.date())
        return self.start_of(self.next_working_day(here.date()))

    def end_of_nth_working_day_after(self, at: datetime, n: int) -> datetime:
        """The end of the nth working day after the day `at` falls on (n=0: today's end if
        today is a working day and work has not ended, else the next working day's end)."""
        day = self.local(at).date()
        if n <= 0:
            if self.is_working_day(day) and self.local(at).time() < self.end:
                return self.end_of(day)
            return self.end_of(self.next_working_day(day))
        for _ in range(n):
            day = self.next_working_day(day)
        return self.end_of(day)
