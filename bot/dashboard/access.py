"""Who may see what: every dashboard permission rule, as pure functions and query filters."""

from __future__ import annotations

from datetime import date

from sqlalchemy import String, and_, cast, false, literal, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from bot.advisers import cover
from bot.advisers.staff import ADMIN, EDITOR, MANAGER, PA, ROLES
from bot.models import (
    AuditEvent,
    ChannelIdentity,
    Escalation,
    PersonalAdviser,
    StaffAccount,
    YoungPerson,
)

__all__ = ["ADMIN", "EDITOR", "MANAGER", "PA", "ROLES"]  # the roles, for the pages


# Pages --------------------------------------------------------------------------------


def can_see_young_people(staff: StaffAccount) -> bool:
    """Editors improve content; they never see who anyone is."""
    return staff.role in (PA, MANAGER, ADMIN)


def can_see_team_inbox(staff: StaffAccount) -> bool:
    """Managers and admins; a PA on the duty rota sees the part that went to duty."""
    return staff.role in (MANAGER, ADMIN) or (staff.role == PA and staff.on_duty)


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


def _covers(staff: StaffAccount, escalation: Escalation, today: date) -> bool:
    """Sent to them as cover, or for a PA they are covering for today."""
    if escalation.cover_staff_id is not None and escalation.cover_staff_id == staff.id:
        return True
    pa = escalation.pa
    return pa is not None and pa.cover_staff_id == staff.id and cover.is_away(pa, today)


def _on_duty_for(staff: StaffAccount, escalation: Escalation) -> bool:
    """On the team's duty rota, and the escalation went to the duty route."""
    return (
        staff.on_duty
        and staff.team_id is not None
        and escalation.team_id == staff.team_id
        and escalation.duty_notified
    )


def can_see_escalation(staff: StaffAccount, escalation: Escalation, *, today: date) -> bool:
    """A PA: escalations for them, that they are handling, that they cover for an away
    colleague, or (on the duty rota) that went to duty. A manager: their team's."""
    if not staff.active:
        return False
    if staff.role == ADMIN:
        return True
    if staff.role not in (PA, MANAGER):
        return False
    if escalation.handling_staff_id is not None and escalation.handling_staff_id == staff.id:
        return True
    if _covers(staff, escalation, today) or _on_duty_for(staff, escalation):
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


def _away_on(today: date) -> ColumnElement[bool]:
    """WHERE clause on PersonalAdviser: away on `today` (mirrors cover.is_away)."""
    return or_(
        PersonalAdviser.away.is_(True),
        and_(
            PersonalAdviser.away_from <= today,
            or_(PersonalAdviser.away_until.is_(None), PersonalAdviser.away_until >= today),
        ),
    )


def _cover_filter(staff: StaffAccount, today: date) -> ColumnElement[bool]:
    covered_pas = select(PersonalAdviser.id).where(
        PersonalAdviser.cover_staff_id == staff.id, _away_on(today)
    )
    return or_(
        Escalation.cover_staff_id == staff.id,
        Escalation.pa_id.in_(covered_pas.scalar_subquery()),
    )


def _duty_filter(staff: StaffAccount) -> ColumnElement[bool]:
    if not staff.on_duty or staff.team_id is None:
        return false()
    return and_(Escalation.team_id == staff.team_id, Escalation.duty_notified.is_(True))


def escalations_filter(staff: StaffAccount, *, today: date) -> ColumnElement[bool]:
    """WHERE clause on Escalation for the escalations `staff` may see (mirrors the above)."""
    if not staff.active or staff.role not in (PA, MANAGER, ADMIN):
        return false()
    if staff.role == ADMIN:
        return true()
    shared = [
        Escalation.handling_staff_id == staff.id,
        _cover_filter(staff, today),
        _duty_filter(staff),
    ]
    if staff.role == PA:
        if staff.pa_id is None:
            return or_(*shared)
        return or_(Escalation.pa_id == staff.pa_id, *shared)
    if staff.team_id is None:
        return or_(*shared)
    return or_(Escalation.team_id == staff.team_id, *shared)


def my_escalations_filter(staff: StaffAccount, *, today: date) -> ColumnElement[bool]:
    """'My escalations': the ones for my PA record, that I am handling or covering, and the
    unresolved ones passed to me: on the duty rota, those that went to duty; for a manager,
    the team's overdue and re-escalated ones and those with no named PA (so their home page
    never says nothing needs them when something does)."""
    if not staff.active or staff.role not in (PA, MANAGER, ADMIN):
        return false()
    mine = [Escalation.handling_staff_id == staff.id, _cover_filter(staff, today)]
    if staff.pa_id is not None:
        mine.append(Escalation.pa_id == staff.pa_id)
    unresolved = Escalation.status != "resolved"
    mine.append(and_(unresolved, _duty_filter(staff)))
    if staff.role == MANAGER and staff.team_id is not None:
        mine.append(
            and_(
                Escalation.team_id == staff.team_id,
                unresolved,
                or_(
                    Escalation.reescalated_at.is_not(None),
                    Escalation.pa_id.is_(None),
                    Escalation.pa_id.in_(
                        select(PersonalAdviser.id)
                        .where(_away_on(today), PersonalAdviser.cover_staff_id.is_(None))
                        .scalar_subquery()
                    ),
                ),
            )
        )
    return or_(*mine)


def team_escalations_filter(staff: StaffAccount) -> ColumnElement[bool]:
    """The team inbox: a manager's team, or everything for an admin; on the duty rota, the
    team's escalations that went to duty."""
    if not staff.active:
        return false()
    if staff.role == ADMIN:
        return true()
    if staff.role == MANAGER and staff.team_id is not None:
        return Escalation.team_id == staff.team_id
    if staff.role == PA:
        return _duty_filter(staff)
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


# Staff accounts -------------------------------------------------------------------------


def _manages_team(staff: StaffAccount, team_id: int | None) -> bool:
    return (
        staff.active and staff.role == MANAGER and team_id is not None and staff.team_id == team_id
    )


def can_add_staff(staff: StaffAccount) -> bool:
    """Adding accounts, changing roles, deactivating and reactivating: admins only."""
    return staff.active and staff.role == ADMIN


def can_see_accounts(staff: StaffAccount) -> bool:
    """The staff accounts list: an admin sees everyone's, a manager their team's."""
    return can_add_staff(staff) or _manages_team(staff, staff.team_id)


def can_see_account(staff: StaffAccount, account: StaffAccount) -> bool:
    return can_add_staff(staff) or _manages_team(staff, account.team_id)


def can_help_account(staff: StaffAccount, account: StaffAccount) -> bool:
    """Unlocking and password links: an admin, or the manager of a PA on their own team (not
    of another manager or an admin, whose account would give them more than they have)."""
    return can_add_staff(staff) or (account.role == PA and _manages_team(staff, account.team_id))


def can_move_caseload(
    staff: StaffAccount, from_pa: PersonalAdviser, to_pa: PersonalAdviser | None
) -> bool:
    """An admin anywhere (within a council); a manager between their own team's PAs."""
    if can_add_staff(staff):
        return True
    return _manages_team(staff, from_pa.team_id) and (
        to_pa is None or to_pa.team_id == from_pa.team_id
    )
