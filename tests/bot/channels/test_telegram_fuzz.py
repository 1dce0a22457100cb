"""Fuzzing the Telegram webhook with a valid secret: malformed JSON, missing fields, wrong
types, huge bodies. Never a 5xx, never an unhandled exception, nothing half-written."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from starlette.testclient import TestClient

from bot.channels.telegram import SECRET_HEADER, TelegramChannel
from bot.models import Message
from bot.server import create_app
from tests.support.fake_telegram import FakeTelegram, text_update
from tests.support.servers import serve

pytestmark = [
    pytest.mark.slow,
]

SECRET = "fuzz-secret"

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=300),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=20), children, max_size=6)
    ),
    max_leaves=30,
)
FIELDS = [
    "update_id",
    "message",
    "callback_query",
    "chat",
    "from",
    "text",
    "message_id",
    "date",
    "id",
    "type",
    "data",
    "sticker",
    "reply_to_message",
]


@st.composite
def mangled_updates(draw: st.DrawFn) -> bytes:
    """A real update with fields removed, retyped or replaced, or arbitrary JSON, or junk."""
    kind = draw(st.sampled_from(["mangled", "random", "bytes", "huge"]))
    if kind == "bytes":
        return draw(st.binary(max_size=500))
    if kind == "random":
        return json.dumps(draw(json_values)).encode()
    if kind == "huge":
        update = text_update(
            draw(st.integers(1, 10**9)), 4242, "x" * draw(st.integers(5000, 200_000))
        )
        return json.dumps(update).encode()
    update = text_update(draw(st.integers(-5, 10**12)), draw(st.integers(-(10**13), 10**13)), "hi")
    message = update["message"]
    for _ in range(draw(st.integers(1, 4))):
        # Earlier rounds may have removed or retyped the nested objects: mangle what is left.
        candidates = [update, message, message.get("chat"), message.get("from")]
        target = draw(st.sampled_from([c for c in candidates if isinstance(c, dict)]))
        key = draw(st.sampled_from(FIELDS))
        if draw(st.booleans()) and key in target:
            del target[key]
        else:
            target[key] = draw(json_values)
    return json.dumps(update).encode()


@pytest.fixture
def client(runtime, settings):
    fake = FakeTelegram()
    with serve(fake.app()) as base:
        telegram_settings = replace(
            settings,
            telegram_token=fake.token,
            telegram_api_base_url=f"{base}/bot",
            telegram_webhook_url="https://bot.example.org",
            telegram_webhook_secret=SECRET,
        )
        channel = TelegramChannel(telegram_settings, runtime.engine)
        with TestClient(create_app(runtime, telegram=channel), raise_server_exceptions=True) as c:
            yield c, runtime


def test_fuzzed_webhook_bodies_never_break_the_bot(client) -> None:
    http, runtime = client

    @settings(
        max_examples=120,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(body=mangled_updates())
    def post(body: bytes) -> None:
        response = http.post(
            "/telegram/webhook",
            content=body,
            headers={"Content-Type": "application/json", SECRET_HEADER: SECRET},
        )
        assert response.status_code < 500, response.text

    post()
    # Every message stored was answered (or is a duplicate, answered the first time).
    with runtime.sessions() as session:
        inbound = session.execute(
            select(func.count()).select_from(Message).where(Message.direction == "in")
        ).scalar_one()
        outbound = session.execute(
            select(func.count()).select_from(Message).where(Message.direction == "out")
        ).scalar_one()
    assert outbound >= inbound
