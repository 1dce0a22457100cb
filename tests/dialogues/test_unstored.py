"""When the database fails mid-turn, the young person is still answered: what to do now for a
risk (without claiming anyone was told), an apology with the emergency line otherwise; the
log says a turn was lost, never what it said; the same message sent again later is kept. And
when the topic classifier fails, a risk is still read, answered and escalated."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot import payloads
from bot.clock import FixedClock
from bot.messages import InboundMessage, Turn
from bot.models import Escalation, Message, Team
from bot.runtime import build_runtime
from bot.settings import Settings
from dialogues.engine import DialogueEngine
from nlu import NluResult
from tests.conftest import Chat
from tests.support.database import table_gone

pytestmark = [pytest.mark.slow, pytest.mark.sql]

CRISIS = "i want to kill myself"
HOMELESS = "got kicked out nowhere to sleep tonight"


def texts(turn: Turn) -> str:
    return "\n".join(m.text for m in turn.messages)


def count(db_engine: Engine, model: type) -> int:
    with db_engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.mark.parametrize("table", ["channel_identities", "messages"])
def test_a_risk_gets_the_numbers_when_nothing_can_be_kept(
    engine: DialogueEngine,
    db_engine: Engine,
    staff: dict[str, int],
    table: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # channel_identities: the turn fails at its first query; messages: after reading the
    # message, when storing it.
    chat = Chat(engine, channel="web").link(council="plymouth")
    with table_gone(db_engine, table), caplog.at_level(logging.INFO):
        turn = chat.say(CRISIS)
    assert turn.stored is False
    assert turn.safety == "suicide_self_harm"
    said = texts(turn)
    for number in ("999", "116 123", "85258"):
        assert number in said
    assert "Sorry, something went wrong on my side" in said
    assert "I've told" not in said, "nobody could be told, so nobody is said to be"
    lost = [r for r in caplog.records if r.getMessage().startswith("turn not stored")]
    assert len(lost) == 1 and lost[0].levelno == logging.ERROR
    line = lost[0].getMessage()
    assert "safety=suicide_self_harm" in line and "at=dialogues/engine.py:" in line
    assert not lost[0].exc_info, "a driver's error text can quote what it refused"
    assert all(chat.sender_id not in r.getMessage() for r in caplog.records)
    assert all("kill" not in r.getMessage() for r in caplog.records)


def test_any_other_message_gets_an_apology_with_the_emergency_line(
    engine: DialogueEngine, db_engine: Engine
) -> None:
    chat = Chat(engine, channel="web").link(council="plymouth")
    with table_gone(db_engine, "channel_identities"):
        turn = chat.say("can i get council tax paid")
    assert turn.stored is False and turn.safety is None
    assert texts(turn) == (
        "Sorry, something went wrong on my side. Please try again in a minute.\n"
        "In danger now? Call 999. Samaritans: 116 123."
    )


def test_a_database_failure_inside_a_handler_is_answered_the_same_way(
    engine: DialogueEngine, db_engine: Engine
) -> None:
    # Reading works and the message could be stored; then a handler's own query fails.
    chat = Chat(engine, channel="web").link(council="plymouth")
    with table_gone(db_engine, "escalations"):
        turn = chat.say("can i get council tax paid")
    assert turn.stored is False
    assert "In danger now? Call 999" in texts(turn)


def test_a_safety_button_still_gets_the_numbers(engine: DialogueEngine, db_engine: Engine) -> None:
    chat = Chat(engine, channel="web").link(council="plymouth")
    with table_gone(db_engine, "channel_identities"):
        turn = chat.press(payloads.make(payloads.INTENT, "crisis"))
    assert turn.safety == "suicide_self_harm"
    assert "116 123" in texts(turn) and "85258" in texts(turn)


def test_homeless_tonight_is_told_what_to_do_tonight(
    engine: DialogueEngine, db_engine: Engine
) -> None:
    chat = Chat(engine, channel="web").link(council="plymouth")
    with table_gone(db_engine, "channel_identities"):
        turn = chat.say(HOMELESS)
    assert turn.safety == "homeless_tonight"
    assert "housing team" in texts(turn)


def test_the_reply_is_in_the_language_they_wrote_in(
    engine: DialogueEngine, db_engine: Engine
) -> None:
    chat = Chat(engine, channel="web").link(council="plymouth")
    with table_gone(db_engine, "channel_identities"):
        turn = chat.say("أين أجد مساعدة في السكن")
    assert turn.language == "ar"
    assert "999" in texts(turn)
    assert "Sorry" not in texts(turn)


def test_sent_again_once_the_database_is_back_it_is_kept_and_escalated(
    engine: DialogueEngine, db_engine: Engine, staff: dict[str, int]
) -> None:
    chat = Chat(engine, channel="web").link(council="plymouth")
    with table_gone(db_engine, "messages"):
        lost = chat.say(CRISIS, message_id="same-id")
    assert lost.stored is False
    again = chat.say(CRISIS, message_id="same-id")
    assert again.stored is True and again.duplicate is False
    assert again.escalation is not None and again.escalation["urgency"] == "urgent"
    assert count(db_engine, Escalation) == 1


class BrokenInterpreter:
    """A topic model that cannot read anything (a corrupt model file, say)."""

    def parse(self, text: str) -> NluResult:
        raise RuntimeError("the model cannot be read")


@pytest.fixture
def without_topics(settings_without_model: Settings, clock: FixedClock) -> DialogueEngine:
    return build_runtime(
        settings_without_model, interpreter=BrokenInterpreter(), clock=clock
    ).engine


def test_when_the_topic_classifier_fails_a_risk_is_still_answered_and_escalated(
    without_topics: DialogueEngine, db_engine: Engine, staff: dict[str, int]
) -> None:
    turn = Chat(without_topics, channel="web").link(council="plymouth").say(CRISIS)
    assert turn.stored is True and turn.safety == "suicide_self_harm"
    assert "116 123" in texts(turn)
    assert turn.escalation is not None and turn.escalation["urgency"] == "urgent"
    assert count(db_engine, Escalation) == 1


def test_when_the_topic_classifier_fails_anything_else_is_kept_and_apologised_for(
    without_topics: DialogueEngine, db_engine: Engine
) -> None:
    before = count(db_engine, Message)
    turn = Chat(without_topics, channel="web").link(council="plymouth").say("council tax?")
    assert turn.stored is True and turn.safety is None
    assert texts(turn) == (
        "Sorry, something went wrong on my side. Please try again in a minute.\n"
        "In danger now? Call 999. Samaritans: 116 123."
    )
    assert [b.title for b in turn.messages[0].buttons] == ["Talk to my PA"]
    assert count(db_engine, Message) == before + 2, "the message and the apology are kept"


def plymouth_duty_phone(db_engine: Engine) -> str:
    with db_engine.connect() as conn:
        return (
            conn.execute(
                select(Team.duty_phone).where(Team.council_id == "plymouth").order_by(Team.id)
            )
            .scalars()
            .first()
        )


@pytest.mark.parametrize(
    ("said", "line"),
    [
        (CRISIS, "Out of hours, call the duty team on {phone}."),
        (HOMELESS, "Call the duty team now on {phone}."),
    ],
)
def test_the_councils_duty_number_is_remembered_for_an_outage(
    engine: DialogueEngine, db_engine: Engine, said: str, line: str
) -> None:
    phone = plymouth_duty_phone(db_engine)

    def web(text: str, n: int) -> Turn:
        # As the web chat sends them: the page names its council with each message.
        return engine.handle(
            InboundMessage("web", "visitor-0001", f"m-{n}", text=text, council_id="plymouth")
        )

    with table_gone(db_engine, "channel_identities"):
        before = web(said, 1)
    assert phone not in texts(before), "no turn has read Plymouth's team yet"
    assert web("can i get council tax paid", 2).stored
    with table_gone(db_engine, "channel_identities"):
        turn = web(said, 3)
    assert turn.stored is False
    assert line.format(phone=phone) in texts(turn)
    assert "I've told" not in texts(turn)
