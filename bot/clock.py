"""Time as a dependency, so tests and benchmarks can move it."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FixedClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._at = at.astimezone(timezone.utc)

    def now(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta) -> None:
        self._at += delta

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(timezone.utc)


def age_on(date_of_birth: date, today: date) -> int:
    """Whole years, counting a 29 February birthday as 1 March in other years (UK practice)."""
    years = today.year - date_of_birth.year
    if (today.month, today.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def age_band(age: int) -> str | None:
    """The statutory age band a care leaver's offer is written for, or None outside 16-25."""
    if 16 <= age <= 17:
        return "16-17"
    if 18 <= age <= 20:
        return "18-20"
    if 21 <= age <= 25:
        return "21-25"
    return None
