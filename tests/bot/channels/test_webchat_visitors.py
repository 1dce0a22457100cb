"""Web chat visitor tokens: issued only by the server, rotated when the chat is linked,
Secure behind https, and forgotten on request ("forget this device")."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.advisers import linking
from bot.channels.webchat import COOKIE
from bot.db import session_factory
from bot.models import ChannelIdentity, Message, StaffAccount, YoungPerson
from bot.runtime import Runtime
from bot.server import create_app
from tests.support.servers import serve

PLANTED = "attacker-chosen-token-123456"


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
    forgotten = forget(client)
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
    # Asked first, and told that nothing is deleted.
    assert 'id="forget-confirm" class="confirm" hidden' in page.text
    assert "This does not delete your messages or your record." in page.text


def linked_to(db_engine: Engine, token: str) -> int | None:
    with db_engine.connect() as conn:
        return conn.execute(
            select(ChannelIdentity.young_person_id).where(ChannelIdentity.external_id == token)
        ).scalar_one()


def test_forgetting_needs_the_confirm_step_and_the_chat_page(
    client: httpx.Client, db_engine: Engine, clock, staff
) -> None:
    client.get("/")
    code = link_code(db_engine, "demo-19", clock.now())
    chat(client, f"link {code}", 1)
    token = client.cookies[COOKIE]
    jay = linked_to(db_engine, token)
    assert jay is not None
    json_headers = {"Content-Type": "application/json"}
    # Without the page's "yes" (a stray or scripted POST): refused, nothing changes.
    for body in (b"{}", b'{"confirm": "yes"}', b"[]", b"not json", b'{"confirm": 1}'):
        refused = client.post("/api/forget", content=body, headers=json_headers)
        assert refused.status_code == 400, body
    # A browser that says the request came from another site: refused outright.
    cross = client.post(
        "/api/forget",
        content=b'{"confirm": true}',
        headers={**json_headers, "Sec-Fetch-Site": "cross-site"},
    )
    assert cross.status_code == 403
    also = client.post(
        "/api/chat",
        content=json.dumps({"message_id": "msg-0009-abcdef", "text": "hi"}),
        headers={**json_headers, "Sec-Fetch-Site": "same-site"},
    )
    assert also.status_code == 403
    big = client.post(
        "/api/forget",
        content=b'{"confirm": true, "x": "' + b"a" * 2000 + b'"}',
        headers=json_headers,
    )
    assert big.status_code == 413
    assert client.cookies[COOKIE] == token and linked_to(db_engine, token) == jay
    # From the page itself (fetch says same-origin), after the yes: forgotten.
    done = client.post(
        "/api/forget",
        content=b'{"confirm": true}',
        headers={**json_headers, "Sec-Fetch-Site": "same-origin"},
    )
    assert done.status_code == 200
    assert token not in web_ids(db_engine)


def test_after_forgetting_the_old_token_sees_nothing_and_nothing_is_deleted(
    base_url: str, client: httpx.Client, db_engine: Engine, clock, staff
) -> None:
    client.get("/")
    code = link_code(db_engine, "demo-19", clock.now())
    chat(client, f"link {code}", 1)
    chat(client, "who is my pa", 2)
    token = client.cookies[COOKIE]
    with session_factory(db_engine).begin() as session:
        identity = session.execute(
            select(ChannelIdentity).where(ChannelIdentity.external_id == token)
        ).scalar_one()
        sam = session.execute(
            select(StaffAccount).where(StaffAccount.email == "sam.ortiz@example.org")
        ).scalar_one()
        session.add(
            Message(
                identity_id=identity.id,
                young_person_id=identity.young_person_id,
                direction="out",
                channel="web",
                kind="text",
                text="Hi Jay, it's Sam. Call me on 01632 960123.",
                source="pa",
                author_staff_id=sam.id,
                created_at=clock.now(),
            )
        )
        jay = identity.young_person_id

    def jays_messages() -> int:
        with db_engine.connect() as conn:
            return conn.execute(
                select(func.count(Message.id)).where(Message.young_person_id == jay)
            ).scalar_one()

    before = jays_messages()
    assert before >= 4  # "You're linked", the question, its answer and Sam's message
    assert len(client.get("/api/updates?after=0").json()["messages"]) == 1
    assert forget(client).status_code == 200

    # The young person's record and every message stay (deleting is "delete my data").
    assert jays_messages() == before
    with db_engine.connect() as conn:
        assert conn.execute(select(YoungPerson.ref).where(YoungPerson.id == jay)).scalar_one()
    # Whoever still holds the old token (a copied cookie) sees nothing of Jay's.
    with httpx.Client(base_url=base_url, timeout=60) as old:
        old.cookies.set(COOKIE, token)
        assert old.get("/api/updates?after=0").json()["messages"] == []
        reply = chat(old, "who is my pa", 3).json()["messages"][0]["text"]
        assert "Sam Ortiz" not in reply and "isn't linked to your record" in reply
    # The browser that forgot starts again as a new anonymous visitor.
    assert COOKIE not in client.cookies
    fresh = chat(client, "who is my pa", 4)
    assert "isn't linked to your record" in fresh.json()["messages"][0]["text"]
    assert client.cookies[COOKIE] != token


def forget(client: httpx.Client) -> httpx.Response:
    """What the page sends after "Yes, forget this device"."""
    return client.post(
        "/api/forget", content=b'{"confirm": true}', headers={"Content-Type": "application/json"}
    )


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
