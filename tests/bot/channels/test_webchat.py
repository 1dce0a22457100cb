"""The web chat over real HTTP: the page, the static files and the JSON API, bad input included.

The app runs under a real uvicorn server on a loopback port (tests.support.servers.serve) and
is driven with an httpx.Client that keeps the visitor cookie between requests, like a browser.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import unicodedata
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from bot.channels.webchat import COOKIE, MAX_BODY
from bot.models import ChannelIdentity, Escalation, Message
from bot.runtime import Runtime
from bot.server_keys import TokenSigner
from tests.support.database import table_gone

pytestmark = pytest.mark.slow

ARABIC = re.compile(r"[\u0600-\u06FF]")
# All a reply to the page carries: what the page shows and the language it is in.
REPLY_KEYS = {"messages", "language", "direction"}
# What the engine understood stays on the server.
INTERNALS = ("intent", "confidence", "topic", "safety", "escalation", "input", "duplicate")
CRISIS = "i want to kill myself"


def new_id() -> str:
    """A fresh client message id, the way chat.js makes them."""
    return secrets.token_hex(8)


def texts(data: dict[str, Any]) -> str:
    return "\n".join(m["text"] for m in data["messages"])


def payloads(data: dict[str, Any]) -> list[str]:
    return [b["payload"] for m in data["messages"] for b in m["buttons"]]


def send_json(client: httpx.Client, body: Any) -> httpx.Response:
    """POST any JSON value as raw UTF-8 (what a browser's JSON.stringify sends)."""
    return client.post(
        "/api/chat",
        content=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json"},
    )


def send(client: httpx.Client, **fields: Any) -> httpx.Response:
    """POST a well-formed chat request; a fresh message_id unless one is given.

    Like the page a council embeds on its own site (`/?council=plymouth`), requests name
    Plymouth unless a test says otherwise, so anonymous questions are answered at once."""
    fields.setdefault("message_id", new_id())
    fields.setdefault("council", "plymouth")
    return send_json(client, fields)


def assert_ok_reply(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    data = response.json()
    assert set(data) == REPLY_KEYS, "only what the page shows"
    assert data["messages"], "every message gets a reply"
    for message in data["messages"]:
        assert set(message) == {"text", "parts", "buttons"}
        # The parts are the text again, cut where a phone number is a link.
        assert "".join(p["text"] for p in message["parts"]) == message["text"]
        assert all(set(p) in ({"text"}, {"text", "href"}) for p in message["parts"])
        assert all(set(b) == {"title", "payload"} for b in message["buttons"])
    assert all(m["text"].strip() for m in data["messages"])
    return data


def assert_error(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert isinstance(error, str) and error


def inbound_rows(db_engine: Engine, visitor: str, message_id: str) -> list[Any]:
    """The stored inbound message(s) for this visitor's message id, with what the engine
    understood of it (kept on the server, never sent to the page)."""
    with db_engine.connect() as conn:
        return conn.execute(
            select(
                Message.id,
                Message.kind,
                Message.text,
                Message.intent,
                Message.topic,
                Message.safety,
            ).where(
                Message.direction == "in",
                Message.channel == "web",
                Message.external_id == f"{visitor}:{message_id}",
            )
        ).all()


def stored(db_engine: Engine, client: httpx.Client, message_id: str) -> Any:
    """The one inbound row for a message id the client's current visitor sent."""
    (row,) = inbound_rows(db_engine, client.cookies[COOKIE], message_id)
    return row


def escalations(db_engine: Engine, visitor: str) -> list[Any]:
    with db_engine.connect() as conn:
        return conn.execute(
            select(Escalation.id, Escalation.reason, Escalation.urgency)
            .join(ChannelIdentity, ChannelIdentity.id == Escalation.identity_id)
            .where(ChannelIdentity.channel == "web", ChannelIdentity.external_id == visitor)
            .order_by(Escalation.id)
        ).all()


def count_inbound(db_engine: Engine, visitor: str) -> int:
    with db_engine.connect() as conn:
        return conn.execute(
            select(func.count())
            .select_from(Message)
            .join(ChannelIdentity, ChannelIdentity.id == Message.identity_id)
            .where(
                Message.direction == "in",
                ChannelIdentity.channel == "web",
                ChannelIdentity.external_id == visitor,
            )
        ).scalar_one()


@pytest.fixture
def visitor(client: httpx.Client) -> str:
    """Opens the page first, as a browser does, and returns the visitor id it was given."""
    response = client.get("/")
    assert response.status_code == 200
    return client.cookies[COOKIE]


# -- the page and static files -----------------------------------------------------------------


def test_page_is_served_with_a_visitor_cookie(client: httpx.Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<form id="composer"' in html
    assert 'id="text"' in html and 'type="submit"' in html
    assert '<html lang="en" dir="ltr">' in html
    assert '<script src="/static/chat.js"></script>' in html
    assert "116 123" in html  # the safety line is always on the page

    set_cookie = response.headers["set-cookie"]
    assert set_cookie.startswith(f"{COOKIE}=")
    assert "httponly" in set_cookie.lower() and "samesite=strict" in set_cookie.lower()
    token = client.cookies[COOKIE]
    assert re.fullmatch(r"[A-Za-z0-9_-]{8,64}", token)

    # A returning visitor keeps their id.
    again = client.get("/")
    assert again.status_code == 200
    assert "set-cookie" not in again.headers
    assert client.cookies[COOKIE] == token


def test_page_in_arabic_is_right_to_left(client: httpx.Client) -> None:
    response = client.get("/", params={"lang": "ar"})
    assert response.status_code == 200
    html = response.text
    assert '<html lang="ar" dir="rtl">' in html
    assert 'data-language="ar"' in html
    assert ARABIC.search(html), "the page's own strings are translated"


def test_page_with_unknown_language_or_bad_council_falls_back(client: httpx.Client) -> None:
    response = client.get("/", params={"lang": "xx", "council": '"><script>alert(1)</script>'})
    assert response.status_code == 200
    html = response.text
    assert '<html lang="en" dir="ltr">' in html
    assert 'data-council=""' in html
    assert "<script>alert(1)</script>" not in html


def test_static_files_and_health(client: httpx.Client) -> None:
    js = client.get("/static/chat.js")
    assert js.status_code == 200
    assert "javascript" in js.headers["content-type"]
    assert "/api/chat" in js.text

    css = client.get("/static/chat.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert css.text.strip()

    assert client.get("/static/nope.js").status_code == 404

    health = client.get("/healthz")
    assert health.status_code == 200
    body = health.json()
    model = body.pop("nlu_model")
    # Without its lifespan (these tests run none) the app never takes the lead.
    assert body == {
        "status": "ok",
        "content_error": None,
        "nlu_needs_training": False,
        "leader": False,
        # The process that answered; the model is in it, so there is no NLU service.
        "process": os.getpid(),
        "nlu_service": None,
    }
    # Which model answers: its training fingerprint and when it was built.
    assert re.fullmatch(r"[0-9a-f]{12}", model["fingerprint"])
    assert model["trained_at"].startswith("20")


# -- questions and buttons ---------------------------------------------------------------------


def test_council_tax_question_then_more_detail(
    client: httpx.Client, visitor: str, db_engine: Engine
) -> None:
    question = new_id()
    data = assert_ok_reply(send(client, message_id=question, text="can I get council tax paid"))
    row = stored(db_engine, client, question)
    assert (row.intent, row.topic) == ("council_tax", "council_tax")
    assert data["direction"] == "ltr"
    first = data["messages"][0]["text"]
    assert "council tax" in first.lower()
    assert "25" in first
    assert "more:council_tax" in payloads(data)
    assert "intent:talk_to_pa" in payloads(data)
    # The answer went to the visitor the page gave a cookie to.
    with db_engine.connect() as conn:
        identities = conn.execute(
            select(ChannelIdentity.external_id).where(ChannelIdentity.channel == "web")
        ).scalars()
        assert list(identities) == [visitor]

    pressed = new_id()
    detail = assert_ok_reply(send(client, message_id=pressed, payload="more:council_tax"))
    row = stored(db_engine, client, pressed)
    assert (row.kind, row.text, row.topic) == ("button", "more:council_tax", "council_tax")
    assert detail["messages"][0]["text"] != first, "the detail, not the same answer again"
    assert "council tax" in texts(detail).lower()
    assert "intent:talk_to_pa" in payloads(detail)


def test_api_works_without_opening_the_page_first(client: httpx.Client, db_engine: Engine) -> None:
    message_id = new_id()
    response = send(client, message_id=message_id, text="can I get council tax paid")
    data = assert_ok_reply(response)
    assert "more:council_tax" in payloads(data)
    assert stored(db_engine, client, message_id).topic == "council_tax"
    token = client.cookies[COOKIE]
    assert re.fullmatch(r"[A-Za-z0-9_-]{8,64}", token)
    # The next request reuses that visitor rather than minting another.
    assert "set-cookie" not in send(client, payload="more:council_tax").headers


def test_reply_carries_only_what_the_page_shows(
    client: httpx.Client, visitor: str, db_engine: Engine
) -> None:
    """No intent, confidence, topic, safety or escalation reaches the browser, not even for
    a crisis message that opens an urgent escalation."""
    question = assert_ok_reply(send(client, text="can I get council tax paid"))
    button = assert_ok_reply(send(client, payload="more:council_tax"))
    message_id = new_id()
    crisis = assert_ok_reply(send(client, message_id=message_id, text=CRISIS))

    assert "116 123" in texts(crisis)
    row = stored(db_engine, client, message_id)
    assert row.safety == "suicide_self_harm"
    (escalation,) = escalations(db_engine, visitor)
    assert (escalation.reason, escalation.urgency) == ("suicide_self_harm", "urgent")
    for data in (question, button, crisis):
        assert set(data) == REPLY_KEYS
        assert not any(key in data for key in INTERNALS)
        assert not any(key in m for m in data["messages"] for key in INTERNALS)
    # Nor anywhere deeper in the body: the escalation's id, reason and urgency stay server-side.
    body = json.dumps(crisis)
    assert "suicide_self_harm" not in body and '"urgent"' not in body
    assert f'"id": {escalation.id}' not in body


@pytest.mark.parametrize(
    ("text", "safety_line"),
    [("can I get council tax paid", None), (CRISIS, "116 123")],
    ids=["question", "crisis"],
)
def test_a_retried_message_id_gets_the_same_reply_again(
    client: httpx.Client, visitor: str, db_engine: Engine, text: str, safety_line: str | None
) -> None:
    """A browser retrying after a lost response gets exactly the first reply (a young person
    in crisis still gets the numbers), and the message is stored and escalated once."""
    message_id = new_id()
    first = assert_ok_reply(send(client, message_id=message_id, text=text))
    escalated = escalations(db_engine, visitor)
    inbound = count_inbound(db_engine, visitor)
    if safety_line is None:
        assert "more:council_tax" in payloads(first)
        assert escalated == []
    else:
        assert safety_line in texts(first)
        assert len(escalated) == 1

    for _ in range(2):
        again = assert_ok_reply(send(client, message_id=message_id, text=text))
        assert again == first
        assert [m["buttons"] for m in again["messages"]] == [
            m["buttons"] for m in first["messages"]
        ]
        if safety_line is not None:
            assert safety_line in texts(again)

    rows = inbound_rows(db_engine, visitor, message_id)
    assert len(rows) == 1
    assert rows[0].text == text
    assert count_inbound(db_engine, visitor) == inbound
    assert escalations(db_engine, visitor) == escalated

    # A new message id is a new turn again, not a replay.
    later = assert_ok_reply(send(client, text="who's my PA"))
    assert later["messages"] != first["messages"]
    assert count_inbound(db_engine, visitor) == inbound + 1


@pytest.mark.sql
def test_when_the_database_fails_the_page_still_shows_the_numbers(
    client: httpx.Client, visitor: str, db_engine: Engine, staff: dict[str, int]
) -> None:
    """Nothing can be kept (503, so the page and any monitor know), but the young person sees
    what to do now; sent again once the database is back, it is kept and escalated."""
    message_id = new_id()
    with table_gone(db_engine, "channel_identities"):
        response = send(client, message_id=message_id, text=CRISIS)
    assert response.status_code == 503
    assert response.headers["cache-control"] == "no-store"
    data = response.json()
    assert set(data) == REPLY_KEYS
    shown = texts(data)
    assert "999" in shown and "116 123" in shown
    assert "Sorry, something went wrong on my side" in shown
    assert "I've told" not in shown
    assert escalations(db_engine, visitor) == []

    again = assert_ok_reply(send(client, message_id=message_id, text=CRISIS))
    assert "999" in texts(again)
    assert [e.urgency for e in escalations(db_engine, visitor)] == ["urgent"]
    assert stored(db_engine, client, message_id).safety == "suicide_self_harm"


def test_message_ids_are_scoped_to_the_visitor(base_url: str, db_engine: Engine) -> None:
    message_id = new_id()
    with (
        httpx.Client(base_url=base_url, timeout=60) as one,
        httpx.Client(base_url=base_url, timeout=60) as two,
    ):
        assert_ok_reply(send(one, message_id=message_id, text="who's my PA"))
        assert_ok_reply(send(two, message_id=message_id, text="who's my PA"))
        assert one.cookies[COOKIE] != two.cookies[COOKIE]
        for c in (one, two):
            assert len(inbound_rows(db_engine, c.cookies[COOKIE], message_id)) == 1


def test_longest_allowed_visitor_and_message_ids(
    client: httpx.Client, visitor: str, db_engine: Engine
) -> None:
    """A message id may be 64 characters; with the visitor id (now always one the server
    signed) in front of it, it must still fit, and a retry must still be recognised."""
    assert len(visitor) == TokenSigner.RANDOM + TokenSigner.SIGNATURE
    message_id = "m" * 64
    data = assert_ok_reply(send(client, message_id=message_id, text="can I get council tax paid"))
    assert "more:council_tax" in payloads(data)
    again = assert_ok_reply(send(client, message_id=message_id, text="can I get council tax paid"))
    assert again == data, "the retry is recognised and replayed"
    (row,) = inbound_rows(db_engine, visitor, message_id)
    assert row.topic == "council_tax"


# -- bad input ---------------------------------------------------------------------------------


def _long_text(unit: str) -> str:
    text = (unit * (10_000 // len(unit) + 1))[:9_999] + "."
    assert len(text) == 10_000 and text == unicodedata.normalize("NFC", text).strip()
    return text


@pytest.mark.parametrize(
    "text",
    [
        _long_text("help with my rent please "),
        _long_text("أحتاج مساعدة في الإيجار."),
        _long_text("我需要房租方面的帮助。"),  # 3 bytes a character: the largest a browser sends
    ],
    ids=["latin", "arabic", "chinese"],
)
def test_ten_thousand_characters_are_answered_and_kept_whole(
    client: httpx.Client, visitor: str, db_engine: Engine, text: str
) -> None:
    message_id = new_id()
    data = assert_ok_reply(send(client, message_id=message_id, text=text))
    assert "long message" in texts(data)
    assert "intent:talk_to_pa" in payloads(data)
    rows = inbound_rows(db_engine, visitor, message_id)
    assert len(rows) == 1
    assert rows[0].text == text


def test_bad_requests_get_clean_answers_and_the_chat_still_works(
    client: httpx.Client, visitor: str, db_engine: Engine
) -> None:
    # Empty text: a polite nudge, not an error.
    empty = assert_ok_reply(send(client, text=""))
    assert "didn't get any words" in texts(empty)
    assert "topic:council_tax" in payloads(empty)

    # Emoji only, and text with a NUL and a lone surrogate (JSON escapes allow both).
    assert_ok_reply(send(client, text="😀🙏🔥"))
    message_id = new_id()
    odd = client.post(
        "/api/chat",
        content=b'{"message_id": "%s", "text": "a\\u0000b\\ud800c"}' % message_id.encode(),
        headers={"Content-Type": "application/json"},
    )
    assert_ok_reply(odd)
    (row,) = inbound_rows(db_engine, visitor, message_id)
    assert "\x00" not in row.text and row.text.startswith("a")

    def raw(body: bytes, content_type: str = "application/json") -> httpx.Response:
        return client.post("/api/chat", content=body, headers={"Content-Type": content_type})

    good_id = new_id()
    # Not UTF-8.
    bad_utf8 = raw(b'{"message_id": "%s", "text": "caf\xe9 \xff\xfe"}' % good_id.encode())
    assert_error(bad_utf8, 400)
    assert "UTF-8" in bad_utf8.json()["error"]
    # Not JSON, or JSON that is not an object.
    assert_error(raw(b'{"message_id": "abcdefgh", "text": '), 400)
    assert_error(raw(b""), 400)
    assert_error(raw(b"NaN-ish nonsense"), 400)
    assert_error(send_json(client, [{"message_id": good_id, "text": "hi"}]), 400)
    assert_error(send_json(client, "hi"), 400)
    assert_error(send_json(client, None), 400)
    # message_id missing, or not 8-64 letters, digits, _ or -.
    assert_error(send_json(client, {"text": "hi"}), 400)
    for bad_id in ("", "short", "has spaces in it", "dots.and/slashes", "x" * 65, "é" * 10):
        assert_error(send(client, message_id=bad_id, text="hi"), 400)
    for bad_id in (12345678, None, ["abcdefgh"]):
        assert_error(send_json(client, {"message_id": bad_id, "text": "hi"}), 400)
    # Exactly one of text or payload, each a string.
    assert_error(send(client, text="hi", payload="menu:"), 400)
    assert_error(send(client), 400)
    assert_error(send(client, text=None, payload=None), 400)
    assert_error(send(client, text=42), 400)
    assert_error(send(client, text=["hi"]), 400)
    assert_error(send(client, payload=7), 400)
    # Only application/json is accepted.
    body = json.dumps({"message_id": good_id, "text": "hi"}).encode()
    assert_error(raw(body, "text/plain"), 415)
    assert_error(client.post("/api/chat", data={"message_id": good_id, "text": "hi"}), 415)
    assert_error(
        client.post("/api/chat", files={"text": ("a.txt", b"hi")}, data={"message_id": good_id}),
        415,
    )
    assert_error(client.post("/api/chat", content=body, headers={"Content-Type": ""}), 415)
    # Too big, with a Content-Length and without one (chunked).
    big = json.dumps({"message_id": good_id, "text": "x" * (MAX_BODY + 1)}).encode()
    assert_error(raw(big), 413)

    def chunks() -> Iterator[bytes]:
        yield b'{"message_id": "%s", "text": "' % good_id.encode()
        for _ in range(4):
            yield b"y" * (MAX_BODY // 2)
        yield b'"}'

    assert_error(
        client.post("/api/chat", content=chunks(), headers={"Content-Type": "application/json"}),
        413,
    )
    # Wrong method.
    assert client.get("/api/chat").status_code == 405

    # None of the rejected requests reached the engine...
    assert inbound_rows(db_engine, visitor, good_id) == []
    # ...and the chat still answers a normal question.
    last_id = new_id()
    data = assert_ok_reply(send(client, message_id=last_id, text="can I get council tax paid"))
    assert "more:council_tax" in payloads(data)
    assert stored(db_engine, client, last_id).topic == "council_tax"


@pytest.mark.parametrize(
    "payload",
    ["topic:nope", "x" * 200, "more:nope", "council:atlantis", "menu:../../etc", "::", ""],
)
def test_forged_payload_gets_the_menu(
    client: httpx.Client, visitor: str, db_engine: Engine, payload: str
) -> None:
    message_id = new_id()
    data = assert_ok_reply(send(client, message_id=message_id, payload=payload))
    assert stored(db_engine, client, message_id).safety is None
    assert escalations(db_engine, visitor) == []
    buttons = payloads(data)
    if payload.startswith("council:"):
        # Asked to pick a real council (or carry on with the national answer).
        assert sorted(buttons) == [
            "council:cambridgeshire",
            "council:cheshire-east",
            "council:national",
            "council:plymouth",
        ]
    elif payload.startswith("more:"):
        assert "intent:talk_to_pa" in buttons
    else:
        assert "topic:council_tax" in buttons and "intent:talk_to_pa" in buttons


@pytest.mark.parametrize(
    "escaped",
    ["menu:\\u0000", "topic:\\ud800", "\\udfff"],
    ids=["nul", "lone-high-surrogate", "lone-low-surrogate"],
)
def test_forged_payload_with_unstorable_characters_gets_the_menu(
    client: httpx.Client, visitor: str, escaped: str
) -> None:
    """JSON escapes let a payload carry a NUL or a lone surrogate; neither may break the turn."""
    body = b'{"message_id": "%s", "payload": "%s"}' % (new_id().encode(), escaped.encode())
    response = client.post("/api/chat", content=body, headers={"Content-Type": "application/json"})
    data = assert_ok_reply(response)
    assert "topic:council_tax" in payloads(data)
    # The chat goes on afterwards.
    after = assert_ok_reply(send(client, text="can I get council tax paid"))
    assert "more:council_tax" in payloads(after)


@pytest.mark.parametrize(
    "council",
    ["atlantis", "", 42, ["plymouth"], "x" * 300, "\\u0000", "\\ud800"],
    ids=["unknown", "empty", "number", "list", "long", "nul", "lone-surrogate"],
)
def test_bad_council_choice_is_ignored(
    client: httpx.Client, visitor: str, db_engine: Engine, council: object
) -> None:
    value = f'"{council}"' if isinstance(council, str) else json.dumps(council)
    message_id = new_id()
    body = f'{{"message_id": "{message_id}", "council": {value}, "text": "can I get council tax paid"}}'
    response = client.post(
        "/api/chat", content=body.encode(), headers={"Content-Type": "application/json"}
    )
    data = assert_ok_reply(response)
    assert "council" in texts(data).lower()
    assert stored(db_engine, client, message_id).topic == "council_tax"


# -- language ----------------------------------------------------------------------------------


def test_arabic_visitor_gets_arabic_right_to_left_replies(
    client: httpx.Client, visitor: str
) -> None:
    data = assert_ok_reply(send(client, language="ar", text="who's my PA"))
    assert data["language"] == "ar"
    assert data["direction"] == "rtl"
    reply = texts(data)
    assert ARABIC.search(reply)
    assert "Sam Ortiz" not in reply, "an anonymous visitor is not told anyone's PA"
    assert "01632 960100" in reply  # the leaving care team's number

    # The choice sticks for the next message, without sending it again.
    later = assert_ok_reply(send(client, text="can I get council tax paid"))
    assert later["language"] == "ar" and later["direction"] == "rtl"


def test_unknown_language_keeps_the_default(client: httpx.Client, visitor: str) -> None:
    data = assert_ok_reply(send(client, language="xx-nope", text="who's my PA"))
    assert data["language"] == "en" and data["direction"] == "ltr"
    assert "link code" in texts(data)


def test_language_applies_even_when_the_council_is_unknown(
    client: httpx.Client, visitor: str
) -> None:
    """/?lang=ar&council=typo renders an Arabic page that sends council "typo" with every
    message; the valid language must still be applied."""
    page = client.get("/", params={"lang": "ar", "council": "typo"})
    assert 'data-council="typo"' in page.text
    data = assert_ok_reply(send(client, language="ar", council="typo", text="who's my PA"))
    assert data["language"] == "ar"
    assert data["direction"] == "rtl"
    assert ARABIC.search(texts(data))


# -- cost ---------------------------------------------------------------------------------------


def test_a_message_with_the_pages_choices_is_one_transaction(
    client: httpx.Client, visitor: str, runtime: Runtime, db_engine: Engine
) -> None:
    """The page's council and language go in with the message: one transaction a turn (each
    is a commit, an fsync on SQLite), where applying them first was a second."""
    begun: list[object] = []
    listener = lambda *_: begun.append(None)  # noqa: E731
    event.listen(runtime.db, "begin", listener)
    try:
        reply = assert_ok_reply(send(client, text="can i get council tax paid", language="ar"))
    finally:
        event.remove(runtime.db, "begin", listener)
    assert len(begun) == 1
    assert reply["language"] == "ar"
    with db_engine.connect() as conn:
        chosen = conn.execute(
            select(ChannelIdentity.council_id, ChannelIdentity.language).where(
                ChannelIdentity.external_id == visitor
            )
        ).one()
    assert tuple(chosen) == ("plymouth", "ar")
