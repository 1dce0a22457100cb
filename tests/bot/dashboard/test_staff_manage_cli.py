"""`carebot staff deactivate|reactivate|unlock|role|reset-password|reassign|duty`, through
`bot.cli.main` as an operator types them, on a real database."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot import cli
from bot.advisers import password_reset
from bot.models import AuditEvent, OutboxItem, PersonalAdviser, StaffAccount, YoungPerson
from tests.bot.dashboard.helpers import Account

SAM, PRIYA = "sam.dashboard@example.org", "priya.dashboard@example.org"


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CAREBOT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CAREBOT_PUBLIC_URL", "https://bot.example.org")
    monkeypatch.delenv("SMTP_HOST", raising=False)
    monkeypatch.setattr("bot.logsafe.configure_logging", lambda level="INFO": None)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["staff", *args])
    out, err = capsys.readouterr()
    return code, out, err


def account(sessions: sessionmaker, email: str) -> StaffAccount:
    with sessions() as session:
        row = session.execute(select(StaffAccount).where(StaffAccount.email == email)).scalar_one()
        session.expunge(row)
        return row


def refs_of(sessions: sessionmaker, pa_id: int | None) -> set[str]:
    with sessions() as session:
        return set(
            session.execute(select(YoungPerson.ref).where(YoungPerson.pa_id == pa_id)).scalars()
        )


def test_deactivate_reactivate_role_and_unlock(
    cli_env: None, staff: dict[str, Account], sessions: sessionmaker, capsys
) -> None:
    code, out, _err = run(capsys, "deactivate", "Sam.Dashboard@example.org")
    assert code == 0
    assert f"staff account {staff['sam'].id} deactivated; 0 sessions ended" in out
    assert "warning: Sam Ortiz is still the named PA for 5 young people" in out
    assert not account(sessions, SAM).active
    code, out, _err = run(capsys, "reactivate", SAM)
    assert code == 0 and account(sessions, SAM).active
    code, _out, err = run(capsys, "role", SAM, "editor")
    assert code == 2 and "reassign the caseload first" in err
    code, out, _err = run(capsys, "role", SAM, "manager")
    assert code == 0 and account(sessions, SAM).role == "manager"
    code, out, _err = run(capsys, "unlock", SAM)
    assert code == 0 and "unlocked" in out
    code, _out, err = run(capsys, "deactivate", "nobody@example.org")
    assert code == 2 and "no staff account with that email" in err
    with sessions() as session:
        actions = [
            (e.actor, e.action)
            for e in session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()
            if e.action.startswith("staff_")
        ]
    assert ("cli", "staff_deactivated") in actions and ("cli", "staff_unlocked") in actions
    assert ("cli", "staff_role_changed") in actions and ("cli", "staff_reactivated") in actions


def test_reassign_some_then_all(
    cli_env: None, staff: dict[str, Account], sessions: sessionmaker, capsys
) -> None:
    sam_pa, priya_pa = staff["sam"].pa_id, staff["priya"].pa_id
    code, _out, err = run(capsys, "reassign", "--from", SAM, "--to", PRIYA, "--ref", "demo-17")
    assert code == 2 and "not on that caseload: demo-17" in err
    code, out, _err = run(
        capsys, "reassign", "--from", SAM, "--to", PRIYA, "--ref", "demo-19", "--ref", "demo-16"
    )
    assert code == 0 and out.startswith("moved 2 young people and 0 open escalations")
    assert refs_of(sessions, sam_pa) == {"demo-18", "demo-20-9m", "demo-22"}
    # The PA record's own email names it too.
    code, out, _err = run(
        capsys, "reassign", "--from", "sam.ortiz@example.org", "--to", "priya.shah@example.org"
    )
    assert code == 0 and out.startswith("moved 3 young people")
    assert refs_of(sessions, sam_pa) == set()
    assert {"demo-16", "demo-19", "demo-22"} <= refs_of(sessions, priya_pa)
    code, _out, err = run(capsys, "reassign", "--from", PRIYA, "--to", "tom.dashboard@example.org")
    assert code == 2 and "another council" in err


def test_reset_password_prints_the_link_or_emails_it(
    cli_env: None,
    staff: dict[str, Account],
    sessions: sessionmaker,
    capsys,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, out, _err = run(capsys, "reset-password", SAM)
    assert code == 0
    url = out.splitlines()[1]
    assert url.startswith("https://bot.example.org/staff/reset/")
    with sessions() as session:
        link = password_reset.check_link(session, url.rsplit("/", 1)[1], datetime.now(timezone.utc))
        assert link.staff_id == staff["sam"].id and link.created_by_id is None
        assert session.execute(select(OutboxItem)).first() is None
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_FROM", "carebot@example.org")
    code, out, _err = run(capsys, "reset-password", SAM)
    assert code == 0 and "emailed to sam.dashboard@example.org" in out
    assert "/staff/reset/" not in out
    with sessions() as session:
        item = session.execute(select(OutboxItem)).scalar_one()
        assert (item.channel, item.address) == ("email", SAM)


def test_duty_on_and_off(
    cli_env: None, staff: dict[str, Account], sessions: sessionmaker, capsys
) -> None:
    code, out, _err = run(capsys, "duty", "--on", PRIYA)
    assert code == 0 and "on the duty rota" in out
    assert account(sessions, PRIYA).on_duty
    code, out, _err = run(capsys, "duty", "--off", PRIYA)
    assert code == 0 and not account(sessions, PRIYA).on_duty
    code, _out, err = run(capsys, "duty", "--on", "editor.dashboard@example.org")
    assert code == 2 and "PA or team manager" in err
    with pytest.raises(SystemExit) as exited:
        cli.main(["staff", "duty", "--on", PRIYA, "--off", PRIYA])
    assert exited.value.code == 2


def test_add_pa_makes_the_pa_record_and_the_log_in_together(
    cli_env: None, staff: dict[str, Account], sessions: sessionmaker, capsys
) -> None:
    team_id = account(sessions, "manager.dashboard@example.org").team_id
    code, out, _err = run(
        capsys,
        "add-pa",
        "--email",
        "Robin.Hale@example.org",
        "--name",
        "Robin Hale",
        "--phone",
        "01632 960777",
        "--team-id",
        str(team_id),
    )
    assert code == 0, out
    robin = account(sessions, "robin.hale@example.org")
    assert robin.role == "pa" and robin.team_id == team_id and robin.pa_id is not None
    with sessions() as session:
        record = session.get(PersonalAdviser, robin.pa_id)
        assert record is not None
        assert (record.name, record.phone, record.team_id) == (
            "Robin Hale",
            "01632 960777",
            team_id,
        )
    # Nobody knows the random password: the new PA sets their own from the link.
    assert "https://bot.example.org/staff/reset/" in out
    # The same email again is refused, and nothing half-made is left behind.
    code, _out, err = run(
        capsys,
        "add-pa",
        "--email",
        "robin.hale@example.org",
        "--name",
        "R",
        "--phone",
        "1",
        "--team-id",
        str(team_id),
    )
    assert code == 2 and err
    with sessions() as session:
        names = session.execute(select(PersonalAdviser.name)).scalars().all()
        assert names.count("Robin Hale") == 1 and "R" not in names
