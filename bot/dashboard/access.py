"""Who may see what: every dashboard permission rule, as pure functions and query filters."""

from __future__ import annotations

from sqlalchemy import String, and_, cast, false, literal, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from bot.models import (
    AuditEvent,
    ChannelIdentity,
    Escalation,
    PersonalAdviser,
    StaffAccount,
    YoungPerson,
)

PA, MANAGER, EDITOR, ADMIN = "pa", "manager", "editor", "admin"
ROLES = (PA, MANAGER, EDITOR, ADMIN)


# Pages --------------------------------------------------------------------------------


def can_see_young_people(staff: StaffAccount) -> bool:
    """Editors improve content; they never see who anyone is."""
    return staff.role in (PA, MANAGER, ADMIN)


def can_see_team_inbox(staff: StaffAccount) -> bool:
    return staff.role in (MANAGER, ADMIN)


def can_see_audit(staff: StaffAccount) -> bool:
    return staff.role in (MANAGER, ADMIN)


def can_see_unanswered(staff: StaffAccount) -> bool:
    return staff.role in (EDITOR, ADMIN)


# One record ---------------------------------------------------------------------------


def _pa_team_id(young_person: YoungPerson) -> int | None:
    pa = young_person.pa
    return pa.team_id if pa is not None else None


def can_see_young_person(staff: StaffAccount, young_person: YoungPerson) -> bool:
    """A PA: their own caseload. A manager: their team's. An admin: everyone."""
    if not staff.active:
        return False
    if staff.role == ADMIN:
        return True
    if staff.role == PA:
        return staff.pa_id is not None and young_person.pa_id == staff.pa_id
    if staff.role == MANAGER:
        return staff.team_id is not None and _pa_team_id(young_person) == staff.team_id
    return False


def can_see_escalation(staff: StaffAccount, escalation: Escalation) -> bool:
    """A PA: escalations for them, or that they are handling. A manager: their team's."""
    if not staff.active:
        return False
    if staff.role == ADMIN:
        return True
    if staff.role not in (PA, MANAGER):
        return False
    if escalation.handling_staff_id is not None and escalation.handling_staff_id == staff.id:
        return True
    if staff.role == PA:
        return staff.pa_id is not None and escalation.pa_id == staff.pa_id
    return staff.team_id is not None and escalation.team_id == staff.team_id


# Acting on an escalation needs exactly what seeing it needs: whoever can see it may help.
can_act_on_escalation = can_see_escalation


# Lists, as SQL filters -------------------------------------------------------------------


def young_people_filter(staff: StaffAccount) -> ColumnElement[bool]:
    """WHERE clause on YoungPerson for the people `staff` may see."""
    if not staff.active:
        return false()
    if staff.role == ADMIN:
        return true()
    if staff.role == PA and staff.pa_id is not None:
        return YoungPerson.pa_id == staff.pa_id
    if staff.role == MANAGER and staff.team_id is not None:
        team_pas = select(PersonalAdviser.id).where(PersonalAdviser.team_id == staff.team_id)
        return YoungPerson.pa_id.in_(team_pas.scalar_subquery())
    return false()


def escalations_filter(staff: StaffAccount) -> ColumnElement[bool]:
    """WHERE clause on Escalation for the escalations `staff` may see (mirrors the above)."""
    if not staff.active or staff.role not in (PA, MANAGER, ADMIN):
        return false()
    if staff.role == ADMIN:
        return true()
    handling = Escalation.handling_staff_id == staff.id
    if staff.role == PA:
        if staff.pa_id is None:
            return handling
        return or_(Escalation.pa_id == staff.pa_id, handling)
    if staff.team_id is None:
        return handling
    return or_(Escalation.team_id == staff.team_id, handling)


def my_escalations_filter(staff: StaffAccount) -> ColumnElement[bool]:
    """'My escalations': the ones for my PA record, or that I am handling; for a manager,
    also the team's unresolved ones passed to them (overdue and re-escalated, or with no
    named PA), so their home page never says nothing needs them when something does."""
    if not staff.active or staff.role not in (PA, MANAGER, ADMIN):
        return false()
    mine = [Escalation.handling_staff_id == staff.id]
    if staff.pa_id is not None:
        mine.append(Escalation.pa_id == staff.pa_id)
    if staff.role == MANAGER and staff.team_id is not None:
        mine.append(
            and_(
                Escalation.team_id == staff.team_id,
                Escalation.status != "resolved",
                or_(Escalation.reescalated_at.is_not(None), Escalation.pa_id.is_(None)),
            )
        )
    return or_(*mine)


def team_escalations_filter(staff: StaffAccount) -> ColumnElement[bool]:
    """The team inbox: a manager's team, or everything for an admin."""
    if not staff.active:
        return false()
    if staff.role == ADMIN:
        return true()
    if staff.role == MANAGER and staff.team_id is not None:
        return Escalation.team_id == staff.team_id
    return false()


def audit_filter(staff: StaffAccount) -> ColumnElement[bool]:
    """Audit events a manager may read: about their team's young people (their records,
    escalations and chats) and about their team's staff (as subject or as actor)."""
    if not staff.active:
        return false()
    if staff.role == ADMIN:
        return true()
    if staff.role != MANAGER or staff.team_id is None:
        return false()
    team_pas = select(PersonalAdviser.id).where(PersonalAdviser.team_id == staff.team_id)
    people = select(cast(YoungPerson.id, String)).where(
        YoungPerson.pa_id.in_(team_pas.scalar_subquery())
    )
    people_ids = select(YoungPerson.id).where(YoungPerson.pa_id.in_(team_pas.scalar_subquery()))
    escalations = select(cast(Escalation.id, String)).where(Escalation.team_id == staff.team_id)
    chats = select(cast(ChannelIdentity.id, String)).where(
        ChannelIdentity.young_person_id.in_(people_ids.scalar_subquery())
    )
    colleague_ids = select(cast(StaffAccount.id, String)).where(
        StaffAccount.team_id == staff.team_id
    )
    colleague_actors = select(literal("staff:") + cast(StaffAccount.id, String)).where(
        StaffAccount.team_id == staff.team_id
    )
    return or_(
        and_(AuditEvent.subject_type == "young_person", AuditEvent.subject_id.in_(people)),
        and_(AuditEvent.subject_type == "escalation", AuditEvent.subject_id.in_(escalations)),
        and_(AuditEvent.subject_type == "channel_identity", AuditEvent.subject_id.in_(chats)),
        and_(AuditEvent.subject_type == "staff", AuditEvent.subject_id.in_(colleague_ids)),
        AuditEvent.actor.in_(colleague_actors),
    )
