"""The duty report's scope and rows: frozen records of who is on each list and the dates
that matter for it, and the scope (council, team) as SQL filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from bot.models import Escalation, PersonalAdviser, Team, YoungPerson

# "Turning 21 in the next 91 days" (the council's default opt-in lead, `optin_lead_days`).
TURNING_21_DAYS = 91
# Answers to the PA-support question that are a decision; "not_sure" and silence are not.
DECIDED = ("yes", "no")


@dataclass(frozen=True)
class Scope:
    """Whose figures: one council, one team, both, or (neither) everyone."""

    council_id: str | None = None
    team_id: int | None = None


@dataclass(frozen=True)
class Person:
    """A young person as the duty lists show them: record id and reference, name, team and PA."""

    young_person_id: int
    ref: str
    preferred_name: str
    council_id: str
    team_id: int | None
    team: str | None
    pa: str | None


@dataclass(frozen=True)
class NoContact:
    """Someone 18 to 20 who has not written to the bot for longer than their check-in cadence."""

    person: Person
    last_contact: datetime | None  # they last wrote to the bot (any chat); None: never
    contact_due_by: datetime  # since (last contact, or from 18 / the record) + the cadence
    cadence_weeks: int
    checkins: str  # "on", "paused" (by a PA) or "stopped" (they said stop)


@dataclass(frozen=True)
class Unreachable:
    """Someone whose every linked chat was reported gone by its channel (bot blocked, no number)."""

    person: Person
    unreachable_since: datetime  # the last of their chats the channel said is gone
    last_contact: datetime | None
    chats: int


@dataclass(frozen=True)
class Turning21:
    """Someone who turns 21 within TURNING_21_DAYS, and where the PA-support question stands."""

    person: Person
    birthday_21: date
    days_to_go: int
    asked_at: datetime | None  # the bot sent the PA-support question
    answer: str | None  # yes, no, not_sure
    answered_at: datetime | None
    support_status: str

    @property
    def decided(self) -> bool:
        """They answered yes or no, or their support status says which ("not sure" is no answer)."""
        return self.answer in DECIDED or self.support_status in ("opted_in", "opted_out")


@dataclass(frozen=True)
class SaidNo:
    """Someone not yet 25 who said no to PA support after 21, and their next birthday reminder."""

    person: Person
    answered_at: datetime | None
    last_reminder_year: int | None  # the last birthday a "you can still ask" went out
    next_reminder: datetime | None  # None: they said stop, or no birthday reminder is left
    birthday_25: date


@dataclass(frozen=True)
class OverdueEscalation:
    """An unresolved escalation open past its deadline now, or already re-escalated."""

    id: int
    person: Person | None  # None: an anonymous visitor
    team: str | None
    pa: str | None
    reason: str
    urgency: str
    status: str
    created_at: datetime
    age_hours: int
    due_at: datetime | None
    overdue: bool  # open past its deadline now
    re_escalated: bool
    reescalated_at: datetime | None


@dataclass(frozen=True)
class DutyReport:
    """Every list of the duty view at `checked_at` for one scope (made by `duty_report`)."""

    checked_at: datetime
    scope: Scope
    no_contact_over_cadence: tuple[NoContact, ...]
    unreachable: tuple[Unreachable, ...]
    turning_21_within_91_days: tuple[Turning21, ...]
    optin_unanswered: tuple[Turning21, ...]
    said_no: tuple[SaidNo, ...]
    overdue_escalations: tuple[OverdueEscalation, ...]


# Scope as SQL ----------------------------------------------------------------------------


def people_filter(scope: Scope) -> ColumnElement[bool]:
    """WHERE on YoungPerson: the council's young people; a team's are its PAs' caseloads."""
    conditions: list[ColumnElement[bool]] = []
    if scope.council_id is not None:
        conditions.append(YoungPerson.council_id == scope.council_id)
    if scope.team_id is not None:
        team_pas = select(PersonalAdviser.id).where(PersonalAdviser.team_id == scope.team_id)
        conditions.append(YoungPerson.pa_id.in_(team_pas.scalar_subquery()))
    return and_(true(), *conditions)


def escalations_filter(scope: Scope) -> ColumnElement[bool]:
    """WHERE on Escalation: by the team it went to (with none, the young person's council)."""
    conditions: list[ColumnElement[bool]] = []
    if scope.team_id is not None:
        conditions.append(Escalation.team_id == scope.team_id)
    if scope.council_id is not None:
        teams = select(Team.id).where(Team.council_id == scope.council_id)
        people = select(YoungPerson.id).where(YoungPerson.council_id == scope.council_id)
        conditions.append(
            or_(
                Escalation.team_id.in_(teams.scalar_subquery()),
                and_(
                    Escalation.team_id.is_(None),
                    Escalation.young_person_id.in_(people.scalar_subquery()),
                ),
            )
        )
    return and_(true(), *conditions)
