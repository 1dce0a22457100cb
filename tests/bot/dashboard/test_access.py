"""Access rules: pure checks on unsaved objects, then the SQL filters over the demo data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from bot.clock import FixedClock
from bot.dashboard import access
from bot.models import AuditEvent, Escalation, PersonalAdviser, StaffAccount, YoungPerson
from tests.bot.dashboard.helpers import Account, make_escalation, young_person

# Exercises SQL behaviour: runs on PostgreSQL as well as SQLite.
pytestmark = pytest.mark.sql

TEAM_A, TEAM_B = 1, 2
PA_A1, PA_A2, PA_B1 = 11, 12, 21


TODAY = date(2026, 12, 7)


def staff(
    role: str,
    *,
    pa_id: int | None = None,
    team_id: int | None = None,
    id: int = 100,
    on_duty: bool = False,
):
    return StaffAccount(
        id=id, role=role, pa_id=pa_id, team_id=team_id, active=True, on_duty=on_duty
    )


def person(pa_id: int | None, team_id: int | None) -> YoungPerson:
    pa = PersonalAdviser(id=pa_id, team_id=team_id) if pa_id is not None else None
    return YoungPerson(id=1, pa_id=pa_id, pa=pa)


def escalation(
    pa_id: int | None,
    team_id: int | None,
    handling: int | None = None,
    *,
    cover: int | None = None,
    duty: bool = False,
    pa: PersonalAdviser | None = None,
) -> Escalation:
    return Escalation(
        id=1,
        pa_id=pa_id,
        team_id=team_id,
        handling_staff_id=handling,
        cover_staff_id=cover,
        duty_notified=duty,
        pa=pa,
    )


def away_pa(pa_id: int, *, cover: int, start: date, end: date | None) -> PersonalAdviser:
    return PersonalAdviser(
        id=pa_id, team_id=TEAM_A, away=False, away_from=start, away_until=end, cover_staff_id=cover
    )


PA_A1_STAFF = staff("pa", pa_id=PA_A1, team_id=TEAM_A)
MANAGER_A = staff("manager", team_id=TEAM_A)
EDITOR = staff("editor")
ADMIN = staff("admin")


@pytest.mark.parametrize(
    ("who", "yp", "allowed"),
    [
        (PA_A1_STAFF, person(PA_A1, TEAM_A), True),
        (PA_A1_STAFF, person(PA_A2, TEAM_A), False),  # a colleague's caseload
        (PA_A1_STAFF, person(None, None), False),
        (staff("pa", pa_id=None), person(None, None), False),  # no PA record: nobody
        (MANAGER_A, person(PA_A1, TEAM_A), True),
        (MANAGER_A, person(PA_A2, TEAM_A), True),
        (MANAGER_A, person(PA_B1, TEAM_B), False),
        (MANAGER_A, person(None, None), False),
        (staff("manager", team_id=None), person(None, None), False),
        (EDITOR, person(PA_A1, TEAM_A), False),
        (ADMIN, person(PA_B1, TEAM_B), True),
        (ADMIN, person(None, None), True),
        (staff("intruder"), person(PA_A1, TEAM_A), False),  # an unknown role sees nothing
    ],
)
def test_who_sees_a_young_person(who: StaffAccount, yp: YoungPerson, allowed: bool) -> None:
    assert access.can_see_young_person(who, yp) is allowed


@pytest.mark.parametrize(
    ("who", "esc", "allowed"),
    [
        (PA_A1_STAFF, escalation(PA_A1, TEAM_A), True),
        (PA_A1_STAFF, escalation(PA_A2, TEAM_A), False),
        (PA_A1_STAFF, escalation(PA_A2, TEAM_A, handling=PA_A1_STAFF.id), True),
        (PA_A1_STAFF, escalation(None, TEAM_A), False),  # anonymous: the team, not a PA
        (MANAGER_A, escalation(PA_A2, TEAM_A), True),
        (MANAGER_A, escalation(None, TEAM_A), True),
        (MANAGER_A, escalation(PA_B1, TEAM_B), False),
        (MANAGER_A, escalation(PA_B1, TEAM_B, handling=MANAGER_A.id), True),
        (EDITOR, escalation(PA_A1, TEAM_A), False),
        (EDITOR, escalation(PA_A1, TEAM_A, handling=EDITOR.id), False),
        (ADMIN, escalation(None, None), True),
        # Sent to them as cover for an away colleague.
        (PA_A1_STAFF, escalation(PA_A2, TEAM_A, cover=PA_A1_STAFF.id), True),
        # Covering for a PA who is away today: that PA's escalations, old ones included.
        (
            PA_A1_STAFF,
            escalation(
                PA_A2,
                TEAM_A,
                pa=away_pa(PA_A2, cover=PA_A1_STAFF.id, start=TODAY, end=TODAY),
            ),
            True,
        ),
        # ... but not once the colleague is back.
        (
            PA_A1_STAFF,
            escalation(
                PA_A2,
                TEAM_A,
                pa=away_pa(
                    PA_A2,
                    cover=PA_A1_STAFF.id,
                    start=TODAY - timedelta(7),
                    end=TODAY - timedelta(1),
                ),
            ),
            False,
        ),
        # On the duty rota: the team's escalations that went to duty, and no others.
        (
            staff("pa", pa_id=PA_A1, team_id=TEAM_A, on_duty=True),
            escalation(PA_A2, TEAM_A, duty=True),
            True,
        ),
        (staff("pa", pa_id=PA_A1, team_id=TEAM_A, on_duty=True), escalation(PA_A2, TEAM_A), False),
        (
            staff("pa", pa_id=PA_A1, team_id=TEAM_A, on_duty=True),
            escalation(PA_B1, TEAM_B, duty=True),
            False,
        ),
    ],
)
def test_who_sees_an_escalation(who: StaffAccount, esc: Escalation, allowed: bool) -> None:
    assert bool(access.can_see_escalation(who, esc, today=TODAY)) is allowed
    assert bool(access.can_act_on_escalation(who, esc, today=TODAY)) is allowed


def test_an_inactive_account_sees_nothing() -> None:
    gone = staff("admin")
    gone.active = False
    assert not access.can_see_young_person(gone, person(PA_A1, TEAM_A))
    assert not access.can_see_escalation(gone, escalation(PA_A1, TEAM_A), today=TODAY)


@pytest.mark.parametrize(
    ("role", "young_people", "team", "audit", "unanswered"),
    [
        ("pa", True, False, False, False),
        ("manager", True, True, True, False),
        ("editor", False, False, False, True),
        ("admin", True, True, True, True),
    ],
)
def test_pages_by_role(
    role: str, young_people: bool, team: bool, audit: bool, unanswered: bool
) -> None:
    who = staff(role)
    assert access.can_see_young_people(who) is young_people
    assert access.can_see_team_inbox(who) is team
    assert access.can_see_audit(who) is audit
    assert access.can_see_unanswered(who) is unanswered


def test_roles_are_the_four_documented() -> None:
    assert access.ROLES == ("pa", "manager", "editor", "admin")


# The same rules as SQL, checked against the pure functions on real rows ---------------------


def _account(sessions: sessionmaker, account: Account) -> StaffAccount:
    with sessions() as session:
        return session.get(StaffAccount, account.id)


def test_young_people_filter_matches_the_rule(
    sessions: sessionmaker, staff: dict[str, Account]
) -> None:
    with sessions() as session:
        everyone = session.execute(select(YoungPerson)).scalars().all()
        expected_counts = {"sam": 5, "priya": 4, "tom": 1, "manager": 9, "cambs_manager": 1}
        for key, account in staff.items():
            who = session.get(StaffAccount, account.id)
            seen = set(
                session.execute(
                    select(YoungPerson.id).where(access.young_people_filter(who))
                ).scalars()
            )
            assert seen == {yp.id for yp in everyone if access.can_see_young_person(who, yp)}
            if key in expected_counts:
                assert len(seen) == expected_counts[key], key
        assert len(everyone) == 11
        admin = session.get(StaffAccount, staff["admin"].id)
        editor = session.get(StaffAccount, staff["editor"].id)
        assert (
            session.execute(
                select(func.count(YoungPerson.id)).where(access.young_people_filter(admin))
            ).scalar_one()
            == 11
        )
        assert not session.execute(
            select(YoungPerson.id).where(access.young_people_filter(editor))
        ).all()


def test_escalation_filters_match_the_rule(
    sessions: sessionmaker, staff: dict[str, Account], clock: FixedClock
) -> None:
    now = clock.now()
    make_escalation(sessions, "demo-19", now)  # Sam's
    make_escalation(sessions, "demo-17", now)  # Priya's
    make_escalation(sessions, "demo-cambs-19", now)  # Tom's, another team
    # Priya's young person, but Sam took the conversation over while covering.
    make_escalation(sessions, "demo-20", now, handling_staff_id=staff["sam"].id)
    today = now.date()
    with sessions() as session:
        every = session.execute(select(Escalation)).scalars().all()
        for account in staff.values():
            who = session.get(StaffAccount, account.id)
            seen = set(
                session.execute(
                    select(Escalation.id).where(access.escalations_filter(who, today=today))
                ).scalars()
            )
            assert seen == {e.id for e in every if access.can_see_escalation(who, e, today=today)}
            mine = set(
                session.execute(
                    select(Escalation.id).where(access.my_escalations_filter(who, today=today))
                ).scalars()
            )
            assert mine <= seen
        sam = session.get(StaffAccount, staff["sam"].id)
        manager = session.get(StaffAccount, staff["manager"].id)
        assert (
            len(
                session.execute(
                    select(Escalation.id).where(access.escalations_filter(sam, today=today))
                ).all()
            )
            == 2
        )
        team = session.execute(
            select(Escalation.id).where(access.team_escalations_filter(manager))
        ).all()
        assert len(team) == 3


def test_a_manager_reads_the_audit_of_their_team_only(
    sessions: sessionmaker, staff: dict[str, Account], clock: FixedClock
) -> None:
    now = clock.now()
    with sessions.begin() as session:
        mine = young_person(session, "demo-19")
        theirs = young_person(session, "demo-cambs-19")
        for yp in (mine, theirs):
            session.add(
                AuditEvent(
                    at=now,
                    actor="bot",
                    action="test_about_person",
                    subject_type="young_person",
                    subject_id=str(yp.id),
                    detail={},
                )
            )
        for key in ("sam", "tom"):
            session.add(
                AuditEvent(
                    at=now + timedelta(seconds=1),
                    actor=f"staff:{staff[key].id}",
                    action="test_by_staff",
                    detail={},
                )
            )
        mine_id, theirs_id = mine.id, theirs.id
    plymouth = _account(sessions, staff["manager"])
    with sessions() as session:
        seen = (
            session.execute(
                select(AuditEvent).where(
                    access.audit_filter(plymouth), AuditEvent.action.like("test_%")
                )
            )
            .scalars()
            .all()
        )
        about = {(e.action, e.subject_id or e.actor) for e in seen}
        assert about == {
            ("test_about_person", str(mine_id)),
            ("test_by_staff", f"staff:{staff['sam'].id}"),
        }
        assert ("test_about_person", str(theirs_id)) not in about
        for key in ("sam", "editor"):
            who = session.get(StaffAccount, staff[key].id)
            assert not session.execute(select(AuditEvent.id).where(access.audit_filter(who))).all()


def test_cover_and_duty_filters_match_the_rule(
    sessions: sessionmaker, staff: dict[str, Account], clock: FixedClock
) -> None:
    """Priya is away with Sam covering; Tom's team mate is on duty. The SQL filters and the
    pure rule agree for everyone, today and after Priya is back."""
    now = clock.now()
    today = now.date()
    make_escalation(sessions, "demo-17", now)  # Priya's, from before she went away
    make_escalation(sessions, "demo-19", now)  # Sam's
    make_escalation(sessions, "demo-cambs-19", now, duty_notified=True)  # went to duty
    make_escalation(sessions, "demo-cambs-19", now, reason="in_danger")  # did not
    with sessions.begin() as session:
        priya = session.get(StaffAccount, staff["priya"].id).pa
        priya.away_from, priya.away_until = today, today + timedelta(days=3)
        priya.cover_staff_id = staff["sam"].id
        session.get(StaffAccount, staff["tom"].id).on_duty = True
    for day, sam_sees in ((today, 2), (today + timedelta(days=4), 1)):
        with sessions() as session:
            every = session.execute(select(Escalation)).scalars().all()
            for account in staff.values():
                who = session.get(StaffAccount, account.id)
                seen = set(
                    session.execute(
                        select(Escalation.id).where(access.escalations_filter(who, today=day))
                    ).scalars()
                )
                assert seen == {e.id for e in every if access.can_see_escalation(who, e, today=day)}
                mine = set(
                    session.execute(
                        select(Escalation.id).where(access.my_escalations_filter(who, today=day))
                    ).scalars()
                )
                assert mine <= seen
            sam = session.get(StaffAccount, staff["sam"].id)
            assert (
                len(
                    session.execute(
                        select(Escalation.id).where(access.my_escalations_filter(sam, today=day))
                    ).all()
                )
                == sam_sees
            )
            tom = session.get(StaffAccount, staff["tom"].id)
            inbox = session.execute(
                select(Escalation.id).where(access.team_escalations_filter(tom))
            ).all()
            assert len(inbox) == 1  # the one that went to duty
            assert access.can_see_team_inbox(tom)
