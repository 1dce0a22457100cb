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

    def quiet(at: datetime) -> datetime:
        return next_allowed(at, council.quiet_start, council.quiet_end, council.timezone)

    events: list[Planned] = []
    at_21 = birthday(yp.date_of_birth, 21)
    at_25 = birthday(yp.date_of_birth, 25)
    if today >= at_25:
        return [Planned(CLOSING, quiet(_at(at_25, MORNING, tz)), f"closing:{yp.id}")]
    events.append(Planned(CLOSING, quiet(_at(at_25, MORNING, tz)), f"closing:{yp.id}"))

    # Keeping in touch, 18 to 20.
    paused = plan is not None and plan.checkins_paused
    if age <= 20 and not paused:
        every = timedelta(
            weeks=(plan.checkin_every_weeks if plan else None) or council.checkin_every_weeks
        )
        sent = plan.checkin_sent_at if plan else None
        answered = sent is not None and (
            (plan.checkin_answered_at is not None and plan.checkin_answered_at >= sent)
            or (last_contact is not None and last_contact >= sent)
        )
        reminded = plan.checkin_reminded_at if plan else None
        if sent is not None and reminded is not None and reminded < sent:
            reminded = None  # a reminder about an earlier check-in
        lost_recorded = (
            (plan is not None and plan.lost_contact_at is not None and plan.lost_contact_at >= sent)
            if sent is not None
            else False
        )
        if sent is None:
            first = max(_at(birthday(yp.date_of_birth, 18), MORNING, tz), yp.created_at)
            due = quiet(first)
        else:
            next_at = sent + every
            if not answered and not lost_recorded:
                # Silence runs its course first (reminder, then lost contact), however
                # often the check-ins are: a new check-in must not reset the count.
                reminder_at = sent + timedelta(days=council.checkin_reminder_days)
                lost_at = (reminded or reminder_at) + timedelta(days=council.lost_contact_days)
                next_at = max(next_at, lost_at)
            due = quiet(next_at)
        if due < _at(at_21, time(0), tz):
            events.append(Planned(CHECKIN, due, f"checkin:{yp.id}:{due.date().isoformat()}"))
        if sent is not None and not answered:
            if reminded is None:
                at = quiet(sent + timedelta(days=council.checkin_reminder_days))
                events.append(
                    Planned(CHECKIN_REMINDER, at, f"checkin_reminder:{yp.id}:{sent.isoformat()}")
                )
            elif not lost_recorded:
                at = reminded + timedelta(days=council.lost_contact_days)
                events.append(Planned(LOST_CONTACT, at, f"lost_contact:{yp.id}:{sent.isoformat()}"))

    # The conversation about PA support to 25, before the 21st birthday.
    if yp.support_status == "active" and today < at_21:
        prompted = plan.optin_prompted_at if plan else None
        if prompted is None:
            at = quiet(_at(at_21 - timedelta(days=council.optin_lead_days), MORNING, tz))
            events.append(Planned(OPTIN_PROMPT, at, f"optin_prompt:{yp.id}"))
        elif plan.optin_answer in (None, "not_sure") and plan.optin_reminded_at is None:
            remind = max(
                _at(at_21 - timedelta(days=council.optin_reminder_days_before), MORNING, tz),
                prompted + timedelta(days=7),
            )
            if remind.astimezone(tz).date() < at_21:
                events.append(Planned(OPTIN_REMINDER, quiet(remind), f"optin_reminder:{yp.id}"))

    # Those who said no can still ask: a short reminder on each birthday from 21 to 24.
    if support.said_no(yp, plan):
        for years in range(21, 25):
            day = birthday(yp.date_of_birth, years)
            if day < today - BIRTHDAY_GRACE:
                continue  # long past: no belated birthday message
            if plan is not None and plan.birthday_reminder_year == day.year:
                continue
            events.append(
                Planned(
                    BIRTHDAY_REMINDER, quiet(_at(day, MORNING, tz)), f"birthday:{yp.id}:{day.year}"
                )
            )
            break
    return sorted(events, key=lambda e: e.due_at)


def due_now(events: list[Planned], now: datetime) -> list[Planned]:
    return [e for e in events if e.due_at <= now]
