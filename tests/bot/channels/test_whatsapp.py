"""WhatsApp end to end: pywa's real client against a fake Graph API over loopback HTTP, our
webhook served by a real uvicorn and POSTed signed deliveries, the real NLU model and a real
(SQLite) database. The sender, the message plan and the settings are tested on their own too.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bot.advisers import escalations
from bot.channels.whatsapp import (
    INTERACTIVE_TEXT_LIMIT,
    LIST_BUTTON_LABEL,
    MAX_BODY_BYTES,
    SIGNATURE_HEADER,
    TEXT_LIMIT,
    WINDOW_CLOSED,
    WhatsAppChannel,
    WhatsAppDeliveryError,
    WhatsAppSender,
    parse_message,
    plan,
    split_text,
)
from bot.messages import Button, OutgoingMessage
from bot.models import ChannelIdentity, Escalation, Message, OutboxItem, StaffAccount
from bot.outbox import Delivery, DeliveryError
from bot.runtime import Runtime
from bot.server import create_app
from bot.settings import Settings, SettingsError, load_settings
from tests.support.fake_whatsapp import (
    API_VERSION,
    FakeWhatsApp,
    button_reply,
    delivery,
    encode,
    list_reply,
    media_message,
    sign,
    status_delivery,
    template_button,
    text_message,
)
from tests.support.servers import serve

APP_SECRET = "0123456789abcdef0123456789abcdef"
VERIFY_TOKEN = "verify-me-please"
PHONE = "447700900123"  # Ofcom's drama range: nobody real
BSUID = "GB.13491208655302741918"
HTTP_TIMEOUT = 15.0

# The end-to-end tests load the real NLU model.
e2e = [pytest.mark.slow]


def slow_sqlite(test: Callable[..., Any]) -> Callable[..., Any]:
    for mark in reversed(e2e):
        test = mark(test)
    return test


def whatsapp_env(base: str, fake: FakeWhatsApp) -> dict[str, str]:
    return {
        "WHATSAPP_TOKEN": fake.token,
        "WHATSAPP_PHONE_NUMBER_ID": fake.phone_number_id,
        "WHATSAPP_APP_SECRET": APP_SECRET,
        "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
        "WHATSAPP_API_BASE_URL": f"{base}/{API_VERSION}",
    }


@dataclass
class Webhook:
    fake: FakeWhatsApp
    url: str  # {app_base}/whatsapp/webhook
    runtime: Runtime
    channel: WhatsAppChannel

    def post(
        self,
        body: Any = None,
        *,
        raw: bytes | None = None,
        secret: str | None = APP_SECRET,
        signature: str | None = None,
    ) -> httpx.Response:
        content = raw if raw is not None else encode(body)
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers[SIGNATURE_HEADER] = signature
        elif secret is not None:
            headers[SIGNATURE_HEADER] = sign(content, secret)
        return httpx.post(self.url, content=content, headers=headers, timeout=HTTP_TIMEOUT)

    def verify(self, params: dict[str, str]) -> httpx.Response:
        return httpx.get(self.url, params=params, timeout=HTTP_TIMEOUT)


def count_messages(runtime: Runtime, **where: Any) -> int:
    query = select(func.count()).select_from(Message)
    for column, value in where.items():
        query = query.where(getattr(Message, column) == value)
    with runtime.sessions() as session:
        return session.execute(query).scalar_one()


@pytest.fixture
def default_council() -> str:
    """These tests run as Plymouth's own bot, so anonymous questions are answered at once."""
    return "plymouth"


@pytest.fixture
def fake_api() -> Iterator[tuple[FakeWhatsApp, str]]:
    fake = FakeWhatsApp()
    with serve(fake.app()) as base:
        yield fake, base


@pytest.fixture
def wa_settings(settings: Settings, fake_api: tuple[FakeWhatsApp, str]) -> Settings:
    fake, base = fake_api
    return replace(
        settings,
        whatsapp_token=fake.token,
        whatsapp_phone_number_id=fake.phone_number_id,
        whatsapp_app_secret=APP_SECRET,
        whatsapp_verify_token=VERIFY_TOKEN,
        whatsapp_api_base_url=f"{base}/{API_VERSION}",
    )


@pytest.fixture
def webhook(
    runtime: Runtime, wa_settings: Settings, fake_api: tuple[FakeWhatsApp, str]
) -> Iterator[Webhook]:
    """Our web app with WhatsApp on, lifespan on (the outbox dispatcher runs)."""
    fake, _ = fake_api
    channel = WhatsAppChannel(wa_settings, runtime.engine)
    app = create_app(runtime, whatsapp=channel)
    with serve(app, lifespan="on") as app_base:
        yield Webhook(fake, f"{app_base}/whatsapp/webhook", runtime, channel)


# -- 1. the verification handshake ------------------------------------------------------------


@slow_sqlite
def test_verification_handshake_echoes_the_challenge(webhook: Webhook) -> None:
    response = webhook.verify(
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    )

    assert response.status_code == 200, response.text
    assert response.text == "1158201444"
    assert response.headers["content-type"].startswith("text/plain")


REFUSED_VERIFICATIONS = {
    "wrong-token": {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
    "prefix": {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN[:-1],
        "hub.challenge": "1",
    },
    "wrong-mode": {
        "hub.mode": "unsubscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1",
    },
    "no-token": {"hub.mode": "subscribe", "hub.challenge": "1"},
    "no-challenge": {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN},
    "nothing": {},
}


@slow_sqlite
def test_verification_is_refused_without_the_token(webhook: Webhook) -> None:
    # One server for every case (each test's set-up costs seconds).
    for case, params in REFUSED_VERIFICATIONS.items():
        response = webhook.verify(params)

        assert response.status_code == 403, (case, response.text)
        assert "1" not in response.text, case


# -- 2. a question answered -------------------------------------------------------------------


@slow_sqlite
def test_text_question_is_answered_with_buttons(webhook: Webhook) -> None:
    response = webhook.post(text_message("wamid.Q1", "can I get council tax paid", phone=PHONE))

    assert response.status_code == 200, response.text
    sent = webhook.fake.sent()
    assert len(sent) == 1, [c.body for c in sent]
    reply = sent[0]
    assert reply.body["to"] == PHONE
    assert reply.body["type"] == "interactive"
    assert "council tax" in reply.text.lower()
    assert "more:council_tax" in reply.button_ids
    buttons = reply.body["interactive"]["action"]["buttons"]
    assert all(len(b["reply"]["title"]) <= 20 for b in buttons)
    assert count_messages(webhook.runtime, channel="whatsapp", direction="in") == 1
    assert count_messages(webhook.runtime, channel="whatsapp", direction="out") == 1
    assert count_messages(webhook.runtime, external_id="wamid.Q1") == 1


@slow_sqlite
def test_people_are_keyed_by_their_business_scoped_id(webhook: Webhook) -> None:
    # With a phone number: keyed by the BSUID, answered on the phone number.
    assert webhook.post(text_message("wamid.K1", "hello", phone=PHONE, bsuid=BSUID)).is_success
    # A username user with no phone number shared: answered on the BSUID.
    other = "GB.99887766554433221100"
    assert webhook.post(text_message("wamid.K2", "hello", phone=None, bsuid=other)).is_success

    with webhook.runtime.sessions() as session:
        ids = set(
            session.execute(
                select(ChannelIdentity.external_id).where(ChannelIdentity.channel == "whatsapp")
            ).scalars()
        )
    assert ids == {BSUID, other}
    assert len(webhook.fake.sent(to=PHONE)) == 1
    by_bsuid = webhook.fake.sent(to=other)
    assert len(by_bsuid) == 1 and by_bsuid[0].body["recipient"] == other
    assert "to" not in by_bsuid[0].body


# -- 3. buttons: reply buttons, a list, a template's quick reply ------------------------------


@slow_sqlite
def test_reply_button_round_trip_gets_the_detail(webhook: Webhook) -> None:
    assert webhook.post(text_message("wamid.R1", "can I get council tax paid")).is_success
    assert "more:council_tax" in webhook.fake.sent()[0].button_ids

    response = webhook.post(button_reply("wamid.R2", "more:council_tax"))

    assert response.status_code == 200, response.text
    sent = webhook.fake.sent()
    assert len(sent) == 2, [c.body for c in sent]
    assert "don't ignore it" in sent[1].text  # only the detail text says this
    assert count_messages(webhook.runtime, external_id="wamid.R2", kind="button") == 1


@slow_sqlite
def test_menu_goes_as_a_list_and_a_list_reply_is_answered(webhook: Webhook) -> None:
    assert webhook.post(button_reply("wamid.L1", "menu:", title="Other help")).is_success
    menu = webhook.fake.sent()[-1]
    assert menu.body["type"] == "interactive", menu.body
    interactive = menu.body["interactive"]
    assert interactive["type"] == "list", interactive
    assert interactive["action"]["button"] == LIST_BUTTON_LABEL
    rows = [r for s in interactive["action"]["sections"] for r in s["rows"]]
    assert 4 <= len(rows) <= 10
    assert all(len(r["title"]) <= 24 for r in rows)
    assert len(interactive["body"]["text"]) <= INTERACTIVE_TEXT_LIMIT
    housing = next(r["id"] for r in rows if r["id"].startswith("topic:"))

    response = webhook.post(list_reply("wamid.L2", housing, title="Housing"))

    assert response.status_code == 200, response.text
    answer = webhook.fake.sent()[-1]
    assert answer is not menu and answer.text
    with webhook.runtime.sessions() as session:
        stored = session.execute(
            select(Message).where(Message.external_id == "wamid.L2")
        ).scalar_one()
        assert stored.kind == "button" and stored.topic == housing.split(":", 1)[1]


@slow_sqlite
def test_template_quick_reply_is_a_button_press(webhook: Webhook) -> None:
    webhook.runtime.engine.identify("whatsapp", PHONE, young_person_ref="demo-19")

    response = webhook.post(template_button("wamid.T2", "kit:good", text="Good"))

    assert response.status_code == 200, response.text
    sent = webhook.fake.sent()
    assert len(sent) == 1, [c.body for c in sent]
    assert sent[0].text
    with webhook.runtime.sessions() as session:
        stored = session.execute(
            select(Message).where(Message.external_id == "wamid.T2")
        ).scalar_one()
        assert stored.kind == "button" and stored.intent == "checkin_answer"


# -- 4. signatures ----------------------------------------------------------------------------


def _forged(body: bytes) -> dict[str, Any]:
    good = sign(body, APP_SECRET)
    return {
        "missing": {"secret": None},
        "empty": {"signature": ""},
        "wrong-secret": {"secret": "not-the-app-secret"},
        "no-prefix": {"signature": good.removeprefix("sha256=")},
        "sha1": {"signature": good.replace("sha256=", "sha1=")},
        "truncated": {"signature": good[:-2]},
        "other-body": {"signature": sign(body + b" ", APP_SECRET)},
        "garbage": {"signature": "sha256=" + "0" * 64},
    }


@slow_sqlite
def test_forged_or_unsigned_deliveries_are_refused(webhook: Webhook) -> None:
    body = encode(text_message("wamid.F1", "who's my PA", phone=PHONE))

    for case, how in _forged(body).items():
        response = webhook.post(raw=body, **how)

        assert response.status_code == 403, (case, response.text)
        assert webhook.fake.sent() == [], case
        assert count_messages(webhook.runtime) == 0, case
        with webhook.runtime.sessions() as session:
            identities = session.execute(select(func.count()).select_from(ChannelIdentity))
            assert identities.scalar_one() == 0, case
    # The same body, rightly signed, is answered: the refusals were the signature's doing.
    assert webhook.post(raw=body).status_code == 200
    assert len(webhook.fake.sent()) == 1


@slow_sqlite
def test_an_oversized_body_is_refused(webhook: Webhook) -> None:
    padding = "x" * (MAX_BODY_BYTES + 10)
    response = webhook.post({**text_message("wamid.O1", "hello"), "padding": padding})

    assert response.status_code == 413
    assert count_messages(webhook.runtime) == 0


# -- 5. at-least-once delivery ----------------------------------------------------------------


@slow_sqlite
def test_the_same_wamid_twice_gets_the_same_reply_again(webhook: Webhook) -> None:
    """WhatsApp redelivers a message it thinks we missed (say after a restart): it is
    stored and understood once, and the stored reply goes out again, unchanged."""
    body = text_message("wamid.D1", "can I get council tax paid", phone=PHONE)

    first = webhook.post(body)
    assert first.status_code == 200, first.text
    (reply,) = webhook.fake.sent(to=PHONE)
    assert "council tax" in reply.text.lower()
    assert "more:council_tax" in reply.button_ids

    again = webhook.post(body)

    assert again.status_code == 200, again.text
    sent = webhook.fake.sent(to=PHONE)
    assert len(sent) == 2, [c.body for c in sent]
    assert sent[1].body == sent[0].body, "the same text and the same buttons"
    assert count_messages(webhook.runtime, external_id="wamid.D1") == 1
    assert count_messages(webhook.runtime, channel="whatsapp", direction="in") == 1
    assert count_messages(webhook.runtime, channel="whatsapp", direction="out") == 1


@slow_sqlite
def test_a_redelivered_crisis_message_gets_the_numbers_again_and_one_escalation(
    webhook: Webhook,
) -> None:
    body = text_message("wamid.D2", "i want to kill myself", phone=PHONE)

    assert webhook.post(body).status_code == 200
    first = webhook.fake.sent(to=PHONE)
    assert first and "116 123" in "\n".join(c.text for c in first)

    assert webhook.post(body).status_code == 200

    sent = webhook.fake.sent(to=PHONE)
    assert len(sent) == 2 * len(first), [c.body for c in sent]
    assert [c.body for c in sent[len(first) :]] == [c.body for c in first]
    assert count_messages(webhook.runtime, external_id="wamid.D2") == 1
    with webhook.runtime.sessions() as session:
        opened = session.execute(select(func.count()).select_from(Escalation)).scalar_one()
    assert opened == 1


# -- 6. what the bot cannot read --------------------------------------------------------------


@slow_sqlite
def test_non_text_gets_the_polite_text_only_reply(webhook: Webhook) -> None:
    kinds = {"sticker": "sticker", "image": "photo", "audio": "voice", "document": "file"}
    for number, (kind, stored_kind) in enumerate(kinds.items(), 1):
        response = webhook.post(
            media_message(f"wamid.M-{kind}", kind, phone=f"44770090010{number}")
        )

        assert response.status_code == 200, response.text
        sent = webhook.fake.sent(to=f"44770090010{number}")
        assert len(sent) == 1, (kind, [c.body for c in sent])
        assert "only read text" in sent[0].text, kind
        # The PA can see that something was sent.
        assert count_messages(webhook.runtime, external_id=f"wamid.M-{kind}", kind=stored_kind) == 1


# -- 7. statuses ------------------------------------------------------------------------------


@slow_sqlite
def test_statuses_are_acknowledged_and_failures_reported(webhook: Webhook) -> None:
    seen: list[tuple[str, str, int | None]] = []
    webhook.channel.on_status = lambda *args: seen.append(args)

    for status in ("sent", "delivered", "read"):
        assert webhook.post(status_delivery("wamid.S1", status)).status_code == 200
    assert webhook.post(status_delivery("wamid.S2", "failed", error_code=131047)).is_success
    assert webhook.post(status_delivery("wamid.S3", "failed", error_code=131026)).is_success

    assert webhook.fake.sent() == []
    assert count_messages(webhook.runtime) == 0
    assert seen == [("wamid.S2", "failed", 131047), ("wamid.S3", "failed", 131026)]


# -- 8. bodies Meta signed that are not what we expect ----------------------------------------


MALFORMED_BODIES = {
    "malformed": b"{not json",
    "empty": b"",
    "binary": b"\xff\xfe\x00",
    "list": b"[]",
    "null": b"null",
    "not-whatsapp": b'{"object": "page", "entry": []}',
    "entry-str": b'{"object": "whatsapp_business_account", "entry": "x"}',
    "value-int": b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"value": 1}]}]}',
    "deep": b"[" * 100_000,
}


@slow_sqlite
def test_signed_but_malformed_bodies_are_acknowledged_and_ignored(webhook: Webhook) -> None:
    for case, raw in MALFORMED_BODIES.items():
        response = webhook.post(raw=raw)

        # 200: Meta retries anything else, and this body will never get better.
        assert response.status_code == 200, (case, response.text)
    assert webhook.fake.sent() == []
    assert count_messages(webhook.runtime) == 0


@slow_sqlite
def test_one_bad_message_does_not_lose_the_others(webhook: Webhook) -> None:
    good = text_message("wamid.G2", "can I get council tax paid")["entry"][0]["changes"][0]
    messages = [
        {"id": "wamid.G1", "from": PHONE, "type": "text", "text": {"body": 42}},
        {"from": PHONE, "type": "text", "text": {"body": "no id"}},
        {"id": "wamid.G0", "from": PHONE, "type": "text", "text": {"body": "engine fails"}},
        *good["value"]["messages"],
    ]
    body = delivery(messages=messages, contacts=good["value"]["contacts"])
    engine = webhook.runtime.engine
    real_handle = engine.handle

    def flaky(inbound: Any) -> Any:
        if inbound.message_id == "wamid.G0":
            raise RuntimeError("boom")
        return real_handle(inbound)

    engine.handle = flaky  # type: ignore[method-assign]
    try:
        response = webhook.post(body)
    finally:
        engine.handle = real_handle  # type: ignore[method-assign]

    assert response.status_code == 200, response.text
    sent = webhook.fake.sent()
    assert len(sent) == 1, [c.body for c in sent]
    assert "council tax" in sent[0].text.lower()
    assert count_messages(webhook.runtime, direction="in") == 1


@slow_sqlite
def test_other_numbers_and_groups_are_not_answered(webhook: Webhook) -> None:
    other_number = text_message("wamid.N1", "who's my PA")
    other_number["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999"
    group = text_message("wamid.N2", "who's my PA")
    group["entry"][0]["changes"][0]["value"]["messages"][0]["group_id"] = "Y2FwaV9ncm91cDo"

    assert webhook.post(other_number).status_code == 200
    assert webhook.post(group).status_code == 200

    assert webhook.fake.sent() == []
    assert count_messages(webhook.runtime) == 0


# -- 9. the outbox: a PA's reply, a long check-in, a template, a closed window ---------------


def wait_for_outbox(runtime: Runtime, purpose: str) -> Any:

    deadline = time.monotonic() + HTTP_TIMEOUT
    while True:
        with runtime.sessions() as session:
            item = session.execute(
                select(OutboxItem).where(OutboxItem.purpose == purpose)
            ).scalar_one()
            session.expunge(item)
        if item.status not in ("pending", "sending") or time.monotonic() > deadline:
            return item
        time.sleep(0.05)


def queue(runtime: Runtime, purpose: str, body: str, **fields: Any) -> None:

    now = runtime.engine.clock.now()
    with runtime.sessions.begin() as session:
        identity = session.execute(
            select(ChannelIdentity).where(ChannelIdentity.external_id == BSUID)
        ).scalar_one()
        session.add(
            OutboxItem(
                channel="whatsapp",
                address=BSUID,
                purpose=purpose,
                identity_id=identity.id,
                young_person_id=identity.young_person_id,
                body=body,
                status="pending",
                not_before=now,
                attempts=0,
                created_at=now,
                **fields,
            )
        )
    runtime.engine.on_outbox()


@slow_sqlite
def test_pa_reply_is_delivered_to_the_young_person_on_whatsapp(
    webhook: Webhook, staff: dict[str, int]
) -> None:

    runtime = webhook.runtime
    runtime.engine.identify("whatsapp", BSUID, young_person_ref="demo-19")
    assert webhook.post(
        text_message("wamid.P1", "i want to talk to my pa", phone=PHONE, bsuid=BSUID)
    ).is_success
    assert "Sam Ortiz" in webhook.fake.sent()[-1].text
    before = len(webhook.fake.sent())
    now = runtime.engine.clock.now()
    with runtime.sessions.begin() as session:
        sam = session.get(StaffAccount, staff["sam.ortiz@example.org"])
        assert sam is not None
        esc = session.execute(select(Escalation)).scalar_one()
        escalations.reply(session, esc, sam, "Hi Jay, it's Sam <b>here</b>.", now)
    runtime.engine.on_outbox()  # what the dashboard does after queueing

    item = wait_for_outbox(runtime, "pa_reply")

    assert item.status == "sent", (item.status, item.error)
    [delivered] = webhook.fake.sent()[before:]
    assert delivered.body["recipient"] == BSUID
    assert delivered.text == "Hi Jay, it's Sam <b>here</b>."
    assert item.external_id == f"wamid.X{before + 1}"
    assert count_messages(runtime, channel="whatsapp", direction="out", source="pa") == 1


@slow_sqlite
def test_a_long_queued_message_goes_out_in_parts(webhook: Webhook) -> None:
    webhook.runtime.engine.identify("whatsapp", BSUID, young_person_ref="demo-19")
    paragraph = "Here is everything about your housing options this month. " * 30
    body = "\n\n".join([paragraph.strip()] * 6)
    assert len(body) > 2 * TEXT_LIMIT
    buttons = [
        {"title": "Good", "payload": "kit:good"},
        {"title": "Not good", "payload": "kit:not_good"},
    ]

    queue(webhook.runtime, "checkin", body, buttons=buttons)
    item = wait_for_outbox(webhook.runtime, "checkin")

    assert item.status == "sent", (item.status, item.error)
    parts = webhook.fake.sent()
    assert len(parts) >= 3
    assert all(p.body["recipient"] == BSUID and len(p.text) <= TEXT_LIMIT for p in parts)
    assert [p.body["type"] for p in parts] == ["text"] * (len(parts) - 1) + ["interactive"]
    assert parts[-1].button_ids == ["kit:good", "kit:not_good"]
    assert " ".join(" ".join(p.text.split()) for p in parts) == " ".join(body.split())
    assert item.external_id == f"wamid.X{len(parts)}"


@slow_sqlite
def test_a_template_goes_out_and_a_closed_window_is_recorded(webhook: Webhook) -> None:
    webhook.runtime.engine.identify("whatsapp", BSUID, young_person_ref="demo-19")

    queue(
        webhook.runtime, "checkin", "How are you?", template="check_in_v1", template_params=["Jay"]
    )
    templated = wait_for_outbox(webhook.runtime, "checkin")
    webhook.fake.fail_next(131047)
    queue(webhook.runtime, "birthday", "Happy birthday!")
    refused = wait_for_outbox(webhook.runtime, "birthday")

    assert templated.status == "sent", (templated.status, templated.error)
    sent = webhook.fake.sent()[0].body
    assert sent["type"] == "template" and sent["template"]["name"] == "check_in_v1"
    assert sent["template"]["components"][0]["parameters"] == [{"type": "text", "text": "Jay"}]
    assert refused.status == "failed"
    assert refused.error == WINDOW_CLOSED


# -- 10. privacy: no message text, phone number or id in any log line -------------------------


@slow_sqlite
def test_no_log_line_holds_text_phone_number_or_ids(
    webhook: Webhook, caplog: pytest.LogCaptureFixture
) -> None:
    secret_text = "my secret question about council tax for zebra"
    caplog.set_level(logging.DEBUG)
    webhook.channel.on_status = lambda *args: None

    webhook.post(text_message("wamid.PRIV1", secret_text, phone=PHONE, bsuid=BSUID))
    webhook.post(text_message("wamid.PRIV1", secret_text, phone=PHONE, bsuid=BSUID))
    webhook.post(button_reply("wamid.PRIV2", "more:council_tax", phone=PHONE, bsuid=BSUID))
    webhook.post(media_message("wamid.PRIV3", "sticker", phone=PHONE, bsuid=BSUID))
    webhook.post(status_delivery("wamid.PRIV4", "failed", recipient=PHONE, error_code=131026))
    webhook.post(text_message("wamid.PRIV5", secret_text, phone=PHONE), secret="forged")
    webhook.post(raw=b'{"object": "whatsapp_business_account", "zebra": "' + PHONE.encode())
    webhook.fake.fail_next(131047)
    webhook.post(text_message("wamid.PRIV6", secret_text, phone=PHONE, bsuid=BSUID))

    assert len(webhook.fake.sent()) >= 3
    lines = [r.getMessage() for r in caplog.records]
    assert lines, "nothing was logged at all"
    for line in lines:
        for leak in (secret_text, "zebra", PHONE, BSUID, "wamid.PRIV", "7700 900123"):
            assert leak not in line, line


# -- the sender on its own (no model, no database) --------------------------------------------


@pytest.fixture
def sender_settings(fake_api: tuple[FakeWhatsApp, str], tmp_path: Any) -> Settings:
    fake, base = fake_api
    return load_settings({"CAREBOT_DATA_DIR": str(tmp_path), **whatsapp_env(base, fake)})


def _delivery(**fields: Any) -> Delivery:
    values: dict[str, Any] = {
        "id": 1,
        "channel": "whatsapp",
        "address": PHONE,
        "purpose": "pa_reply",
        "body": "Hello from your PA",
    }
    values.update(fields)
    return Delivery(**values)


async def _send(settings: Settings, item: Delivery) -> str | None:
    sender = WhatsAppSender(settings, timeout=httpx.Timeout(2.0, connect=2.0))
    try:
        return await sender.send(item)
    finally:
        await sender.aclose()


async def test_sender_sends_text_and_returns_the_wamid(
    sender_settings: Settings, fake_api: tuple[FakeWhatsApp, str]
) -> None:
    fake, _ = fake_api

    wamid = await _send(sender_settings, _delivery())

    assert wamid == "wamid.X1"
    [call] = fake.sent()
    assert call.body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": PHONE,
        "type": "text",
        "text": {"body": "Hello from your PA", "preview_url": False},
    }


async def test_sender_sends_a_template_outside_the_window(
    sender_settings: Settings, fake_api: tuple[FakeWhatsApp, str]
) -> None:
    fake, _ = fake_api

    await _send(
        sender_settings,
        _delivery(template="check_in_v1", template_params=("Jay\tthe\n  great",), address=BSUID),
    )

    [call] = fake.sent()
    assert call.body["type"] == "template"
    assert call.body["recipient"] == BSUID
    assert call.body["template"] == {
        "name": "check_in_v1",
        "language": {"code": "en_GB"},
        "components": [{"type": "BODY", "parameters": [{"type": "text", "text": "Jay the great"}]}],
    }


async def test_sender_turns_throttling_into_a_paced_retry(
    sender_settings: Settings, fake_api: tuple[FakeWhatsApp, str]
) -> None:
    fake, _ = fake_api
    fake.fail_next(130429)
    fake.throttle_next(retry_after=7)

    with pytest.raises(DeliveryError) as graph:
        await _send(sender_settings, _delivery())
    with pytest.raises(DeliveryError) as http:
        await _send(sender_settings, _delivery())

    assert graph.value.retry_after == 60 and not graph.value.permanent
    assert http.value.retry_after == 7 and not http.value.permanent


async def test_sender_reports_the_closed_window(
    sender_settings: Settings, fake_api: tuple[FakeWhatsApp, str]
) -> None:
    fake, _ = fake_api
    fake.fail_next(131047)

    with pytest.raises(WhatsAppDeliveryError) as caught:
        await _send(sender_settings, _delivery())

    error = caught.value
    assert error.permanent and error.reason == WINDOW_CLOSED
    assert error.window_closed and error.code == 131047
    assert not error.unreachable and error.retry_after is None


async def test_sender_marks_an_undeliverable_person_unreachable(
    sender_settings: Settings, fake_api: tuple[FakeWhatsApp, str]
) -> None:
    fake, _ = fake_api
    fake.fail_next(131026)

    with pytest.raises(DeliveryError) as caught:
        await _send(sender_settings, _delivery())

    assert caught.value.unreachable and caught.value.permanent


async def test_a_read_time_out_is_in_doubt(
    sender_settings: Settings, fake_api: tuple[FakeWhatsApp, str]
) -> None:
    fake, _ = fake_api
    fake.delay_next(4.0)

    with pytest.raises(DeliveryError) as caught:
        await _send(sender_settings, _delivery())

    # It may have arrived: the outbox must not send it again.
    assert caught.value.in_doubt
    assert len(fake.sent()) == 1


async def test_an_unreachable_api_is_retried(sender_settings: Settings) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    closed = replace(sender_settings, whatsapp_api_base_url=f"http://127.0.0.1:{port}/v21.0")

    with pytest.raises(DeliveryError) as caught:
        await _send(closed, _delivery())

    assert not caught.value.permanent and not caught.value.in_doubt


async def test_sender_refuses_an_address_that_is_no_user(sender_settings: Settings) -> None:
    for address in ("", "not a number", "Y2FwaV9ncm91cDo"):
        with pytest.raises(DeliveryError) as caught:
            await _send(sender_settings, _delivery(address=address))
        assert caught.value.permanent


async def test_a_long_message_is_split_under_4096(
    sender_settings: Settings, fake_api: tuple[FakeWhatsApp, str]
) -> None:
    fake, _ = fake_api
    body = ("A sentence about your leaving care grant. " * 30 + "\n\n") * 10
    buttons = (Button("More detail", "more:council_tax"), Button("Other help", "menu:"))

    await _send(sender_settings, _delivery(body=body, buttons=buttons))

    calls = fake.sent()
    assert len(calls) >= 2
    assert all(len(c.text) <= TEXT_LIMIT for c in calls)
    assert [c.body["type"] for c in calls] == ["text"] * (len(calls) - 1) + ["interactive"]
    assert len(calls[-1].text) <= INTERACTIVE_TEXT_LIMIT
    assert calls[-1].button_ids == ["more:council_tax", "menu:"]
    assert " ".join(" ".join(c.text.split()) for c in calls) == " ".join(body.split())


async def test_a_failure_after_the_first_part_is_in_doubt(
    sender_settings: Settings, fake_api: tuple[FakeWhatsApp, str]
) -> None:
    fake, _ = fake_api
    fake.delay_next(0)  # the first part goes through
    fake.fail_next(131000)

    with pytest.raises(DeliveryError) as caught:
        await _send(sender_settings, _delivery(body="word " * 2000))

    assert caught.value.in_doubt  # never sent again: part one would be repeated
    assert len(fake.sent()) == 2


# -- the message plan -------------------------------------------------------------------------


def test_split_text_cuts_at_paragraphs_then_words() -> None:
    text = "\n\n".join(["a" * 3000, "b" * 3000, "c " * 3000])

    pieces = split_text(text)

    assert all(len(p) <= TEXT_LIMIT for p in pieces)
    assert pieces[0] == "a" * 3000 and pieces[1] == "b" * 3000
    assert "".join(pieces).replace(" ", "") == text.replace("\n", "").replace(" ", "")
    assert split_text("x" * 10_000) == ["x" * 4096, "x" * 4096, "x" * 1808]
    assert split_text("  ") == []


def test_plan_uses_reply_buttons_up_to_three_and_a_list_up_to_ten() -> None:
    three = OutgoingMessage(
        "Pick one", tuple(Button(f"Choice {i}", f"topic:t{i}") for i in range(3))
    )
    twelve = OutgoingMessage(
        "Pick one", tuple(Button(f"Choice {i}", f"topic:t{i}") for i in range(12))
    )
    repeated = OutgoingMessage("Pick", (Button("A", "menu:"), Button("B", "menu:")))

    assert len(plan(three)[-1].buttons) == 3
    assert [b.payload for b in plan(twelve)[-1].buttons] == [f"topic:t{i}" for i in range(10)]
    assert [b.title for b in plan(repeated)[-1].buttons] == ["A"]
    assert [p.buttons for p in plan(OutgoingMessage("hi"))] == [()]


def test_parse_message_maps_every_type() -> None:
    def kind_of(body: dict[str, Any]) -> str | None:
        value = body["entry"][0]["changes"][0]["value"]
        incoming = parse_message(value["messages"][0], value["contacts"])
        return None if incoming is None else incoming.inbound.kind

    assert kind_of(text_message("w1", "hi")) == "text"
    assert kind_of(button_reply("w2", "menu:")) == "button"
    assert kind_of(list_reply("w3", "topic:housing")) == "button"
    assert kind_of(template_button("w4", "kit:good")) == "button"
    expected = {
        "image": "photo",
        "sticker": "sticker",
        "audio": "voice",
        "video": "video",
        "document": "file",
        "location": "location",
        "contacts": "other",
        "reaction": "other",
        "unsupported": "other",
    }
    for kind, ours in expected.items():
        assert kind_of(media_message(f"w-{kind}", kind)) == ours, kind
    system = text_message("w5", "x")
    system["entry"][0]["changes"][0]["value"]["messages"][0]["type"] = "system"
    assert kind_of(system) is None


# -- settings ---------------------------------------------------------------------------------


def test_whatsapp_is_off_by_default() -> None:
    settings = load_settings({})
    assert not settings.whatsapp_enabled
    assert settings.whatsapp_api_base_url == "https://graph.facebook.com/v21.0"
    assert settings.whatsapp_template_language == "en_GB"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"WHATSAPP_TOKEN": "t"},
            "WHATSAPP_PHONE_NUMBER_ID is required when WHATSAPP_TOKEN is set",
        ),
        (
            {"WHATSAPP_TOKEN": "t", "WHATSAPP_PHONE_NUMBER_ID": "1", "WHATSAPP_APP_SECRET": "s"},
            "WHATSAPP_VERIFY_TOKEN is required when WHATSAPP_TOKEN is set",
        ),
        (
            {"WHATSAPP_APP_SECRET": "s"},
            "WHATSAPP_TOKEN is required when WHATSAPP_APP_SECRET is set",
        ),
        (
            {
                "WHATSAPP_TOKEN": "t",
                "WHATSAPP_PHONE_NUMBER_ID": "+447700",
                "WHATSAPP_APP_SECRET": "s",
                "WHATSAPP_VERIFY_TOKEN": "v",
            },
            "WHATSAPP_PHONE_NUMBER_ID must be the digits of the Cloud API phone number id, got '+447700'",
        ),
        ({"WHATSAPP_TOKEN": "t t"}, "WHATSAPP_TOKEN must not contain spaces"),
        (
            {"WHATSAPP_NUMBER": "call me"},
            "WHATSAPP_NUMBER must be a phone number in international form, got 'call me'",
        ),
        (
            {"WHATSAPP_API_BASE_URL": "graph.facebook.com"},
            "WHATSAPP_API_BASE_URL must be an http:// or https:// URL, got 'graph.facebook.com'",
        ),
        (
            {"WHATSAPP_TEMPLATE_LANGUAGE": "english"},
            "WHATSAPP_TEMPLATE_LANGUAGE must be a language code such as en_GB, got 'english'",
        ),
    ],
)
def test_bad_whatsapp_settings_stop_start_up_with_one_line(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    assert str(caught.value) == message
    assert "\n" not in str(caught.value)


def test_complete_whatsapp_settings_turn_it_on() -> None:
    settings = load_settings(
        {
            "WHATSAPP_TOKEN": "EAAt",
            "WHATSAPP_PHONE_NUMBER_ID": "106540352242922",
            "WHATSAPP_APP_SECRET": APP_SECRET,
            "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
            "WHATSAPP_NUMBER": "+44 7700 900123",
        }
    )
    assert settings.whatsapp_enabled
    assert settings.whatsapp_number == "+44 7700 900123"


def test_the_module_keeps_pywa_quiet() -> None:
    # pywa logs whole request bodies at DEBUG; importing our channel holds it at WARNING.
    assert logging.getLogger("pywa.api").getEffectiveLevel() >= logging.WARNING
    assert logging.getLogger("pywa_async.client").getEffectiveLevel() >= logging.WARNING
