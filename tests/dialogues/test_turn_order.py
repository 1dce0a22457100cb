"""How turns share a process and a database: one person's turns go in order across processes
(PostgreSQL), a process runs one turn at a time, classifying a message holds no write lock
on SQLite, and a classifier that fails still gets the message kept and answered."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.messages import InboundMessage
from bot.models import Message
from bot.runtime import build_runtime
from bot.settings import Settings
from dialogues.engine import TURNS_AT_ONCE
from nlu import NluResult
from tests.dialogues.fake_nlu import FakeInterpreter

pytestmark = pytest.mark.sql


class SlowInterpreter(FakeInterpreter):
    """Takes its time over every message, as a loaded process might."""

    def parse(self, text: str) -> NluResult:
        time.sleep(0.8)
        return super().parse(text)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_second_process_waits_for_the_first_turn_of_the_same_chat(
    settings_without_model: Settings, clock: FixedClock
) -> None:
    # PostgreSQL locks the chat's row before the message is read. SQLite has no row locks,
    # and its one write lock is not taken until the message has been read (so that other
    # chats need not wait for the classifiers): there, only turns within one process are
    # kept in order (DialogueEngine.handle).
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


class Recording(FakeInterpreter):
    """Notes how many messages it is reading at once, and runs `during` as it reads."""

    def __init__(self, intents: dict[str, str], during=None) -> None:
        super().__init__(intents)
        self.reading = 0
        self.most_at_once = 0
        self.during = during
        self._guard = threading.Lock()

    def parse(self, text: str) -> NluResult:
        with self._guard:
            self.reading += 1
            self.most_at_once = max(self.most_at_once, self.reading)
        try:
            time.sleep(0.2)
            if self.during is not None:
                self.during()
            return super().parse(text)
        finally:
            with self._guard:
                self.reading -= 1


def test_a_process_runs_as_many_turns_at_once_as_its_database_allows(
    settings_without_model: Settings, clock: FixedClock, database_url: str
) -> None:
    # One on SQLite (one writer); two on PostgreSQL, where a turn waits for the server.
    allowed = TURNS_AT_ONCE["postgresql" if database_url.startswith("postgresql") else "sqlite"]
    assert allowed == (2 if database_url.startswith("postgresql") else 1)
    reader = Recording({"hello": "greeting"})
    engine = build_runtime(settings_without_model, interpreter=reader, clock=clock).engine
    turns = [
        threading.Thread(
            target=engine.handle,
            args=(InboundMessage("web", f"person-{n}", f"m-{n}", text="hello"),),
        )
        for n in range(4)
    ]
    for thread in turns:
        thread.start()
    for thread in turns:
        thread.join(30)
    assert len(reader.parsed) == 4
    assert reader.most_at_once == allowed


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_on_sqlite_no_write_lock_is_held_while_a_message_is_read(
    settings_without_model: Settings, clock: FixedClock
) -> None:
    path = settings_without_model.database_url.removeprefix("sqlite:///")
    outcomes: list[str] = []

    def try_to_write() -> None:
        # Another process's turn, wanting SQLite's one write lock while this one reads.
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            outcomes.append("could write")
        except sqlite3.OperationalError:
            outcomes.append("locked")
        finally:
            other.close()

    reader = Recording({"hello": "greeting"}, during=try_to_write)
    engine = build_runtime(settings_without_model, interpreter=reader, clock=clock).engine
    engine.handle(InboundMessage("web", "reader-0001", "first", text="hello"))
    turn = engine.handle(InboundMessage("web", "reader-0001", "second", text="hello"))
    assert turn.intent == "greeting"
    # The first message creates the chat's record (a write) before reading; the second does not.
    assert outcomes[1] == "could write"


class Broken(FakeInterpreter):
    def parse(self, text: str) -> NluResult:
        raise RuntimeError("the model fell over")


def test_a_classifier_that_fails_still_gets_the_message_kept_and_answered(
    settings_without_model: Settings, clock: FixedClock
) -> None:
    runtime = build_runtime(settings_without_model, interpreter=Broken({}), clock=clock)
    turn = runtime.engine.handle(InboundMessage("web", "broken-0001", "m-1", text="hello"))
    assert turn.messages and turn.intent is None
    with runtime.sessions() as session:
        kept = session.execute(
            select(Message.text).where(Message.external_id == "m-1", Message.direction == "in")
        ).scalars()
        assert list(kept) == ["hello"]
