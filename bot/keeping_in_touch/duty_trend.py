"""The duty view's history: a few counts per calendar month (Europe/London), this month so
far against last month, and the last six months as a trend.

Only what the stored history honestly supports: escalation rows (kept; retention blanks only
their excerpts), and the outbox rows of check-ins (kept; only their text is blanked). Which
check-in got an answer is not kept (the plan remembers only the latest check-in, and messages
are deleted on request and after the retention period), so the trend sets check-ins sent
against the check-ins that ran out into a "lost contact" escalation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from bot.keeping_in_touch import planner
from bot.keeping_in_touch.duty_rows import Scope, escalations_filter, people_filter
from bot.models import Escalation, OutboxItem, YoungPerson

LONDON = ZoneInfo("Europe/London")
TREND_MONTHS = 6
LOST_CONTACT = "lost_contact"  # the escalation reason the keep-in-touch job opens

# Each measure, in the words staff use.
MEASURES = {
    "escalations_opened": "Escalations opened",
    "deadlines_missed": "Escalations that missed their deadline",
    "checkins_sent": "Check-ins sent",
    "lost_contact": "Check-ins ending in lost contact",
}


@dataclass(frozen=True)
class Month:
    """The counts for one London calendar month (for this month, so far)."""

    first_day: date  # the 1st, London
    escalations_opened: int
    deadlines_missed: int
    checkins_sent: int
    lost_contact: int

    @property
    def label(self) -> str:
        """The month as staff read it, e.g. "Mar 2026"."""
        return self.first_day.strftime("%b %Y")

    def count(self, measure: str) -> int:
        """One measure by its key in MEASURES (the duty page loops over them)."""
        return int(getattr(self, measure))


@dataclass(frozen=True)
class Trend:
    """The duty view's months, oldest first, ending with this month so far."""

    checked_at: datetime
    months: tuple[Month, ...]  # oldest first; the last is this month so far

    @property
    def this_month(self) -> Month:
        """The month `checked_at` falls in, counted so far."""
        return self.months[-1]

    @property
    def last_month(self) -> Month:
        """The month before this one; there always is one (`duty_trend` makes at least two)."""
        return self.months[-2]


def month_starts(now: datetime, count: int) -> list[date]:
    """The first days of the last `count` months in London, oldest first, ending with now's."""
    today = now.astimezone(LONDON).date()
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _start(day: date) -> datetime:
    """Midnight at the start of `day` in London, in UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=LONDON).astimezone(timezone.utc)


def _bucket(moments: Iterable[datetime]) -> Counter[date]:
    """How many of these moments fall in each London month (keyed by its first day)."""
    counts: Counter[date] = Counter()
    for moment in moments:
        local = moment.astimezone(LONDON)
        counts[date(local.year, local.month, 1)] += 1
    return counts


def _opened(session: Session, scope: Scope, since: datetime, now: datetime) -> Counter[date]:
    return _bucket(
        session.execute(
            select(Escalation.created_at).where(
                escalations_filter(scope),
                Escalation.created_at >= since,
                Escalation.created_at <= now,
            )
        ).scalars()
    )


def _lost_contact(session: Session, scope: Scope, since: datetime, now: datetime) -> Counter[date]:
    return _bucket(
        session.execute(
            select(Escalation.created_at).where(
                escalations_filter(scope),
                Escalation.reason == LOST_CONTACT,
                Escalation.created_at >= since,
                Escalation.created_at <= now,
            )
        ).scalars()
    )


def _missed(session: Session, scope: Scope, since: datetime, now: datetime) -> Counter[date]:
    """Deadlines that fell in the month and had passed by `now` without an acknowledgement
    (acknowledged late, or not yet): the dashboard's "overdue", counted when it began."""
    rows = session.execute(
        select(Escalation.due_at).where(
            escalations_filter(scope),
            Escalation.due_at >= since,
            Escalation.due_at < now,
            or_(
                Escalation.acknowledged_at.is_(None), Escalation.acknowledged_at > Escalation.due_at
            ),
        )
    ).scalars()
    return _bucket(rows)


def _checkins_sent(session: Session, scope: Scope, since: datetime, now: datetime) -> Counter[date]:
    people = select(YoungPerson.id).where(people_filter(scope)).scalar_subquery()
    return _bucket(
        session.execute(
            select(OutboxItem.sent_at).where(
                and_(
                    OutboxItem.purpose == planner.CHECKIN,
                    OutboxItem.status == "sent",
                    OutboxItem.young_person_id.in_(people),
                    OutboxItem.sent_at >= since,
                    OutboxItem.sent_at <= now,
                )
            )
        ).scalars()
    )


def duty_trend(
    session: Session, now: datetime, scope: Scope | None = None, months: int = TREND_MONTHS
) -> Trend:
    """Each measure per London month, for the last `months` months up to `now`."""
    scope = scope or Scope()
    firsts = month_starts(now, max(months, 2))
    since = _start(firsts[0])
    opened = _opened(session, scope, since, now)
    missed = _missed(session, scope, since, now)
    sent = _checkins_sent(session, scope, since, now)
    lost = _lost_contact(session, scope, since, now)
    return Trend(
        checked_at=now,
        months=tuple(Month(day, opened[day], missed[day], sent[day], lost[day]) for day in firsts),
    )
