"""What the bot should send a young person, and when, from their record alone.

Nothing here writes: `upcoming()` is a pure function of the record, the council's settings,
the contact plan and the time, so changing a date of birth, a cadence or a status changes
the plan, and `carebot schedule show` prints exactly what the job will do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.clock import age_on
from bot.keeping_in_touch import support
from bot.keeping_in_touch.quiet_hours import next_allowed
from bot.models import ContactPlan, Council, YoungPerson

CHECKIN = "checkin"
CHECKIN_REMINDER = "checkin_reminder"
LOST_CONTACT = "lost_contact"  # an escalation, not a message
OPTIN_PROMPT = "optin_prompt"
OPTIN_REMINDER = "optin_reminder"
BIRTHDAY_REMINDER = "birthday_reminder"
CLOSING = "closing"
MESSAGES = (CHECKIN, CHECKIN_REMINDER, OPTIN_PROMPT, OPTIN_REMINDER, BIRTHDAY_REMINDER, CLOSING)
# Birthdays and the opt-in prompt go out mid-morning, local time.
MORNING = time(10)
# A birthday message held up (the bot was down) still goes within this; later, it is dropped.
BIRTHDAY_GRACE = timedelta(days=7)


@dataclass(frozen=True)
class Planned:
    """One proactive event for a young person: a message to send, or lost contact to raise."""

    kind: str
    # When it goes: quiet hours already applied to messages.
    due_at: datetime
    # Unique per young person and occasion: queuing the same one twice is impossible.
    key: str


def birthday(date_of_birth: date, years: int) -> date:
    """The date someone turns `years`; 29 February birthdays are 1 March in other years."""
    try:
        return date_of_birth.replace(year=date_of_birth.year + years)
    except ValueError:
        return date(date_of_birth.year + years, 3, 1)


def _at(day: date, when: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, when, tzinfo=tz).astimezone(timezone.utc)


@dataclass(frozen=True)
class _Planning:
    """One young person's record and plan, seen from their council's clock."""

    yp: YoungPerson
    plan: ContactPlan | None
    council: Council
    tz: ZoneInfo
    today: date

    def birthday(self, years: int) -> date:
        return birthday(self.yp.date_of_birth, years)

    def morning(self, day: date) -> datetime:
        return _at(day, MORNING, self.tz)

    def allowed(self, at: datetime) -> datetime:
        """The first moment from `at` outside the council's quiet hours."""
        council = self.council
        return next_allowed(at, council.quiet_start, council.quiet_end, council.timezone)


@dataclass(frozen=True)
class _LastCheckin:
    sent: datetime
    answered: bool  # on the chat, or by writing to the bot since
    reminded: datetime | None  # a reminder about this check-in (not an earlier one)
    lost_recorded: bool  # lost contact already raised for this check-in


def upcoming(
    yp: YoungPerson,
    plan: ContactPlan | None,
    council: Council,
    now: datetime,
    *,
    last_contact: datetime | None,
) -> list[Planned]:
    """Every proactive event still to come or now due for this young person, soonest first.

    `last_contact`: when they last wrote to the bot on any chat (an answer to a check-in)."""
    tz = ZoneInfo(council.timezone)
    today = now.astimezone(tz).date()
    age = age_on(yp.date_of_birth, today)
    if plan is not None and (plan.stopped_at is not None or plan.closed_at is not None):
        return []  # they said stop, or support has closed: nothing proactive
    if yp.support_status == "ended" or age < 18:
        return []  # 16-17s: their PA works with them directly
    p = _Planning(yp, plan, council, tz, today)
    closing = _closing(p)
    if today >= p.birthday(25):
        return [closing]
    # In this order before sorting, so events due at the same moment keep it.
    events = [closing]
    if age <= 20 and not (plan is not None and plan.checkins_paused):
        events += _checkin_events(p, last_contact)
    if yp.support_status == "active" and today < p.birthday(21):
        events += _optin_events(p)
    if support.said_no(yp, plan):
        events += _birthday_reminders(p)
    return sorted(events, key=lambda e: e.due_at)


def _closing(p: _Planning) -> Planned:
    """Support closes on the 25th birthday."""
    return Planned(CLOSING, p.allowed(p.morning(p.birthday(25))), f"closing:{p.yp.id}")


def _checkin_events(p: _Planning, last_contact: datetime | None) -> list[Planned]:
    """Keeping in touch, 18 to 20: the next check-in (none from the 21st birthday), and after
    one goes unanswered a reminder, then lost contact."""
    last = _last_checkin(p.plan, last_contact)
    due = _next_checkin_due(p, last)
    events = []
    if due < _at(p.birthday(21), time(0), p.tz):
        events.append(Planned(CHECKIN, due, f"checkin:{p.yp.id}:{due.date().isoformat()}"))
    if last is not None and not last.answered:
        events += _silence_events(p, last)
    return events


def _last_checkin(plan: ContactPlan | None, last_contact: datetime | None) -> _LastCheckin | None:
    """What became of the last check-in sent; None before the first."""
    sent = plan.checkin_sent_at if plan else None
    if plan is None or sent is None:
        return None
    answered = (plan.checkin_answered_at is not None and plan.checkin_answered_at >= sent) or (
        last_contact is not None and last_contact >= sent
    )
    reminded = plan.checkin_reminded_at
    if reminded is not None and reminded < sent:
        reminded = None  # a reminder about an earlier check-in
    lost_recorded = plan.lost_contact_at is not None and plan.lost_contact_at >= sent
    return _LastCheckin(sent, answered, reminded, lost_recorded)


def _next_checkin_due(p: _Planning, last: _LastCheckin | None) -> datetime:
    """The first on the 18th birthday (or when the record is made, if later); then one every
    so many weeks, the plan's cadence or else the council's."""
    if last is None:
        return p.allowed(max(p.morning(p.birthday(18)), p.yp.created_at))
    weeks = (p.plan.checkin_every_weeks if p.plan else None) or p.council.checkin_every_weeks
    next_at = last.sent + timedelta(weeks=weeks)
    if not last.answered and not last.lost_recorded:
        # Silence runs its course first (reminder, then lost contact), however
        # often the check-ins are: a new check-in must not reset the count.
        reminder_at = last.sent + timedelta(days=p.council.checkin_reminder_days)
        lost_at = (last.reminded or reminder_at) + timedelta(days=p.council.lost_contact_days)
        next_at = max(next_at, lost_at)
    return p.allowed(next_at)


def _silence_events(p: _Planning, last: _LastCheckin) -> list[Planned]:
    """After an unanswered check-in: a reminder, then (once reminded) lost contact."""
    sent = last.sent.isoformat()
    if last.reminded is None:
        at = p.allowed(last.sent + timedelta(days=p.council.checkin_reminder_days))
        return [Planned(CHECKIN_REMINDER, at, f"checkin_reminder:{p.yp.id}:{sent}")]
    if not last.lost_recorded:
        at = last.reminded + timedelta(days=p.council.lost_contact_days)
        return [Planned(LOST_CONTACT, at, f"lost_contact:{p.yp.id}:{sent}")]
    return []


def _optin_events(p: _Planning) -> list[Planned]:
    """The conversation about PA support to 25, before the 21st birthday: a prompt, and one
    reminder while the answer is none or not sure."""
    at_21 = p.birthday(21)
    prompted = p.plan.optin_prompted_at if p.plan else None
    if p.plan is None or prompted is None:
        at = p.allowed(p.morning(at_21 - timedelta(days=p.council.optin_lead_days)))
        return [Planned(OPTIN_PROMPT, at, f"optin_prompt:{p.yp.id}")]
    if p.plan.optin_answer not in (None, "not_sure") or p.plan.optin_reminded_at is not None:
        return []
    remind = max(
        p.morning(at_21 - timedelta(days=p.council.optin_reminder_days_before)),
        prompted + timedelta(days=7),
    )
    if remind.astimezone(p.tz).date() >= at_21:
        return []
    return [Planned(OPTIN_REMINDER, p.allowed(remind), f"optin_reminder:{p.yp.id}")]


def _birthday_reminders(p: _Planning) -> list[Planned]:
    """Those who said no can still ask: a short reminder on each birthday from 21 to 24; this
    gives the next one not yet sent."""
    for years in range(21, 25):
        day = p.birthday(years)
        if day < p.today - BIRTHDAY_GRACE:
            continue  # long past: no belated birthday message
        if p.plan is not None and p.plan.birthday_reminder_year == day.year:
            continue
        at = p.allowed(p.morning(day))
        return [Planned(BIRTHDAY_REMINDER, at, f"birthday:{p.yp.id}:{day.year}")]
    return []


def due_now(events: list[Planned], now: datetime) -> list[Planned]:
    """The events due by `now`, overdue ones included, in the order given."""
    return [e for e in events if e.due_at <= now]
