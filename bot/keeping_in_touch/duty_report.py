"""The duty view's figures at one point in time, for a council and/or a team: who is past
their keeping-in-touch cadence, who cannot be reached, who turns 21 soon (and whether they
answered about PA support), who said no, and escalations that missed their deadline.

Read only. Every rule is the one the rest of the code uses: the cadence and the opt-in come
from the planner, "unreachable" from `reach.last_used`, "overdue" from the dashboard (open
past its deadline) and re-escalation from `escalations.reescalate_overdue`. The rows and
the scope are in `duty_rows`, the monthly figures and the trend in `duty_trend`."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from bot.advisers import escalations, reach
from bot.clock import age_on
from bot.keeping_in_touch import planner, support
from bot.keeping_in_touch.duty_rows import (
    TURNING_21_DAYS,
    DutyReport,
    NoContact,
    OverdueEscalation,
    Person,
    SaidNo,
    Scope,
    Turning21,
    Unreachable,
    escalations_filter,
    people_filter,
)
from bot.models import (
    ChannelIdentity,
    ContactPlan,
    Council,
    Escalation,
    PersonalAdviser,
    Team,
    YoungPerson,
)

__all__ = [
    "DutyReport",
    "NoContact",
    "OverdueEscalation",
    "Person",
    "SaidNo",
    "Scope",
    "Turning21",
    "Unreachable",
    "duty_report",
    "escalations_filter",
    "people_filter",
]

# Young people ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Record:
    yp: YoungPerson
    person: Person
    plan: ContactPlan | None
    chats: tuple[ChannelIdentity, ...]
    council: Council
    today: date

    @property
    def last_contact(self) -> datetime | None:
        """As `jobs.last_contact`: when they last wrote to the bot on any chat."""
        seen = [c.last_seen_at for c in self.chats if c.last_seen_at is not None]
        return max(seen) if seen else None


def _person(yp: YoungPerson, pa: PersonalAdviser | None, team: Team | None) -> Person:
    return Person(
        yp.id,
        yp.ref,
        yp.preferred_name,
        yp.council_id,
        team.id if team else None,
        team.name if team else None,
        pa.name if pa else None,
    )


def _records(session: Session, scope: Scope, now: datetime) -> list[_Record]:
    """Young people in scope whose support has not ended, with their plan and chats."""
    where = and_(people_filter(scope), YoungPerson.support_status != "ended")
    ids = select(YoungPerson.id).where(where).scalar_subquery()
    plans = {
        p.young_person_id: p
        for p in session.execute(
            select(ContactPlan).where(ContactPlan.young_person_id.in_(ids))
        ).scalars()
    }
    chats: dict[int, list[ChannelIdentity]] = defaultdict(list)
    for chat in session.execute(
        select(ChannelIdentity).where(ChannelIdentity.young_person_id.in_(ids))
    ).scalars():
        chats[chat.young_person_id].append(chat)
    councils = {c.id: c for c in session.execute(select(Council)).scalars()}
    rows = session.execute(
        select(YoungPerson, PersonalAdviser, Team)
        .outerjoin(PersonalAdviser, YoungPerson.pa_id == PersonalAdviser.id)
        .outerjoin(Team, PersonalAdviser.team_id == Team.id)
        .where(where)
        .order_by(YoungPerson.id)
    ).all()
    records = []
    for yp, pa, team in rows:
        plan = plans.get(yp.id)
        if plan is not None and plan.closed_at is not None:
            continue  # support closed at 25
        council = councils[yp.council_id]
        person = _person(yp, pa, team)
        today = now.astimezone(ZoneInfo(council.timezone)).date()
        records.append(_Record(yp, person, plan, tuple(chats[yp.id]), council, today))
    return records


def _checkins(plan: ContactPlan | None) -> str:
    if plan is not None and plan.stopped_at is not None:
        return "stopped"
    return "paused" if plan is not None and plan.checkins_paused else "on"


def no_contact(record: _Record, now: datetime) -> NoContact | None:
    """18-20 and silent for longer than their cadence (the plan's, else the council's),
    counted from their last contact, or when there is none from their 18th birthday or
    from when their record was made, whichever is later (as the planner's first check-in)."""
    if not 18 <= age_on(record.yp.date_of_birth, record.today) <= 20:
        return None
    plan, council = record.plan, record.council
    weeks = (plan.checkin_every_weeks if plan else None) or council.checkin_every_weeks
    tz = ZoneInfo(council.timezone)
    eighteen = datetime.combine(planner.birthday(record.yp.date_of_birth, 18), time(0), tz)
    since = max(eighteen, record.yp.created_at)
    last = record.last_contact
    if last is not None:
        since = max(since, last)
    due_by = since + timedelta(weeks=weeks)
    if now <= due_by:
        return None
    return NoContact(record.person, last, due_by, weeks, _checkins(plan))


def unreachable(record: _Record) -> Unreachable | None:
    """Every linked chat has been reported unreachable by its channel (blocked the bot,
    number gone), so `reach.last_used` finds none. Never linked is not this."""
    if not record.chats or reach.last_used(list(record.chats)) is not None:
        return None
    since = max(c.unreachable_at for c in record.chats if c.unreachable_at is not None)
    return Unreachable(record.person, since, record.last_contact, len(record.chats))


def turning_21(record: _Record) -> Turning21 | None:
    """Their 21st birthday is today or within the next 91 days (council time)."""
    at_21 = planner.birthday(record.yp.date_of_birth, 21)
    days = (at_21 - record.today).days
    if not 0 <= days <= TURNING_21_DAYS:
        return None
    plan = record.plan
    return Turning21(
        record.person,
        at_21,
        days,
        plan.optin_prompted_at if plan else None,
        plan.optin_answer if plan else None,
        plan.optin_answered_at if plan else None,
        record.yp.support_status,
    )


def said_no(record: _Record, now: datetime) -> SaidNo | None:
    """Said no to PA support after 21 (the planner's rule), and not yet 25; the next
    birthday reminder is the one the planner has coming."""
    yp, plan = record.yp, record.plan
    if not support.said_no(yp, plan):
        return None
    at_25 = planner.birthday(yp.date_of_birth, 25)
    if record.today >= at_25:
        return None
    events = planner.upcoming(yp, plan, record.council, now, last_contact=record.last_contact)
    reminders = [e.due_at for e in events if e.kind == planner.BIRTHDAY_REMINDER]
    return SaidNo(
        record.person,
        plan.optin_answered_at if plan else None,
        plan.birthday_reminder_year if plan else None,
        reminders[0] if reminders else None,
        at_25,
    )


# Escalations -----------------------------------------------------------------------------


def overdue_escalations(session: Session, scope: Scope, now: datetime) -> list[OverdueEscalation]:
    """Not resolved, and either open past the deadline now (what the dashboard marks
    overdue) or re-escalated (not acknowledged in time, so sent on to manager and duty)."""
    query = (
        select(Escalation, YoungPerson, PersonalAdviser, Team)
        .outerjoin(YoungPerson, Escalation.young_person_id == YoungPerson.id)
        .outerjoin(PersonalAdviser, Escalation.pa_id == PersonalAdviser.id)
        .outerjoin(Team, Escalation.team_id == Team.id)
        .where(
            escalations_filter(scope),
            Escalation.status != escalations.RESOLVED,
            or_(
                and_(Escalation.status == escalations.OPEN, Escalation.due_at < now),
                Escalation.reescalated_at.is_not(None),
            ),
        )
        .order_by(Escalation.due_at, Escalation.id)
    )
    rows = []
    for esc, yp, pa, team in session.execute(query).all():
        person = _person(yp, pa, team) if yp is not None else None
        overdue = esc.status == escalations.OPEN and esc.due_at is not None and esc.due_at < now
        rows.append(
            OverdueEscalation(
                id=esc.id,
                person=person,
                team=team.name if team else None,
                pa=pa.name if pa else None,
                reason=esc.reason,
                urgency=esc.urgency,
                status=esc.status,
                created_at=esc.created_at,
                age_hours=int((now - esc.created_at).total_seconds() // 3600),
                due_at=esc.due_at,
                overdue=overdue,
                re_escalated=esc.reescalated_at is not None,
                reescalated_at=esc.reescalated_at,
            )
        )
    return rows


# The report ------------------------------------------------------------------------------


def duty_report(session: Session, now: datetime, scope: Scope | None = None) -> DutyReport:
    """Every figure of the duty view as things stand at `now`."""
    scope = scope or Scope()
    records = _records(session, scope, now)
    silent = sorted(
        (r for r in (no_contact(x, now) for x in records) if r is not None),
        key=lambda r: (r.contact_due_by, r.person.ref),
    )
    gone = sorted(
        (r for r in (unreachable(x) for x in records) if r is not None),
        key=lambda r: (r.unreachable_since, r.person.ref),
    )
    soon = sorted(
        (r for r in (turning_21(x) for x in records) if r is not None),
        key=lambda r: (r.birthday_21, r.person.ref),
    )
    no = sorted(
        (r for r in (said_no(x, now) for x in records) if r is not None),
        key=lambda r: (r.birthday_25, r.person.ref),
    )
    return DutyReport(
        checked_at=now,
        scope=scope,
        no_contact_over_cadence=tuple(silent),
        unreachable=tuple(gone),
        turning_21_within_91_days=tuple(soon),
        optin_unanswered=tuple(r for r in soon if not r.decided),
        said_no=tuple(no),
        overdue_escalations=tuple(overdue_escalations(session, scope, now)),
    )
