"""The `carebot` command as people and scripts use it: real processes, real model. Longer
scripted conversations run in process, in tests/bot/channels/test_terminal.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import COMMANDS, main
from bot.settings import PROJECT_ROOT

CARBOT = [sys.executable, "-m", "bot"]


def run(args: list[str], env: dict[str, str], stdin: str = "", timeout: int = 180):
    full_env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", **env}
    return subprocess.run(
        [*CARBOT, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        cwd=PROJECT_ROOT,
        timeout=timeout,
    )


def test_the_command_has_help() -> None:
    result = run(["--help"], {})
    assert result.returncode == 0, result.stderr
    assert "usage: carebot" in result.stdout and "chat" in result.stdout


@pytest.mark.parametrize("command", [*COMMANDS, "db upgrade"])
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    # In process: argparse prints the help and exits before any command runs.
    with pytest.raises(SystemExit) as exited:
        main([*command.split(), "--help"])
    assert exited.value.code == 0
    assert f"usage: carebot {command}" in capsys.readouterr().out


def test_bad_setting_stops_start_up_with_one_line() -> None:
    result = run(["people"], {"CAREBOT_PORT": "nope"})
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "carebot: configuration error: "
        "CAREBOT_PORT must be a whole number from 1 to 65535, got 'nope'"
    )


def test_an_unmigrated_database_is_explained_not_a_traceback(tmp_path: Path) -> None:
    env = {"CAREBOT_DATA_DIR": str(tmp_path)}
    for command in (["people"], ["demo-data"], ["schedule", "show"]):
        result = run(command, env)
        assert (result.returncode, result.stderr) == (
            2,
            "carebot: cannot start: the database is not up to date; run `carebot db upgrade`\n",
        )
    assert run(["db", "upgrade"], env).returncode == 0
    assert run(["people"], env).returncode == 0


def test_a_missing_model_is_explained(tmp_path: Path) -> None:
    env = {"CAREBOT_DATA_DIR": str(tmp_path)}
    assert run(["db", "upgrade"], env).returncode == 0
    result = run(["chat", "--json"], env)
    assert result.returncode == 2
    assert "run `carebot train`" in result.stderr


@pytest.fixture
def demo_env(database_url: str, trained_model: Path, tmp_path: Path) -> dict[str, str]:
    """The environment for a `carebot` process on a migrated database with the demo data."""
    env = {
        "DATABASE_URL": database_url,
        "CAREBOT_MODEL_PATH": str(trained_model),
        "CAREBOT_DATA_DIR": str(tmp_path),
    }
    assert run(["db", "upgrade"], env).returncode == 0
    assert run(["demo-data"], env).returncode == 0
    return env


@pytest.mark.slow
def test_scripted_chat_protocol(demo_env: dict[str, str]) -> None:
    env = demo_env

    people = json.loads(run(["people", "--json"], env).stdout)
    by_ref = {p["ref"]: p for p in people}
    assert {
        "demo-16",
        "demo-17",
        "demo-18",
        "demo-19",
        "demo-20",
        "demo-20-9m",
        "demo-21",
        "demo-22",
        "demo-24",
    } <= set(by_ref)
    assert by_ref["demo-19"]["age"] == 19 and by_ref["demo-19"]["council"] == "plymouth"
    assert by_ref["demo-19"]["pa"] == "Sam Ortiz"
    assert by_ref["demo-21"]["support_status"] == "opted_in"
    assert by_ref["demo-22"]["support_status"] == "opted_out"

    lines = [
        "who's my PA",
        "can I get council tax paid",
        "/button more:council_tax",
        "/reset",
        "",
        "hello",
    ]
    result = run(["chat", "--json", "--as", "demo-19"], env, stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(outputs) == len(lines), "exactly one JSON object per input line"
    keys = {
        "input",
        "intent",
        "confidence",
        "topic",
        "safety",
        "language",
        "escalation",
        "messages",
    }
    for out in outputs:
        assert keys <= set(out)
        for message in out["messages"]:
            assert isinstance(message["text"], str)
            assert all(set(b) == {"title", "payload"} for b in message["buttons"])
    pa, tax, more, reset, empty, hello = outputs
    assert pa["intent"] == "pa_contact" and "Sam Ortiz" in pa["messages"][0]["text"]
    assert "01632 960123" in pa["messages"][0]["text"]
    assert tax["topic"] == "council_tax" and isinstance(tax["confidence"], float)
    assert more["input"] == "/button more:council_tax" and more["topic"] == "council_tax"
    assert reset["messages"] == []
    assert empty["messages"] and empty["intent"] is None
    assert "Jay" in hello["messages"][0]["text"]
