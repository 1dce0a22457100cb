"""Quiet hours: no proactive message at night, in the council's own time zone."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo


def is_quiet(at: datetime, start: time, end: time, tz_name: str) -> bool:
    """`at` falls in the quiet hours, local time: they may run overnight (21:00-09:00), and
    start == end means no quiet hours at all."""
    local = at.astimezone(ZoneInfo(tz_name)).time()
    if start == end:
        return False
    if start < end:  # quiet within one day, e.g. 13:00-14:00
        return start <= local < end
    return local >= start or local < end  # overnight, e.g. 21:00-09:00


def next_allowed(at: datetime, start: time, end: time, tz_name: str) -> datetime:
    """`at`, or the end of the quiet hours it falls in: 23:00 -> 09:00 the next morning.

    The wall-clock end is looked up on the right date, so it stays 09:00 across clock
    changes (and a time that does not exist in spring moves forward, as the clock does)."""
    if not is_quiet(at, start, end, tz_name):
        return at
    tz = ZoneInfo(tz_name)
    local = at.astimezone(tz)
    day = local.date()
    if local.time() >= end:  # in the evening part: the quiet hours end tomorrow morning
        day += timedelta(days=1)
    return datetime.combine(day, end, tzinfo=tz).astimezone(timezone.utc)
