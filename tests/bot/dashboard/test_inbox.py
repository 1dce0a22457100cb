"""Escalation lists: the PA's name and how long each has waited, and the team inbox filters."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.orm import sessionmaker
from starlette.testclient import TestClient

from bot.clock import FixedClock
from bot.dashboard.inbox import waited
from bot.models import StaffAccount
from tests.bot.dashboard.helpers import make_escalation

Browser = Callable[[str], TestClient]


def listed(page: str) -> set[int]:
    return {int(n) for n in re.findall(r'href="/staff/escalations/(\d+)"', page)}


def test_waiting_reads_the_way_staff_say_it(clock: FixedClock) -> None:
    now = clock.now()
    assert waited(now - timedelta(minutes=40), now) == "40 min"
    assert waited(now - timedelta(hours=5, minutes=59), now) == "5 h"
    assert waited(now - timedelta(hours=47), now) == "47 h"
    assert waited(now - timedelta(days=3, hours=2), now) == "3 days"
    assert waited(now + timedelta(minutes=5), now) == "0 min"  # a clock a little ahead


def test_the_team_inbox_names_the_pa_and_how_long_each_has_waited(
    browser: Browser, sessions: sessionmaker, clock: FixedClock
) -> None:
    now = clock.now()
    sams = make_escalation(sessions, "demo-19", now, created_ago=timedelta(hours=5))
    priyas = make_escalation(sessions, "demo-17", now, created_ago=timedelta(days=3))
    page = browser("manager").get("/staff/team").text
    assert listed(page) == {sams, priyas}
    row = page[page.index(f"/staff/escalations/{sams}") :]
    row = row[: row.index("</tr>")]
    assert "Sam Ortiz" in row and ">5 h<" in row
    row = page[page.index(f"/staff/escalations/{priyas}") :]
    row = row[: row.index("</tr>")]
    assert "Priya Shah" in row and ">3 days<" in row


def test_the_manager_home_names_the_pa_of_what_was_passed_to_them(
    browser: Browser, sessions: sessionmaker, clock: FixedClock
) -> None:
    now = clock.now()
    esc = make_escalation(
        sessions, "demo-17", now, urgency="urgent", reescalated_at=now - timedelta(minutes=5)
    )
    page = browser("manager").get("/staff/").text
    assert listed(page) == {esc}
    assert "<bdi>Priya Shah</bdi>" in page


def test_team_inbox_filters_narrow_the_list(
    browser: Browser, sessions: sessionmaker, clock: FixedClock, staff
) -> None:
    now = clock.now()
    urgent = make_escalation(sessions, "demo-19", now, urgency="urgent")
    overdue = make_escalation(sessions, "demo-17", now, due_in=timedelta(hours=-1))
    acknowledged = make_escalation(sessions, "demo-18", now, status="acknowledged")
    resolved = make_escalation(
        sessions, "demo-16", now, status="resolved", resolved_at=now - timedelta(hours=1)
    )
    manager = browser("manager")
    assert listed(manager.get("/staff/team").text) == {urgent, overdue, acknowledged, resolved}
    assert listed(manager.get("/staff/team?urgent=1").text) == {urgent}
    assert listed(manager.get("/staff/team?overdue=1").text) == {overdue}
    assert listed(manager.get("/staff/team?status=acknowledged").text) == {acknowledged}
    assert listed(manager.get("/staff/team?status=resolved").text) == {resolved}
    assert listed(manager.get("/staff/team?status=waiting").text) == {
        urgent,
        overdue,
        acknowledged,
    }
    with sessions() as session:
        priya_pa = session.get(StaffAccount, staff["priya"].id).pa_id
    assert listed(manager.get(f"/staff/team?pa={priya_pa}").text) == {overdue}
    empty = manager.get("/staff/team?urgent=1&status=resolved").text
    assert "Nothing matches these filters." in empty and "Clear filters" in empty
    # Nonsense in the query string is ignored, not an error.
    assert listed(manager.get("/staff/team?status=%3Cx%3E&pa=99999999999").text) == {
        urgent,
        overdue,
        acknowledged,
        resolved,
    }


def test_the_pa_choices_only_name_pas_whose_escalations_you_may_see(
    browser: Browser, sessions: sessionmaker, clock: FixedClock
) -> None:
    now = clock.now()
    make_escalation(sessions, "demo-19", now)
    make_escalation(sessions, "demo-17", now)
    make_escalation(sessions, "demo-cambs-19", now)
    plymouth = browser("manager").get("/staff/team").text
    assert "Tom Walsh" not in plymouth
    assert ">Sam Ortiz</option>" in plymouth and ">Priya Shah</option>" in plymouth
