"""`carebot staff add|list`, through its own argument parser, on a real database."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.dashboard import staff_cli
from bot.models import StaffAccount
from bot.settings import Settings, load_settings


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="carebot")
    staff_cli.register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


@pytest.fixture
def cli_settings(database_url: str, tmp_path: Path) -> Settings:
    return load_settings({"DATABASE_URL": database_url, "CAREBOT_DATA_DIR": str(tmp_path)})


def test_staff_add_and_list(
    cli_settings: Settings,
    sessions: sessionmaker,
    demo: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    password = "cli-password-long-enough"
    monkeypatch.setenv(staff_cli.PASSWORD_ENV, password)
    args = parse(
        [
            "staff",
            "add",
            "--email",
            "Sam.Ortiz@example.org",
            "--name",
            "Sam Ortiz",
            "--role",
            "pa",
            "--pa-email",
            "sam.ortiz@example.org",
        ]
    )
    assert staff_cli.run(cli_settings, args) == 0
    assert "staff account 1 created (pa)" in capsys.readouterr().out
    with sessions() as session:
        account = session.execute(select(StaffAccount)).scalar_one()
        assert account.email == "sam.ortiz@example.org"
        assert account.password_hash.startswith("$argon2id$")
        assert account.pa.name == "Sam Ortiz"

    assert staff_cli.run(cli_settings, parse(["staff", "list"])) == 0
    listed = capsys.readouterr().out
    assert "sam.ortiz@example.org" in listed and "pa" in listed
    assert "argon2" not in listed and password not in listed

    # The same email twice, and a manager without a team: one clear line, exit 2.
    again = parse(
        ["staff", "add", "--email", "sam.ortiz@example.org", "--name", "S", "--role", "admin"]
    )
    assert staff_cli.run(cli_settings, again) == 2
    assert "already an account" in capsys.readouterr().err
    manager = parse(
        ["staff", "add", "--email", "m@example.org", "--name", "M", "--role", "manager"]
    )
    assert staff_cli.run(cli_settings, manager) == 2
    assert "--team-id" in capsys.readouterr().err


def test_staff_add_asks_twice_without_echo_when_no_env(
    cli_settings: Settings,
    sessions: sessionmaker,
    demo: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv(staff_cli.PASSWORD_ENV, raising=False)
    prompts: list[str] = []

    def fake_getpass(prompt: str) -> str:
        prompts.append(prompt)
        return "too short"

    monkeypatch.setattr(staff_cli.getpass, "getpass", fake_getpass)
    args = parse(["staff", "add", "--email", "e@example.org", "--name", "E", "--role", "editor"])
    assert staff_cli.run(cli_settings, args) == 2
    assert len(prompts) == 2
    assert "at least 12 characters" in capsys.readouterr().err
    with sessions() as session:
        assert session.execute(select(StaffAccount)).first() is None


def test_roles_are_checked_by_the_parser() -> None:
    with pytest.raises(SystemExit):
        parse(["staff", "add", "--email", "e@example.org", "--name", "E", "--role", "root"])
