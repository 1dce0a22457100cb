"""The duty report's figures on SQLite and PostgreSQL: for each, a young person (or an
escalation) that is in and a near miss that is out; the team and council filters; and the
monthly counts in London months."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.clock import FixedClock
from bot.db import session_factory
from bot.keeping_in_touch import duty_export
from bot.keeping_in_touch.duty_report import DutyReport, Scope, duty_report
from bot.keeping_in_touch.duty_trend import duty_trend, month_starts
from bot.models import Team
from bot.settings import PROJECT_ROOT
from tests.bot.keeping_in_touch.duty_world import World, years_before

# Exercises SQL behaviour: runs on PostgreSQL as well as SQLite.
pytestmark = pytest.mark.sql

LONDON = ZoneInfo("Europe/London")
UTC = timezone.utc


@pytest.fixture
def sessions(db_engine: Engine) -> sessionmaker:
    return session_factory(db_engine)


@pytest.fixture
def world(sessions: sessionmaker, demo: None, clock: FixedClock) -> World:
    return World(sessions, clock.now())


def report(world: World, scope: Scope | None = None) -> DutyReport:
    with world.sessions() as session:
        return duty_report(session, world.now, scope)


def refs(rows) -> set[str]:
    return {row.person.ref for row in rows}


def team_id(world: World, council: str) -> int:
    with world.sessions() as session:
        return session.execute(select(Team.id).where(Team.council_id == council)).scalar_one()


# No contact for longer than the cadence -----------------------------------------------------


def test_silence_longer_than_the_cadence_is_in_and_exactly_the_cadence_is_out(world: World) -> None:
    four_weeks = timedelta(weeks=4)
    past = world.aged("past-cadence", 19)
    world.chat(past, world.now - four_weeks - timedelta(minutes=1))
    on_the_dot = world.aged("on-the-boundary", 19)
    world.chat(on_the_dot, world.now - four_weeks)
    recent = world.aged("wrote-yesterday", 19)
    world.chat(recent, world.now - timedelta(weeks=10), channel="whatsapp")
    world.chat(recent, world.now - timedelta(days=1))  # the latest chat counts

    rows = {r.person.ref: r for r in report(world).no_contact_over_cadence}
    assert "past-cadence" in rows
    assert "on-the-boundary" not in rows
    assert "wrote-yesterday" not in rows
    row = rows["past-cadence"]
    assert row.last_contact == world.now - four_weeks - timedelta(minutes=1)
    assert row.contact_due_by == world.now - timedelta(minutes=1)
    assert row.cadence_weeks == 4 and row.checkins == "on"
    assert (row.person.pa, row.person.team, row.person.council_id) == (
        "Sam Ortiz",
        "Plymouth leaving care team",
        "plymouth",
    )


def test_the_plans_own_cadence_is_used_before_the_councils(world: World) -> None:
    slow = world.aged("every-eight-weeks", 19)
    world.chat(slow, world.now - timedelta(weeks=5))
    world.plan(slow, checkin_every_weeks=8)
    usual = world.aged("every-four-weeks", 19)
    world.chat(usual, world.now - timedelta(weeks=5))
    paused = world.aged("paused", 20)
    world.chat(paused, world.now - timedelta(weeks=5))
    world.plan(paused, checkins_paused=True)

    rows = {r.person.ref: r for r in report(world).no_contact_over_cadence}
    assert "every-eight-weeks" not in rows
    assert rows["every-four-weeks"].cadence_weeks == 4
    # Paused check-ins do not pause the duty to keep in touch: listed, and said so.
    assert rows["paused"].checkins == "paused"


def test_never_in_touch_counts_from_the_18th_birthday_or_the_record(world: World) -> None:
    world.aged("never-wrote", 19)
    turned_18_three_weeks_ago = years_before(world.today, 18) - timedelta(weeks=3)
    world.person("just-18", turned_18_three_weeks_ago)
    world.aged("new-record", 19, created_at=world.now - timedelta(weeks=2))

    rows = {r.person.ref: r for r in report(world).no_contact_over_cadence}
    assert set(rows) >= {"never-wrote"}
    assert "just-18" not in rows and "new-record" not in rows
    never = rows["never-wrote"]
    assert never.last_contact is None
    eighteenth = years_before(world.today, 1) - timedelta(days=100)
    assert never.contact_due_by == datetime.combine(eighteenth, time(0), LONDON) + timedelta(
        weeks=4
    )


def test_only_18_to_20_year_olds_whose_support_goes_on(world: World) -> None:
    for ref, years in (("aged-17", 17), ("aged-21", 21), ("aged-20", 20), ("aged-18", 18)):
        world.aged(ref, years)
    world.aged("ended", 19, status="ended")
    closed = world.aged("closed-plan", 19)
    world.plan(closed, closed_at=world.now - timedelta(days=1))

    found = refs(report(world).no_contact_over_cadence)
    assert {"aged-18", "aged-20"} <= found
    assert not found & {"aged-17", "aged-21", "ended", "closed-plan"}


# Unreachable -------------------------------------------------------------------------------


def test_unreachable_when_every_linked_chat_is_gone(world: World) -> None:
    gone = world.aged("all-chats-gone", 19)
    world.chat(gone, world.now - timedelta(days=30), unreachable_at=world.now - timedelta(days=9))
    world.chat(
        gone,
        world.now - timedelta(days=20),
        unreachable_at=world.now - timedelta(days=3),
        channel="whatsapp",
    )
    one_left = world.aged("one-chat-left", 19)
    world.chat(one_left, world.now - timedelta(days=30), unreachable_at=world.now)
    world.chat(one_left, world.now - timedelta(days=40), channel="web")
    world.aged("never-linked", 22)

    rows = {r.person.ref: r for r in report(world).unreachable}
    assert set(rows) == {"all-chats-gone"}
    row = rows["all-chats-gone"]
    assert row.unreachable_since == world.now - timedelta(days=3)
    assert row.last_contact == world.now - timedelta(days=20)
    assert row.chats == 2


# Turning 21, and the PA-support question ---------------------------------------------------


def test_a_21st_birthday_on_day_91_is_in_and_on_day_92_is_out(world: World) -> None:
    def born_for_21_in(days: int) -> date:
        return years_before(world.today + timedelta(days=days), 21)

    world.person("day-91", born_for_21_in(91))
    world.person("day-92", born_for_21_in(92))
    world.person("today", born_for_21_in(0))
    world.person("yesterday", born_for_21_in(-1))

    rows = {r.person.ref: r for r in report(world).turning_21_within_91_days}
    assert {"day-91", "today"} <= set(rows)
    assert "day-92" not in rows and "yesterday" not in rows
    assert rows["day-91"].days_to_go == 91
    assert rows["day-91"].birthday_21 == world.today + timedelta(days=91)


def test_who_has_not_decided_about_pa_support(world: World) -> None:
    def soon(ref: str, **kwargs) -> int:
        return world.person(ref, years_before(world.today + timedelta(days=30), 21), **kwargs)

    asked = world.now - timedelta(days=60)
    silent = soon("asked-no-answer")
    world.plan(silent, optin_prompted_at=asked)
    unsure = soon("not-sure")
    world.plan(unsure, optin_prompted_at=asked, optin_answer="not_sure", optin_answered_at=asked)
    said_yes = soon("said-yes", status="opted_in")
    world.plan(said_yes, optin_prompted_at=asked, optin_answer="yes", optin_answered_at=asked)
    soon("never-asked")

    result = report(world)
    assert {"asked-no-answer", "not-sure", "said-yes", "never-asked"} <= refs(
        result.turning_21_within_91_days
    )
    unanswered = {r.person.ref: r for r in result.optin_unanswered}
    assert {"asked-no-answer", "not-sure", "never-asked"} <= set(unanswered)
    assert "said-yes" not in unanswered
    assert unanswered["asked-no-answer"].asked_at == asked
    assert unanswered["never-asked"].asked_at is None
    assert unanswered["not-sure"].answer == "not_sure"


def test_those_who_said_no_and_their_next_birthday_reminder(world: World) -> None:
    result = {r.person.ref: r for r in report(world).said_no}
    # Demo: Dan said no and is 22 and 150 days: the next reminder is his 23rd birthday.
    dan = result["demo-22"]
    birthday_23 = years_before(world.today, 22) - timedelta(days=150)
    birthday_23 = birthday_23.replace(year=birthday_23.year + 23)
    assert dan.next_reminder == datetime.combine(birthday_23, time(10), LONDON)
    assert dan.birthday_25 == birthday_23.replace(year=birthday_23.year + 2)
    assert "demo-21" not in result  # opted in

    stopped = world.aged("said-no-then-stop", 22, status="opted_out")
    world.plan(stopped, optin_answer="no", stopped_at=world.now - timedelta(days=5))
    world.aged("said-no-now-25", 25, status="opted_out")
    result = {r.person.ref: r for r in report(world).said_no}
    assert result["said-no-then-stop"].next_reminder is None  # they said stop
    assert "said-no-now-25" not in result


# Escalations -------------------------------------------------------------------------------


def test_overdue_and_re_escalated_escalations(world: World) -> None:
    jay = world.aged("esc-person", 19)
    made = world.now - timedelta(hours=30)
    late = world.escalation(jay, created_at=made, due_at=world.now - timedelta(minutes=1))
    due_now = world.escalation(jay, created_at=made, due_at=world.now, reason="crisis")
    not_yet = world.escalation(jay, created_at=made, due_at=world.now + timedelta(minutes=1))
    reescalated = world.escalation(
        jay,
        created_at=made,
        due_at=world.now - timedelta(hours=5),
        status="acknowledged",
        acknowledged_at=world.now - timedelta(hours=1),
        reescalated_at=world.now - timedelta(hours=5),
    )
    acked_late = world.escalation(
        jay,
        created_at=made,
        due_at=world.now - timedelta(hours=5),
        status="acknowledged",
        acknowledged_at=world.now - timedelta(hours=4),
    )
    resolved = world.escalation(
        jay,
        created_at=made,
        due_at=world.now - timedelta(hours=5),
        status="resolved",
        reescalated_at=world.now - timedelta(hours=5),
        resolved_at=world.now - timedelta(hours=1),
    )
    anonymous = world.escalation(
        None,
        created_at=made,
        due_at=world.now - timedelta(hours=2),
        team_id=team_id(world, "plymouth"),
    )

    rows = {r.id: r for r in report(world).overdue_escalations}
    assert set(rows) == {late, reescalated, anonymous}
    assert not {due_now, not_yet, acked_late, resolved} & set(rows)
    row = rows[late]
    assert (row.overdue, row.re_escalated, row.age_hours) == (True, False, 30)
    assert row.pa == "Sam Ortiz" and row.person.ref == "esc-person"
    assert row.due_at == world.now - timedelta(minutes=1)
    assert (rows[reescalated].overdue, rows[reescalated].re_escalated) == (False, True)
    assert rows[anonymous].person is None and rows[anonymous].team == "Plymouth leaving care team"


# Scope -------------------------------------------------------------------------------------


def test_a_team_or_council_filter_keeps_to_its_own(world: World) -> None:
    plymouth = world.aged("plymouth-silent", 19)
    cambs = world.aged("cambs-silent", 19, council="cambridgeshire", pa="Tom Walsh")
    world.aged("no-pa-silent", 19, pa=None)
    cambs_21 = years_before(world.today + timedelta(days=10), 21)
    world.person("cambs-turning-21", cambs_21, council="cambridgeshire", pa="Tom Walsh")
    for yp in (plymouth, cambs):  # asked for their PA 40 days ago: still unanswered
        world.escalation(
            yp, created_at=world.now - timedelta(days=40), due_at=world.now - timedelta(days=39)
        )

    plymouth_team = Scope(team_id=team_id(world, "plymouth"))
    mine = report(world, plymouth_team)
    assert "plymouth-silent" in refs(mine.no_contact_over_cadence)
    assert not {"cambs-silent", "no-pa-silent"} & refs(mine.no_contact_over_cadence)
    assert {r.person.ref for r in mine.overdue_escalations} == {"plymouth-silent"}
    assert "cambs-turning-21" not in refs(mine.turning_21_within_91_days)

    theirs = report(world, Scope(council_id="cambridgeshire"))
    assert refs(theirs.no_contact_over_cadence) == {"cambs-silent", "cambs-turning-21"}
    assert refs(theirs.turning_21_within_91_days) == {"cambs-turning-21"}
    assert {r.person.ref for r in theirs.overdue_escalations} == {"cambs-silent"}

    everyone = report(world)
    assert {"plymouth-silent", "cambs-silent", "no-pa-silent"} <= refs(
        everyone.no_contact_over_cadence
    )
    assert report(world, Scope("cambridgeshire", plymouth_team.team_id)).overdue_escalations == ()


# The monthly counts and the trend ------------------------------------------------------------


def test_months_are_london_months_and_this_month_is_set_against_last(world: World) -> None:
    yp = world.aged("trend-person", 19)
    # 23:30 UTC on 30 September is 00:30 on 1 October in London (summer time): October.
    first_of_october = datetime(2026, 9, 30, 23, 30, tzinfo=UTC)
    last_of_september = datetime(2026, 9, 30, 22, 30, tzinfo=UTC)
    world.escalation(
        yp,
        created_at=first_of_october,
        due_at=first_of_october + timedelta(hours=1),
        status="acknowledged",
        acknowledged_at=first_of_october + timedelta(minutes=5),
    )
    world.escalation(
        yp,
        created_at=last_of_september,
        due_at=last_of_september + timedelta(hours=1),
        status="acknowledged",
        acknowledged_at=last_of_september + timedelta(minutes=5),
    )
    # October: one escalation acknowledged after its deadline; November: one still open past
    # it, one lost contact, and one not due yet (no missed deadline).
    world.escalation(
        yp,
        created_at=datetime(2026, 10, 12, 9, tzinfo=UTC),
        due_at=datetime(2026, 10, 13, 17, tzinfo=UTC),
        status="resolved",
        acknowledged_at=datetime(2026, 10, 14, 9, tzinfo=UTC),
        resolved_at=datetime(2026, 10, 14, 10, tzinfo=UTC),
    )
    world.escalation(
        yp,
        created_at=datetime(2026, 11, 20, 9, tzinfo=UTC),
        due_at=datetime(2026, 11, 21, 17, tzinfo=UTC),
    )
    world.escalation(
        yp,
        created_at=datetime(2026, 11, 22, 9, tzinfo=UTC),
        due_at=datetime(2026, 11, 23, 17, tzinfo=UTC),
        reason="lost_contact",
    )
    for day in (2, 9, 30):
        world.checkin_sent(yp, datetime(2026, 10, day, 9, tzinfo=UTC))
    world.checkin_sent(yp, datetime(2026, 11, 2, 9, tzinfo=UTC))
    world.checkin_sent(yp, datetime(2026, 11, 3, 9, tzinfo=UTC), status="failed")
    world.checkin_sent(yp, datetime(2026, 5, 29, 9, tzinfo=UTC))  # before the six months

    with world.sessions() as session:
        trend = duty_trend(session, world.now)
    assert [m.label for m in trend.months] == [
        "Jun 2026",
        "Jul 2026",
        "Aug 2026",
        "Sep 2026",
        "Oct 2026",
        "Nov 2026",
    ]
    by_label = {m.label: m for m in trend.months}
    assert by_label["Sep 2026"].escalations_opened == 1
    assert by_label["Oct 2026"].escalations_opened == 2
    assert (trend.this_month.escalations_opened, trend.last_month.escalations_opened) == (2, 2)
    assert (trend.this_month.deadlines_missed, trend.last_month.deadlines_missed) == (1, 1)
    assert (trend.this_month.checkins_sent, trend.last_month.checkins_sent) == (1, 3)
    assert (trend.this_month.lost_contact, trend.last_month.lost_contact) == (1, 0)
    assert sum(m.checkins_sent for m in trend.months) == 4

    with world.sessions() as session:
        other = duty_trend(session, world.now, Scope(council_id="cambridgeshire"))
    assert sum(m.escalations_opened + m.checkins_sent for m in other.months) == 0


def test_month_starts_cross_the_new_year() -> None:
    january = datetime(2027, 1, 15, 12, tzinfo=UTC)
    assert month_starts(january, 3) == [date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1)]


# Exports and the module's boundaries --------------------------------------------------------


def test_records_carry_references_and_dates_and_names_only_when_asked(world: World) -> None:
    world.aged("export-person", 19, name="Zed")
    result = report(world)
    (plain,) = [
        r
        for r in duty_export.records(result, "no_contact_over_cadence")
        if r["ref"] == "export-person"
    ]
    assert "name" not in plain and "Zed" not in plain.values()
    assert plain["pa"] == "Sam Ortiz" and plain["cadence_weeks"] == 4
    named = duty_export.records(result, "no_contact_over_cadence", names=True)
    assert any(r.get("name") == "Zed" for r in named)
    for figure in duty_export.FIGURES:
        for record in duty_export.records(result, figure, names=True):
            assert set(record) <= set(duty_export.COLUMNS), figure


def test_the_domain_modules_import_neither_dialogues_nor_the_dashboard() -> None:
    code = (
        "import sys\n"
        "import bot.keeping_in_touch.duty_report, bot.keeping_in_touch.duty_trend\n"
        "import bot.keeping_in_touch.duty_export, bot.keeping_in_touch.duty_rows\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('dialogues', 'bot.dashboard')))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
