"""A council in the content gets its database row, so a visitor can pick it on a database
that never had the demo data (a council's own deployment)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.clock import FixedClock
from bot.db import session_factory
from bot.messages import InboundMessage
from bot.models import ChannelIdentity, Council
from bot.runtime import build_runtime
from bot.settings import load_settings
from nlu.risk.classifier import RiskClassifier
from tests.dialogues.fake_nlu import FakeInterpreter

pytestmark = pytest.mark.sql


def councils(db_engine: Engine) -> dict[str, Council]:
    with session_factory(db_engine)() as session:
        return {c.id: c for c in session.execute(select(Council)).scalars()}


def test_a_visitor_can_pick_a_council_on_a_database_without_demo_data(
    database_url: str,
    db_engine: Engine,
    tmp_path: Path,
    clock: FixedClock,
    risk_classifier: RiskClassifier,
) -> None:
    assert councils(db_engine) == {}
    settings = load_settings(
        {
            "DATABASE_URL": database_url,
            "CAREBOT_DATA_DIR": str(tmp_path),
            "CAREBOT_MODEL_PATH": str(tmp_path / "no-model-needed.tar.gz"),
        }
    )
    runtime = build_runtime(settings, interpreter=FakeInterpreter({}), clock=clock)
    offer = runtime.content.current()
    rows = councils(db_engine)
    assert set(rows) == set(offer.councils) == {"plymouth", "cambridgeshire", "cheshire-east"}
    assert rows["plymouth"].name == offer.councils["plymouth"].name
    assert rows["plymouth"].checkin_every_weeks == 4  # the service's defaults

    engine = runtime.engine
    engine.handle(InboundMessage("web", "visitor-0001", "m-1", text="hello"))
    turn = engine.handle(
        InboundMessage("web", "visitor-0001", "m-2", kind="button", payload="council:plymouth")
    )
    assert turn.messages
    turn = engine.handle(
        InboundMessage("web", "visitor-0002", "m-3", text="hi", council_id="cheshire-east")
    )
    assert turn.messages
    with session_factory(db_engine)() as session:
        chosen = dict(
            session.execute(select(ChannelIdentity.external_id, ChannelIdentity.council_id)).all()
        )
    assert chosen == {"visitor-0001": "plymouth", "visitor-0002": "cheshire-east"}


def test_rows_are_added_once_and_the_services_settings_kept(
    database_url: str,
    db_engine: Engine,
    tmp_path: Path,
    clock: FixedClock,
    risk_classifier: RiskClassifier,
) -> None:
    settings = load_settings(
        {
            "DATABASE_URL": database_url,
            "CAREBOT_DATA_DIR": str(tmp_path),
            "CAREBOT_MODEL_PATH": str(tmp_path / "no-model-needed.tar.gz"),
        }
    )
    runtime = build_runtime(settings, interpreter=FakeInterpreter({}), clock=clock)
    with session_factory(db_engine).begin() as session:
        session.get(Council, "plymouth").checkin_every_weeks = 2
    # Another process starting, or the content reloaded.
    runtime.content_changed(runtime.content.current())
    build_runtime(settings, interpreter=FakeInterpreter({}), clock=clock)
    rows = councils(db_engine)
    assert len(rows) == 3
    assert rows["plymouth"].checkin_every_weeks == 2
