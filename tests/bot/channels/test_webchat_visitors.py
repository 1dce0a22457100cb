"""Web chat visitor tokens: issued only by the server, rotated when the chat is linked,
Secure behind https, and forgotten on request ("forget this device")."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.advisers import linking
from bot.channels.webchat import COOKIE
from bot.db import session_factory
from bot.models import ChannelIdentity, StaffAccount, YoungPerson
from bot.runtime import Runtime
from bot.server import create_app
from tests.support.servers import serve

PLANTED = "attacker-chosen-token-123456"


@pytest.fixture
def base_url(runtime: Runtime) -> Iterator[str]:
    with serve(create_app(runtime)) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=60) as c:
        yield c


def chat(client: httpx.Client, text: str, n: int) -> httpx.Response:
    body = {"message_id": f"msg-{n:04d}-abcdef", "text": text, "council": "plymouth"}
    return client.post(
        "/api/chat", content=json.dumps(body), headers={"Content-Type": "application/json"}
    )


def web_ids(db_engine: Engine) -> set[str]:
    with db_engine.connect() as conn:
        rows = conn.execute(
            select(ChannelIdentity.external_id).where(ChannelIdentity.channel == "web")
        )
        return set(rows.scalars())


def link_code(db_engine: Engine, ref: str, now) -> str:
    with session_factory(db_engine).begin() as session:
        yp = session.execute(select(YoungPerson).where(YoungPerson.ref == ref)).scalar_one()
        creator = session.execute(select(StaffAccount)).scalars().first()
        return linking.create_code(
            session,
            purpose=linking.YOUNG_PERSON,
            young_person_id=yp.id,
            staff_id=None,
            created_by_id=creator.id,
            now=now,
        )


def test_a_token_the_browser_made_up_is_never_used(base_url: str, db_engine: Engine) -> None:
    planted = {"Cookie": f"{COOKIE}={PLANTED}"}
    with httpx.Client(base_url=base_url, timeout=60) as page_client:
        page = page_client.get("/", headers=planted)
        assert page.status_code == 200
        assert page.cookies.get(COOKIE) not in (None, PLANTED)
    with httpx.Client(base_url=base_url, timeout=60) as api_client:
        body = {"message_id": "msg-0001-abcdef", "text": "hello", "council": "plymouth"}
        response = api_client.post(
            "/api/chat",
            content=json.dumps(body),
            headers={"Content-Type": "application/json", **planted},
        )
        assert response.status_code == 200
        assert response.cookies.get(COOKIE) not in (None, PLANTED)
    assert PLANTED not in web_ids(db_engine)


def test_linking_rotates_the_token_and_the_old_one_sees_nothing(
    client: httpx.Client, db_engine: Engine, clock, staff
) -> None:
    client.get("/")
    before = client.cookies[COOKIE]
    chat(client, "hello", 1)
    code = link_code(db_engine, "demo-19", clock.now())
    linked = chat(client, f"link {code}", 2)
    assert linked.status_code == 200
    after = client.cookies[COOKIE]
    assert after != before
    assert before not in web_ids(db_engine) and after in web_ids(db_engine)
    # Someone who planted or copied the old token gets an empty chat, not the PA's messages.
    with httpx.Client(base_url=str(client.base_url), timeout=60) as other:
        other.cookies.set(COOKIE, before)
        updates = other.get("/api/updates?after=0").json()
        assert updates["messages"] == []


def test_forget_this_device_unlinks_the_chat(
    client: httpx.Client, db_engine: Engine, clock, staff
) -> None:
    client.get("/")
    code = link_code(db_engine, "demo-19", clock.now())
    chat(client, f"link {code}", 1)
    token = client.cookies[COOKIE]
    forgotten = client.post(
        "/api/forget", content=b"{}", headers={"Content-Type": "application/json"}
    )
    assert forgotten.status_code == 200
    assert (
        "Max-Age=0" in forgotten.headers["set-cookie"]
        or "expires=" in forgotten.headers["set-cookie"].lower()
    )
    assert token not in web_ids(db_engine)
    with db_engine.connect() as conn:
        linked = (
            conn.execute(
                select(ChannelIdentity.young_person_id).where(
                    ChannelIdentity.channel == "web",
                    ChannelIdentity.external_id.like("forgotten:%"),
                )
            )
            .scalars()
            .all()
        )
        assert linked == [None]
    # A form post from another site cannot forget a device (no CORS for JSON).
    refused = client.post("/api/forget", data={"x": "1"})
    assert refused.status_code == 415


def test_the_page_has_a_forget_this_device_button(client: httpx.Client) -> None:
    page = client.get("/")
    assert 'id="forget"' in page.text and "Forget this device" in page.text


@pytest.fixture
def https_url(runtime: Runtime) -> Iterator[str]:
    secured = replace(runtime, settings=replace(runtime.settings, public_url="https://x.example"))
    with serve(create_app(secured)) as url:
        yield url


def test_behind_https_the_cookie_is_secure(https_url: str) -> None:
    with httpx.Client(base_url=https_url, timeout=60) as client:
        page = client.get("/")
    cookie = page.headers["set-cookie"]
    assert (
        "Secure" in cookie
        and "HttpOnly" in cookie
        and "SameSite=strict" in cookie.replace("samesite", "SameSite")
    )
