"""Floods on the web chat: one visitor, one address, many new anonymous visitors. Each is
slowed down with a 429 and a line the page shows, with the emergency numbers."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.models import ChannelIdentity
from bot.runtime import Runtime
from bot.server import create_app
from tests.support.servers import serve


@pytest.fixture
def base_url(runtime: Runtime) -> Iterator[str]:
    with serve(create_app(runtime)) as url:
        yield url


def post(client: httpx.Client, n: int, text: str = "hello") -> httpx.Response:
    body = {"message_id": f"flood-{n:05d}-x", "text": text, "council": "plymouth"}
    return client.post(
        "/api/chat", content=json.dumps(body), headers={"Content-Type": "application/json"}
    )


def test_one_visitor_sending_very_fast_is_slowed_down(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=60) as client:
        client.get("/")
        statuses = [post(client, n).status_code for n in range(25)]
        assert statuses[:10] == [200] * 10
        assert 429 in statuses
        slowed = post(client, 999)
    assert slowed.status_code == 429
    assert slowed.headers["retry-after"] == "60"
    text = slowed.json()["messages"][0]["text"]
    assert "wait a minute" in text and "999" in text and "116 123" in text


def test_new_anonymous_visitors_from_one_address_are_capped(
    base_url: str, db_engine: Engine
) -> None:
    statuses = []
    for n in range(40):
        with httpx.Client(base_url=base_url, timeout=60) as fresh:  # no cookie: a new visitor
            statuses.append(post(fresh, n).status_code)
    assert statuses.count(200) <= 12 and statuses.count(429) >= 28
    with db_engine.connect() as conn:
        identities = conn.execute(
            select(func.count(ChannelIdentity.id)).where(ChannelIdentity.channel == "web")
        ).scalar_one()
    assert identities <= 12
