"""`carebot duty report` and `carebot config check`, called as the command line calls them
(the real argument parser, then the command's function), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot import ops_cli
from bot.cli import _parser
from bot.clock import FixedClock
from bot.db import session_factory
from bot.models import Council, StaffAccount
from bot.settings import Settings, load_settings
from tests.bot.keeping_in_touch.duty_world import World

KEYS = {
    "checked_at",
    "no_contact_over_cadence",
    "unreachable",
    "turning_21_within_91_days",
    "optin_unanswered",
    "overdue_escalations",
}


@pytest.fixture
def ops_settings(database_url: str, db_engine: Engine, tmp_path: Path) -> Settings:
    return load_settings({"DATABASE_URL": database_url, "CAREBOT_DATA_DIR": str(tmp_path)})


@pytest.fixture
def world(db_engine: Engine, demo: None, clock: FixedClock) -> World:
    return World(session_factory(db_engine), clock.now())


def duty(settings: Settings, *argv: str) -> int:
    args = _parser().parse_args(["duty", "report", "--at", "2026-11-23T10:00", *argv])
    return ops_cli.run_duty(settings, args)


def config_check(settings: Settings) -> int:
    return ops_cli.run_config(settings, _parser().parse_args(["config", "check"]))


def test_duty_report_json_has_exactly_the_keys_and_no_names(
    ops_settings: Settings, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.aged("cli-silent", 19, name="Wren")  # 18 on 15 August 2025, never wrote
    asked = world.aged("cli-asked", 22, name="Yael")
    esc = world.escalation(
        asked,
        created_at=world.now - timedelta(hours=50),
        due_at=world.now - timedelta(hours=26),
        reescalated_at=world.now - timedelta(hours=26),
    )
    assert duty(ops_settings, "--json") == 0
    out = capsys.readouterr().out
    report = json.loads(out)
    assert set(report) == KEYS
    assert report["checked_at"] == "2026-11-23T10:00:00+00:00"
    (row,) = [r for r in report["no_contact_over_cadence"] if r["ref"] == "cli-silent"]
    assert row == {
        "ref": "cli-silent",
        "council": "plymouth",
        "team": "Plymouth leaving care team",
        "pa": "Sam Ortiz",
        "last_contact": None,
        # Four weeks from midnight (London summer time) at the start of the 18th birthday.
        "contact_due_by": "2025-09-11T23:00:00+00:00",
        "cadence_weeks": 4,
        "checkins": "on",
    }
    (soon,) = [r for r in report["turning_21_within_91_days"] if r["ref"] == "demo-20-9m"]
    assert soon["days_to_21"] == 90 and soon["optin_answer"] is None
    assert soon["birthday_21"] == "2027-02-21"
    assert [r["ref"] for r in report["optin_unanswered"]] == ["demo-20-9m"]
    (overdue,) = report["overdue_escalations"]
    assert overdue["escalation_id"] == esc
    assert overdue["age_hours"] == 50
    assert overdue["due_at"] == "2026-11-22T08:00:00+00:00"
    assert overdue["re_escalated"] is True and overdue["overdue"] is True
    assert (overdue["ref"], overdue["pa"], overdue["council"]) == (
        "cli-asked",
        "Sam Ortiz",
        "plymouth",
    )
    # References only: no preferred names, no message text.
    for text in ("Wren", "Yael", "Amir", "please ring me"):
        assert text not in out


def test_duty_report_for_one_council(
    ops_settings: Settings, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.aged("ply-cli", 19)
    world.aged("cambs-cli", 19, council="cambridgeshire", pa="Tom Walsh")
    assert duty(ops_settings, "--json", "--council", "cambridgeshire") == 0
    report = json.loads(capsys.readouterr().out)
    assert [r["ref"] for r in report["no_contact_over_cadence"]] == ["cambs-cli"]
    assert report["turning_21_within_91_days"] == []


def test_duty_report_summary_counts_each_figure(
    ops_settings: Settings, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.aged("summary-1", 19)
    world.aged("summary-2", 20)
    assert duty(ops_settings) == 0
    out = capsys.readouterr().out
    assert "Duty report for every council, as at Mon 23 Nov 2026 10:00 (London)" in out
    lines = {
        line.rsplit(None, 1)[0].strip(): line.rsplit(None, 1)[1] for line in out.splitlines()[1:-1]
    }
    assert lines == {
        "No contact for longer than their cadence (18-20)": "2",
        "Unreachable (every linked chat gone)": "0",
        "Turning 21 within 91 days": "1",
        "of whom no decision about PA support": "1",
        "Escalations past their deadline": "0",
    }
    assert "summary-1" not in out


def test_an_unknown_council_is_a_clear_error(
    ops_settings: Settings, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert duty(ops_settings, "--council", "atlantis", "--json") == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == (
        "carebot duty report: no council 'atlantis' (council ids are like plymouth)"
    )


def test_config_check_passes_on_demo_data_and_fails_without_a_teams_only_manager(
    ops_settings: Settings,
    db_engine: Engine,
    staff: dict[str, int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert config_check(ops_settings) == 0
    assert "every team has a duty route" in capsys.readouterr().out

    sessions: sessionmaker = session_factory(db_engine)
    with sessions.begin() as session:
        casey = session.get(StaffAccount, staff["casey.ford@example.org"])
        assert casey.role == "manager"
        # Cambridgeshire's only manager, and nobody there is on the duty rota.
        assert (
            session.execute(
                select(StaffAccount).where(
                    StaffAccount.team_id == casey.team_id,
                    StaffAccount.id != casey.id,
                    (StaffAccount.role == "manager") | StaffAccount.on_duty.is_(True),
                )
            ).first()
            is None
        )
        casey.active = False
    assert config_check(ops_settings) == 1
    err = capsys.readouterr().err
    assert "error: cambridgeshire: team" in err and "has no duty route" in err
    assert "plymouth" not in err and "cheshire-east" not in err
    assert err.strip().endswith("carebot config check: 1 problem(s)")


def test_config_check_fails_a_council_with_no_team(
    ops_settings: Settings,
    db_engine: Engine,
    staff: dict[str, int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # What a council's own database looks like before anyone set its team up: the council's
    # row (from the content) and nothing else would otherwise pass "every team has a route".
    with session_factory(db_engine).begin() as session:
        session.add(Council(id="newtown", name="Newtown Council"))
    assert config_check(ops_settings) == 1
    err = capsys.readouterr().err
    assert "error: newtown: no leaving-care team" in err
    assert err.strip().endswith("carebot config check: 1 problem(s)")
