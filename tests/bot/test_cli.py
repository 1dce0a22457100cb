"""The `carebot` command as people and scripts use it: real processes, real model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import COMMANDS
from bot.content import load_offer
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


@pytest.mark.parametrize("command", [*COMMANDS, "db upgrade"])
def test_every_command_has_help(command: str) -> None:
    result = run([*command.split(), "--help"], {})
    assert result.returncode == 0, result.stderr
    assert "usage: carebot" in result.stdout


def test_bad_setting_stops_start_up_with_one_line() -> None:
    result = run(["people"], {"CAREBOT_PORT": "nope"})
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "carebot: configuration error: "
        "CAREBOT_PORT must be a whole number from 1 to 65535, got 'nope'"
    )


def test_missing_model_and_unmigrated_database_are_explained(tmp_path: Path) -> None:
    env = {"CAREBOT_DATA_DIR": str(tmp_path)}
    result = run(["chat", "--json"], env)
    assert result.returncode == 2
    assert "run `carebot db upgrade`" in result.stderr
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

    # Council tax for a 19- and a 24-year-old in Plymouth, and an anonymous Cambridgeshire visitor.

    offer = load_offer(PROJECT_ROOT / "offer_content")
    plymouth = offer.topic("plymouth", "council_tax")
    answers = {}
    for who in (["--as", "demo-19"], ["--as", "demo-24"], ["--council", "cambridgeshire"]):
        out = run(["chat", "--json", *who], env, stdin="can i get my council tax paid\n")
        assert out.returncode == 0, out.stderr
        turn = json.loads(out.stdout)
        assert turn["topic"] == "council_tax"
        answers[who[1]] = turn["messages"][0]["text"]
    assert answers["demo-19"] == plymouth.answer
    assert answers["demo-24"] == next(v.answer for v in plymouth.variants if "21-25" in v.age_bands)
    assert answers["cambridgeshire"] == offer.topic("cambridgeshire", "council_tax").answer

    unknown = run(["chat", "--json", "--as", "nobody"], env, stdin="hi\n")
    assert unknown.returncode == 2 and "no young person" in unknown.stderr


@pytest.mark.slow
def test_chat_answers_council_tax_in_the_chosen_language(demo_env: dict[str, str]) -> None:

    env = demo_env
    topic = load_offer(PROJECT_ROOT / "offer_content").topic("plymouth", "council_tax")
    for flag, code in (("ar", "ar"), ("fa-AF", "fa_AF"), ("en-easy", "en_easy")):
        out = run(
            ["chat", "--json", "--as", "demo-19", "--lang", flag],
            env,
            stdin="can I get council tax paid\n",
        )
        assert out.returncode == 0, out.stderr
        turn = json.loads(out.stdout)
        assert (turn["language"], turn["topic"]) == (code, "council_tax")
        assert turn["messages"][0]["text"] == topic.translations[code].answer


@pytest.mark.slow
def test_scripted_chat_typed_answers_work_like_buttons(demo_env: dict[str, str]) -> None:
    """The scripted chat protocol, several turns: typed answers to questions with buttons."""
    env = demo_env
    ask = "/stop delete my data"
    script = "\n".join([ask, "nah", ask, "ok", ask, "yep"])
    out = run(["chat", "--json", "--as", "demo-19"], env, stdin=script + "\n")
    assert out.returncode == 0, out.stderr
    turns = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(turns) == 6, out.stderr[-3000:]
    asked, kept, asked_again, ok, asked_last, yes = turns
    buttons = [b["payload"] for m in asked["messages"] for b in m["buttons"]]
    assert buttons == ["privacy:delete_yes", "privacy:delete_no"]
    assert kept["intent"] == "data_delete"
    assert kept["messages"][0]["text"] == "OK, I've kept them."
    assert asked_again["messages"] == asked["messages"] == asked_last["messages"]
    assert ok["intent"] != "data_delete"  # "ok" never deletes anything: it asks again
    assert ok["messages"][0]["text"] == "Sorry, is that a yes or a no?"
    assert ok["messages"][0]["buttons"] == asked["messages"][0]["buttons"]
    assert yes["intent"] == "data_delete" and yes["messages"] != kept["messages"]


def script(env: dict[str, str], ref: str, lines: list[str]) -> list[dict]:
    out = run(["chat", "--json", "--as", ref], env, stdin="\n".join(lines) + "\n")
    assert out.returncode == 0, out.stderr
    turns = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(turns) == len(lines), out.stderr[-3000:]
    return turns


def said(turn: dict) -> str:
    return "\n".join(m["text"] for m in turn["messages"])


@pytest.mark.slow
def test_scripted_chat_pa_support_at_21_and_status(demo_env: dict[str, str]) -> None:
    """The scripted chat protocol, several turns: the choice at 20, a PA again at 22, and
    "has my PA replied" while a request is open."""
    env = demo_env

    asked, unsure = script(env, "demo-20-9m", ["what happens when i turn 21", "not sure"])
    choice = [b["payload"] for b in asked["messages"][-1]["buttons"]]
    assert choice == ["optin:yes", "optin:no", "optin:not_sure"]
    assert unsure["safety"] is None
    assert "I'll ask again nearer your birthday." in said(unsure)

    who, again, waiting = script(
        env, "demo-22", ["who's my pa", "I'd like a PA again", "who is my pa"]
    )
    assert "Sam Ortiz" not in said(who) + said(again) + said(waiting)  # a former PA
    assert "optin:yes" in [b["payload"] for m in who["messages"] for b in m["buttons"]]
    assert again["escalation"]["reason"] == "pa_support_again"
    assert again["escalation"]["routed_to"] == "team"
    assert "You've asked for a PA again." in said(waiting)
    people = {p["ref"]: p for p in json.loads(run(["people", "--json"], env).stdout)}
    assert people["demo-22"]["support_status"] == "requested"

    request, status = script(env, "demo-19", ["i need to talk to my pa", "has sam replied yet"])
    assert request["escalation"] is not None
    assert status["intent"] == "pa_status" and status["escalation"] is None
    assert "Sam Ortiz hasn't replied yet." in said(status)
