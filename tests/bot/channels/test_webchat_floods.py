"""Floods on the web chat: one visitor, one address, many new anonymous visitors. Each is
slowed down with a 429 and a line the page shows, with the emergency numbers; a burst of
crisis messages from fresh visitors reaches staff as one alert and one count."""

from __future__ import annotations

import json
from dataclasses import replace

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from starlette.applications import Starlette

from bot.channels.webchat import WebChat
from bot.models import ChannelIdentity, Escalation, OutboxItem
from bot.runtime import Runtime
from bot.server import create_app
from bot.server_keys import TokenSigner, server_key
from tests.support.servers import serve


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
        # Someone we know, typing a risk fast, is answered in full all the same.
        risk = post(client, 1000, "i want to end my life")
    assert risk.status_code == 200
    assert any("116 123" in m["text"] for m in risk.json()["messages"])
    assert slowed.status_code == 429
    assert slowed.headers["retry-after"] == "60"
    text = slowed.json()["messages"][0]["text"]
    assert "wait a minute" in text and "999" in text and "116 123" in text
    # The numbers in the line are tap-to-call links on the page, like any bot message.
    hrefs = {p.get("href") for p in slowed.json()["messages"][0]["parts"]}
    assert {"tel:999", "tel:116123"} <= hrefs


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


def test_crisis_messages_from_many_fresh_visitors_each_get_help_and_staff_one_count(
    runtime: Runtime, db_engine: Engine
) -> None:
    """Thirty fresh anonymous visitors (thirty addresses behind the proxy) write a crisis
    message within seconds: every one gets the emergency numbers at once; staff get one
    alert now and one with the count at the burst's end, not ninety."""
    behind_proxy = replace(runtime.settings, trusted_proxies=frozenset({"127.0.0.1"}))
    app = create_app(replace(runtime, settings=behind_proxy))
    with serve(app) as url:
        for n in range(30):
            with httpx.Client(base_url=url, timeout=60) as fresh:
                response = fresh.post(
                    "/api/chat",
                    content=json.dumps(
                        {
                            "message_id": f"crisis-{n:04d}",
                            "text": "i want to end my life",
                            "council": "plymouth",
                        }
                    ),
                    headers={
                        "Content-Type": "application/json",
                        "X-Forwarded-For": f"203.0.113.{n + 1}",
                    },
                )
            assert response.status_code == 200
            shown = " ".join(m["text"] for m in response.json()["messages"])
            assert "116 123" in shown and "999" in shown
    with db_engine.connect() as conn:
        escalations = conn.execute(
            select(Escalation.id, Escalation.burst_lead_id).order_by(Escalation.id)
        ).all()
        notices = conn.execute(
            select(OutboxItem.escalation_id, OutboxItem.body).where(
                OutboxItem.purpose == "escalation_new"
            )
        ).all()
    assert len(escalations) == 30
    lead = escalations[0].id
    assert all(row.burst_lead_id == lead for row in escalations[1:])
    at_once = [n for n in notices if n.escalation_id == lead]
    counted = [n for n in notices if n.escalation_id is None]
    assert at_once and len(notices) == 2 * len(at_once) == 2 * len(counted)
    assert all(n.body.startswith("Duty: 29 more urgent escalations") for n in counted)


def test_new_visitors_spread_over_many_addresses_are_capped_too(
    runtime: Runtime, db_engine: Engine
) -> None:
    web = WebChat(
        runtime.engine,
        default_language="en",
        default_council="plymouth",
        signer=TokenSigner(server_key(runtime.sessions, "visitor_token")),
        trusted_proxies=frozenset({"127.0.0.1"}),
        clock=lambda: 1000.0,  # no time passes: the cap is exact
    )
    statuses = []
    with serve(Starlette(routes=web.routes())) as url:
        for n in range(120):
            with httpx.Client(base_url=url, timeout=60) as fresh:
                response = fresh.post(
                    "/api/chat",
                    content=json.dumps({"message_id": f"spread-{n:04d}", "text": "hi"}),
                    headers={
                        "Content-Type": "application/json",
                        "X-Forwarded-For": f"198.51.100.{n + 1}",  # a new address each time
                    },
                )
            statuses.append(response.status_code)
    assert statuses == [200] * 100 + [429] * 20
    assert "116 123" in response.json()["messages"][0]["text"]
    with db_engine.connect() as conn:
        identities = conn.execute(select(func.count(ChannelIdentity.id))).scalar_one()
    assert identities == 100
