"""Fuzzes POST /whatsapp/webhook with correctly signed bodies that are malformed JSON, the
right shape with missing fields or wrong types, huge strings and deep nesting.

Whatever arrives: never a 5xx, never an unhandled exception (nor one our code had to catch),
and nothing half-written (every stored inbound message has the bot's reply after it).
In-process (Starlette's TestClient) for speed; replies go to the fake Graph API over HTTP.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import aliased
from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.channels.whatsapp import SIGNATURE_HEADER, WhatsAppChannel
from bot.models import Message
from bot.runtime import Runtime
from bot.settings import Settings
from tests.support.fake_whatsapp import API_VERSION, PHONE_NUMBER_ID, FakeWhatsApp, sign
from tests.support.servers import serve

pytestmark = [
    pytest.mark.slow,
]

APP_SECRET = "fuzz-app-secret"
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


class Errors(logging.Handler):
    """Every ERROR record, from any logger: a caught exception counts as a finding too."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def default_council() -> str:
    return "plymouth"


@pytest.fixture
def client(runtime: Runtime, settings: Settings) -> Iterator[TestClient]:
    fake = FakeWhatsApp()
    with serve(fake.app()) as base:
        wa_settings = replace(
            settings,
            whatsapp_token=fake.token,
            whatsapp_phone_number_id=fake.phone_number_id,
            whatsapp_app_secret=APP_SECRET,
            whatsapp_verify_token="verify",
            whatsapp_api_base_url=f"{base}/{API_VERSION}",
        )
        channel = WhatsAppChannel(wa_settings, runtime.engine)
        # One event loop for the whole run (the sender's httpx session lives on it).
        with TestClient(Starlette(routes=channel.routes())) as test_client:
            yield test_client
            test_client.portal.call(channel.stop)  # type: ignore[union-attr]


@pytest.fixture
def errors() -> Iterator[Errors]:
    handler = Errors()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


def post(client: TestClient, body: bytes) -> int:
    response = client.post(
        "/whatsapp/webhook",
        content=body,
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, APP_SECRET)},
    )
    return response.status_code


def unanswered(runtime: Runtime) -> list[int]:
    """Inbound messages with no reply after them: a turn written by halves."""
    reply = aliased(Message)
    with runtime.sessions() as session:
        inbound = session.execute(
            select(Message.id, Message.identity_id).where(Message.direction == "in")
        ).all()
        answered = {
            row.id
            for row in session.execute(
                select(Message.id)
                .join(reply, reply.identity_id == Message.identity_id)
                .where(Message.direction == "in", reply.direction == "out", reply.id > Message.id)
            )
        }
    return [row.id for row in inbound if row.id not in answered]


def check(client: TestClient, runtime: Runtime, errors: Errors, body: bytes) -> None:
    errors.records.clear()
    status = post(client, body)
    assert status in (200, 413), status
    assert not errors.records, [r.getMessage() for r in errors.records]
    assert unanswered(runtime) == []


# -- strategies -------------------------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
# Huge strings, built cheaply (hypothesis's own buffer is small).
huge_text = st.integers(min_value=5_000, max_value=300_000).map(lambda n: "é🙂x" * (n // 3))
texts = st.text(max_size=200) | huge_text
# Sometimes right, sometimes anything at all.


def maybe(strategy: st.SearchStrategy[Any], wrong_in: int = 8) -> st.SearchStrategy[Any]:
    """The right thing, or (one time in `wrong_in`) any JSON value at all."""
    # (Hypothesis favours the ends of a range, so the odd one out is a middle value.)
    middle = (wrong_in + 1) // 2
    return st.integers(1, wrong_in).flatmap(lambda n: json_values if n == middle else strategy)


def mostly(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    # The envelope is right more often, so that the messages inside get through.
    return maybe(strategy, wrong_in=20)


def usually(common: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.integers(1, 6).flatmap(lambda n: odd if n == 3 else common)


# Unique ids (a repeated one is answered once, so would test nothing new).
wamids = usually(st.uuids().map(lambda u: f"wamid.FUZZ{u.hex}"), st.text(max_size=300))
senders = usually(
    st.sampled_from(["447700900123", "447700900456", "GB.1234567", "US.ENT.42"]),
    st.text(max_size=300),
)
types = st.sampled_from(
    [
        "text",
        "interactive",
        "button",
        "image",
        "sticker",
        "audio",
        "video",
        "document",
        "location",
        "contacts",
        "reaction",
        "unsupported",
        "system",
        "edit",
        "order",
    ]
) | st.text(max_size=20)
payloads = st.sampled_from(["more:council_tax", "menu:", "kit:good", "topic:housing", ""]) | texts


@st.composite
def messages(draw: st.DrawFn) -> Any:
    message: dict[str, Any] = {}
    for key, strategy in (
        ("id", maybe(wamids)),
        ("from", maybe(senders)),
        ("from_user_id", maybe(senders)),
        ("timestamp", maybe(st.integers(0, 2**40).map(str))),
        ("type", maybe(types)),
        ("text", maybe(st.fixed_dictionaries({"body": maybe(texts)}))),
        (
            "interactive",
            maybe(
                st.fixed_dictionaries(
                    {
                        "type": maybe(st.sampled_from(["button_reply", "list_reply", "nfm_reply"])),
                        "button_reply": maybe(st.fixed_dictionaries({"id": maybe(payloads)})),
                        "list_reply": maybe(st.fixed_dictionaries({"id": maybe(payloads)})),
                    }
                )
            ),
        ),
        ("button", maybe(st.fixed_dictionaries({"payload": maybe(payloads)}))),
        ("image", maybe(st.fixed_dictionaries({"caption": maybe(texts)}))),
        ("context", maybe(st.fixed_dictionaries({"id": maybe(wamids)}))),
    ):
        if draw(st.integers(0, 9)) != 4:  # each field there most of the time
            message[key] = draw(strategy)
    if draw(st.integers(0, 9)) == 5:
        message["group_id"] = draw(json_values)
    return message


statuses = st.fixed_dictionaries(
    {
        "id": maybe(wamids),
        "status": maybe(st.sampled_from(["sent", "delivered", "read", "failed"])),
        "recipient_id": maybe(senders),
        "errors": maybe(st.lists(st.fixed_dictionaries({"code": maybe(st.integers())}))),
    }
)


@st.composite
def deliveries(draw: st.DrawFn) -> Any:
    value: dict[str, Any] = {
        "messaging_product": draw(mostly(st.just("whatsapp"))),
        "metadata": draw(
            mostly(st.fixed_dictionaries({"phone_number_id": mostly(st.just(PHONE_NUMBER_ID))}))
        ),
        "contacts": draw(
            maybe(
                st.lists(
                    st.fixed_dictionaries({"wa_id": maybe(senders), "user_id": maybe(senders)}),
                    max_size=2,
                )
            )
        ),
        "messages": draw(maybe(st.lists(maybe(messages()), min_size=1, max_size=3), wrong_in=5)),
        "statuses": draw(maybe(st.lists(maybe(statuses), max_size=2))),
    }
    change = {"value": draw(mostly(st.just(value))), "field": draw(mostly(st.just("messages")))}
    entry = {"id": "1", "changes": draw(mostly(st.just([change])))}
    return {
        "object": draw(mostly(st.just("whatsapp_business_account"))),
        "entry": draw(mostly(st.just([entry]))),
    }


_fresh = itertools.count(1)


def fresh_ids(value: Any) -> None:
    """Hypothesis re-uses earlier examples; a repeated wamid is only a duplicate (tested in
    test_whatsapp.py), so give each generated message a new one to get real turns."""

    def items(container: Any, key: str) -> list[Any]:
        found = container.get(key) if isinstance(container, dict) else None
        return found if isinstance(found, list) else []

    for entry in items(value, "entry"):
        for change in items(entry, "changes"):
            for message in items(
                change.get("value") if isinstance(change, dict) else None, "messages"
            ):
                if isinstance(message, dict) and str(message.get("id")).startswith("wamid.FUZZ"):
                    message["id"] = f"{message['id']}-{next(_fresh)}"


def nested(depth: int) -> bytes:
    return b'{"object": "whatsapp_business_account", "entry": ' + b"[" * depth + b"]" * depth + b"}"


# -- the fuzz tests ---------------------------------------------------------------------------


@FUZZ
@given(body=st.binary(max_size=2_000))
def test_arbitrary_bytes(client: TestClient, runtime: Runtime, errors: Errors, body: bytes) -> None:
    check(client, runtime, errors, body)


@FUZZ
@given(value=json_values)
def test_arbitrary_json(client: TestClient, runtime: Runtime, errors: Errors, value: Any) -> None:
    check(client, runtime, errors, json.dumps(value).encode())


@FUZZ
@given(value=deliveries())
def test_deliveries_with_missing_fields_and_wrong_types(
    client: TestClient, runtime: Runtime, errors: Errors, value: Any
) -> None:
    fresh_ids(value)
    body = json.dumps(value).encode()
    with runtime.sessions() as session:
        before = len(session.execute(select(Message.id)).all())
    check(client, runtime, errors, body)
    with runtime.sessions() as session:
        after = len(session.execute(select(Message.id)).all())
    event("answered" if after > before else "nothing stored")


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(depth=st.integers(min_value=1, max_value=200_000))
def test_deep_nesting(client: TestClient, runtime: Runtime, errors: Errors, depth: int) -> None:
    check(client, runtime, errors, nested(depth))


def test_huge_bodies_are_refused_before_anything_is_stored(
    client: TestClient, runtime: Runtime, errors: Errors
) -> None:
    huge = json.dumps({"object": "whatsapp_business_account", "x": "y" * 1_100_000}).encode()
    assert post(client, huge) == 413
    assert unanswered(runtime) == []
    with runtime.sessions() as session:
        assert session.execute(select(Message.id)).first() is None
