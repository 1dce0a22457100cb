"""The duty report's rows as plain records (for `carebot duty report --json` and the CSV
export): one dict per row, with Python values (datetimes in UTC, dates, numbers, flags).

Never any message text. Preferred names only when asked for (the dashboard's CSV); the
command line identifies young people by their reference alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.keeping_in_touch.duty_rows import (
    DutyReport,
    NoContact,
    OverdueEscalation,
    Person,
    SaidNo,
    Turning21,
    Unreachable,
)

# The figures in the order the duty view shows them; the command line leaves out "said_no".
FIGURES = (
    "no_contact_over_cadence",
    "unreachable",
    "turning_21_within_91_days",
    "optin_unanswered",
    "said_no",
    "overdue_escalations",
)
CLI_FIGURES = tuple(f for f in FIGURES if f != "said_no")

Record = dict[str, Any]


def _person(person: Person | None, *, names: bool) -> Record:
    record: Record = {"ref": person.ref if person else None}
    if names:
        record["name"] = person.preferred_name if person else None
    record["council"] = person.council_id if person else None
    return record


def _where(person: Person, *, names: bool) -> Record:
    return {**_person(person, names=names), "team": person.team, "pa": person.pa}


def _no_contact(row: NoContact, names: bool) -> Record:
    return {
        **_where(row.person, names=names),
        "last_contact": row.last_contact,
        "contact_due_by": row.contact_due_by,
        "cadence_weeks": row.cadence_weeks,
        "checkins": row.checkins,
    }


def _unreachable(row: Unreachable, names: bool) -> Record:
    return {
        **_where(row.person, names=names),
        "unreachable_since": row.unreachable_since,
        "last_contact": row.last_contact,
        "chats": row.chats,
    }


def _turning_21(row: Turning21, names: bool) -> Record:
    return {
        **_where(row.person, names=names),
        "birthday_21": row.birthday_21,
        "days_to_21": row.days_to_go,
        "optin_asked_at": row.asked_at,
        "optin_answer": row.answer,
        "optin_answered_at": row.answered_at,
        "optin_decided": row.decided,
        "support_status": row.support_status,
    }


def _said_no(row: SaidNo, names: bool) -> Record:
    return {
        **_where(row.person, names=names),
        "optin_answered_at": row.answered_at,
        "last_reminder_year": row.last_reminder_year,
        "next_reminder": row.next_reminder,
        "birthday_25": row.birthday_25,
    }


def _escalation(row: OverdueEscalation, names: bool) -> Record:
    return {
        "escalation_id": row.id,
        **_person(row.person, names=names),
        "team": row.team,
        "pa": row.pa,
        "reason": row.reason,
        "urgency": row.urgency,
        "status": row.status,
        "created_at": row.created_at,
        "age_hours": row.age_hours,
        "due_at": row.due_at,
        "overdue": row.overdue,
        "re_escalated": row.re_escalated,
        "reescalated_at": row.reescalated_at,
    }


_RECORDS: dict[str, Callable[[Any, bool], Record]] = {
    "no_contact_over_cadence": _no_contact,
    "unreachable": _unreachable,
    "turning_21_within_91_days": _turning_21,
    "optin_unanswered": _turning_21,
    "said_no": _said_no,
    "overdue_escalations": _escalation,
}


def records(report: DutyReport, figure: str, *, names: bool = False) -> list[Record]:
    """The rows of one figure as records."""
    convert = _RECORDS[figure]
    return [convert(row, names) for row in getattr(report, figure)]


# Every key the records use, in the CSV's order ("name" only when names are asked for).
COLUMNS = (
    "escalation_id",
    "ref",
    "name",
    "council",
    "team",
    "pa",
    "last_contact",
    "contact_due_by",
    "cadence_weeks",
    "checkins",
    "unreachable_since",
    "chats",
    "birthday_21",
    "days_to_21",
    "optin_asked_at",
    "optin_answer",
    "optin_answered_at",
    "optin_decided",
    "support_status",
    "last_reminder_year",
    "next_reminder",
    "birthday_25",
    "reason",
    "urgency",
    "status",
    "created_at",
    "age_hours",
    "due_at",
    "overdue",
    "re_escalated",
    "reescalated_at",
)
