"""`carebot chat --json` conversations, in process: the terminal channel's JSON protocol
through the real engine and model (tests/bot/test_cli.py runs the command itself once)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from sqlalchemy import select

from bot.channels.terminal import TerminalChat
from bot.content import load_offer
from bot.models import YoungPerson
from bot.runtime import Runtime
from bot.settings import PROJECT_ROOT

# With the demo staff's dashboard accounts, as `carebot demo-data` makes them.
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("staff")]


def script(runtime: Runtime, lines: list[str], **flags: str) -> list[dict[str, Any]]:
    """Feeds the lines to a new terminal conversation; one JSON turn per line comes back."""
    out = io.StringIO()
    TerminalChat(runtime.engine, **flags).run_json(io.StringIO("\n".join(lines) + "\n"), out)
    turns = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(turns) == len(lines)
    return turns


def said(turn: dict[str, Any]) -> str:
    return "\n".join(m["text"] for m in turn["messages"])


def test_council_tax_for_19_24_and_an_anonymous_visitor(runtime: Runtime) -> None:
    offer = load_offer(PROJECT_ROOT / "offer_content")
    plymouth = offer.topic("plymouth", "council_tax")
    answers = {}
    for key, flags in (
        ("demo-19", {"as_ref": "demo-19"}),
        ("demo-24", {"as_ref": "demo-24"}),
        ("cambridgeshire", {"council": "cambridgeshire"}),
    ):
        (turn,) = script(runtime, ["can i get my council tax paid"], **flags)
        assert turn["topic"] == "council_tax"
        answers[key] = turn["messages"][0]["text"]
    assert answers["demo-19"] == plymouth.answer
    assert answers["demo-24"] == next(v.answer for v in plymouth.variants if "21-25" in v.age_bands)
    assert answers["cambridgeshire"] == offer.topic("cambridgeshire", "council_tax").answer


def test_an_unknown_young_person_is_refused(runtime: Runtime) -> None:
    with pytest.raises(LookupError, match="no young person"):
        TerminalChat(runtime.engine, as_ref="nobody")


@pytest.mark.parametrize(
    ("flag", "code"), [("ar", "ar"), ("fa-AF", "fa_AF"), ("en-easy", "en_easy")]
)
def test_council_tax_in_the_chosen_language(runtime: Runtime, flag: str, code: str) -> None:
    topic = load_offer(PROJECT_ROOT / "offer_content").topic("plymouth", "council_tax")
    (turn,) = script(runtime, ["can I get council tax paid"], as_ref="demo-19", language=flag)
    assert (turn["language"], turn["topic"]) == (code, "council_tax")
    assert turn["messages"][0]["text"] == topic.translations[code].answer


def test_typed_answers_work_like_buttons(runtime: Runtime) -> None:
    ask = "/stop delete my data"
    turns = script(runtime, [ask, "nah", ask, "ok", ask, "yep"], as_ref="demo-19")
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


def test_pa_support_at_21_and_status(runtime: Runtime) -> None:
    """The choice at 20, a PA again at 22, and "has my PA replied" while a request is open."""
    asked, unsure = script(
        runtime, ["what happens when i turn 21", "not sure"], as_ref="demo-20-9m"
    )
    choice = [b["payload"] for b in asked["messages"][-1]["buttons"]]
    assert choice == ["optin:yes", "optin:no", "optin:not_sure"]
    assert unsure["safety"] is None
    assert "I'll ask again nearer your birthday." in said(unsure)

    who, again, waiting = script(
        runtime, ["who's my pa", "I'd like a PA again", "who is my pa"], as_ref="demo-22"
    )
    assert "Sam Ortiz" not in said(who) + said(again) + said(waiting)  # a former PA
    assert "optin:yes" in [b["payload"] for m in who["messages"] for b in m["buttons"]]
    assert again["escalation"]["reason"] == "pa_support_again"
    assert again["escalation"]["routed_to"] == "team"
    assert "You've asked for a PA again." in said(waiting)
    with runtime.sessions() as session:
        status = session.execute(
            select(YoungPerson.support_status).where(YoungPerson.ref == "demo-22")
        ).scalar_one()
    assert status == "requested"

    request, status_turn = script(
        runtime, ["i need to talk to my pa", "has sam replied yet"], as_ref="demo-19"
    )
    assert request["escalation"] is not None
    assert status_turn["intent"] == "pa_status" and status_turn["escalation"] is None
    assert "Sam Ortiz hasn't replied yet." in said(status_turn)
