"""A turn wakes the outbox's dispatcher only when it queued something to send."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.clock import FixedClock
from bot.messages import InboundMessage
from bot.models import OutboxItem
from bot.runtime import build_runtime
from bot.settings import Settings
from tests.dialogues.fake_nlu import FakeInterpreter


def _queued(db_engine: Engine) -> int:
    with db_engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(OutboxItem)).scalar_one()


def test_woken_after_a_turn_that_queued_and_not_after_one_that_did_not(
    settings_without_model: Settings, clock: FixedClock, db_engine: Engine
) -> None:
    engine = build_runtime(
        settings_without_model, interpreter=FakeInterpreter({"hello": "greeting"}), clock=clock
    ).engine
    wakes: list[None] = []
    engine.on_outbox = lambda: wakes.append(None)

    engine.handle(InboundMessage("web", "visitor-0001", "m-1", text="hello"))
    assert wakes == [] and _queued(db_engine) == 0

    before = _queued(db_engine)
    turn = engine.handle(InboundMessage("web", "visitor-0001", "m-2", text="i want to kill myself"))
    assert turn.safety is not None
    # The duty team is told through the outbox, and the dispatcher is woken for it.
    assert _queued(db_engine) > before
    assert len(wakes) == 1
