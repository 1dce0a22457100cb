"""One person's turns go one at a time across processes: two engines (as two `carebot run`
processes would have) on one database, the first slow to understand its message."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.clock import FixedClock
from bot.messages import InboundMessage
from bot.runtime import build_runtime
from bot.settings import load_settings
from nlu import NluResult
from nlu.risk.classifier import RiskClassifier
from tests.dialogues.fake_nlu import FakeInterpreter

pytestmark = pytest.mark.sql


class SlowInterpreter(FakeInterpreter):
    """Takes its time over every message, as a loaded process might."""

    def parse(self, text: str) -> NluResult:
        time.sleep(0.8)
        return super().parse(text)


def test_a_second_process_waits_for_the_first_turn_of_the_same_chat(
    database_url: str,
    tmp_path: Path,
    db_engine: Engine,
    demo: None,
    clock: FixedClock,
    risk_classifier: RiskClassifier,
) -> None:
    settings = load_settings(
        {
            "DATABASE_URL": database_url,
            "CAREBOT_DATA_DIR": str(tmp_path),
            "CAREBOT_MODEL_PATH": str(tmp_path / "no-model-needed.tar.gz"),
            "CAREBOT_DEFAULT_COUNCIL": "plymouth",
        }
    )
    said = {"hello": "greeting"}
    slow = build_runtime(settings, interpreter=SlowInterpreter(said), clock=clock).engine
    quick = build_runtime(settings, interpreter=FakeInterpreter(said), clock=clock).engine
    quick.handle(InboundMessage("web", "same-chat-0001", "first-ever", text="hello"))
    finished: list[str] = []

    def turn(engine, message_id: str) -> None:
        engine.handle(InboundMessage("web", "same-chat-0001", message_id, text="hello"))
        finished.append(message_id)

    first = threading.Thread(target=turn, args=(slow, "slow-one"))
    first.start()
    time.sleep(0.3)  # the slow turn has the chat
    second = threading.Thread(target=turn, args=(quick, "quick-one"))
    second.start()
    first.join(30)
    second.join(30)
    assert finished == ["slow-one", "quick-one"]
