"""One person's turns go one at a time across processes: two engines (as two `carebot run`
processes would have) on one database, the first slow to understand its message."""

from __future__ import annotations

import threading
import time

import pytest

from bot.clock import FixedClock
from bot.messages import InboundMessage
from bot.runtime import build_runtime
from bot.settings import Settings
from nlu import NluResult
from tests.dialogues.fake_nlu import FakeInterpreter

pytestmark = pytest.mark.sql


class SlowInterpreter(FakeInterpreter):
    """Takes its time over every message, as a loaded process might."""

    def parse(self, text: str) -> NluResult:
        time.sleep(0.8)
        return super().parse(text)


def test_a_second_process_waits_for_the_first_turn_of_the_same_chat(
    settings_without_model: Settings, clock: FixedClock
) -> None:
    settings = settings_without_model
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
