"""Telegram end to end: python-telegram-bot's real client against a fake Bot API over loopback
HTTP, our webhook served by a real uvicorn, the real NLU model and a real (SQLite) database."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.advisers import escalations, linking
from bot.advisers.staff import create_staff
from bot.channels.telegram import SECRET_HEADER, TelegramChannel
from bot.channels.telegram_send import TelegramSender
from bot.models import (
    AuditEvent,
    ChannelIdentity,
    Escalation,
    Message,
    OutboxItem,
    PersonalAdviser,
    StaffAccount,
    YoungPerson,
)
from bot.outbox import Dispatcher
from bot.runtime import Runtime
from bot.server import create_app
from bot.settings import Settings
from tests.support.database import table_gone
from tests.support.fake_telegram import (
    FakeTelegram,
    button_update,
    group_text_update,
    sticker_update,
    text_update,
)
from tests.support.servers import serve

pytestmark = [
    pytest.mark.slow,
]

SECRET = "s3cret-token"
PUBLIC_URL = "https://bot.example.org"
# Every HTTP call a test makes is bounded; nothing waits forever.
HTTP_TIMEOUT = 15.0


@dataclass
class Webhook:
    fake: FakeTelegram
    url: str  # {app_base}/telegram/webhook
    runtime: Runtime

    def post(
        self, body: Any = None, *, secret: str | None = SECRET, raw: bytes | None = None
    ) -> httpx.Response:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        content = raw if raw is not None else json.dumps(body).encode()
        return httpx.post(self.url, content=content, headers=headers, timeout=HTTP_TIMEOUT)


def count_messages(runtime: Runtime, **where: Any) -> int:
    query = select(func.count()).select_from(Message)
    for column, value in where.items():
        query = query.where(getattr(Message, column) == value)
    with runtime.sessions() as session:
        return session.execute(query).scalar_one()


def callback_data(params: dict[str, Any]) -> list[str]:
    markup = params.get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    return [b.get("callback_data") for row in markup.get("inline_keyboard", []) for b in row]


def to_chat(fake: FakeTelegram, chat_id: int) -> list[dict[str, Any]]:
    return [p for p in fake.sent("sendMessage") if int(p["chat_id"]) == chat_id]


@pytest.fixture
def default_council() -> str:
    """These tests run as Plymouth's own bot, so anonymous questions are answered at once."""
    return "plymouth"


@pytest.fixture
def fake_api() -> Iterator[tuple[FakeTelegram, str]]:
    """The fake Bot API on its own uvicorn; yields it and its base URL."""
    fake = FakeTelegram()
    with serve(fake.app()) as base:
        yield fake, base


@pytest.fixture
def webhook_settings(settings: Settings, fake_api: tuple[FakeTelegram, str]) -> Settings:
    fake, base = fake_api
    return replace(
        settings,
        telegram_token=fake.token,
        telegram_api_base_url=f"{base}/bot",
        telegram_webhook_url=PUBLIC_URL,
        telegram_webhook_secret=SECRET,
    )


@pytest.fixture
def webhook(
    runtime: Runtime, webhook_settings: Settings, fake_api: tuple[FakeTelegram, str]
) -> Iterator[Webhook]:
    """Our web app with Telegram in webhook mode, lifespan on so start() sets the webhook."""
    fake, _ = fake_api
    channel = TelegramChannel(webhook_settings, runtime.engine)
    assert channel.webhook_mode
    app = create_app(runtime, telegram=channel)
    with serve(app, lifespan="on") as app_base:
        yield Webhook(fake=fake, url=f"{app_base}/telegram/webhook", runtime=runtime)


# -- 1. webhook mode: setWebhook at start-up, a question answered with buttons ----------------


def test_webhook_mode_sets_the_webhook_and_answers_a_question(webhook: Webhook) -> None:
    fake = webhook.fake
    set_calls = fake.sent("setWebhook")
    assert len(set_calls) == 1, fake.calls
    assert set_calls[0]["url"] == f"{PUBLIC_URL}/telegram/webhook"
    assert set_calls[0]["secret_token"] == SECRET
    assert sorted(set_calls[0]["allowed_updates"]) == ["callback_query", "message"]

    response = webhook.post(text_update(1, 4242, "can I get council tax paid"))

    assert response.status_code == 200, response.text
    sent = fake.sent("sendMessage")
    assert len(sent) == 1, sent
    assert int(sent[0]["chat_id"]) == 4242
    assert "council tax" in str(sent[0]["text"]).lower()
    assert "more:council_tax" in callback_data(sent[0])
    # The question and the answer are both kept.
    assert count_messages(webhook.runtime, channel="telegram", direction="in") == 1
    assert count_messages(webhook.runtime, channel="telegram", direction="out") == 1


def test_when_the_database_fails_a_risk_still_gets_the_numbers(
    webhook: Webhook, db_engine: Engine
) -> None:
    with table_gone(db_engine, "channel_identities"):
        response = webhook.post(text_update(2, 4343, "i want to kill myself"))
    assert response.status_code == 200, response.text
    sent = " ".join(str(p["text"]) for p in to_chat(webhook.fake, 4343))
    assert "116 123" in sent and "999" in sent
    assert "Sorry, something went wrong on my side" in sent


# -- 2. a chat linked to a young person gets their own PA -------------------------------------


def test_linked_young_person_gets_their_pa(webhook: Webhook) -> None:
    webhook.runtime.engine.identify("telegram", "555", young_person_ref="demo-19")

    response = webhook.post(text_update(10, 555, "who's my PA"))

    assert response.status_code == 200, response.text
    sent = to_chat(webhook.fake, 555)
    assert len(sent) == 1, webhook.fake.sent()
    assert "Sam Ortiz" in sent[0]["text"]
    assert "01632 960123" in sent[0]["text"]
    stored = count_messages(webhook.runtime, external_id="555:10")
    assert stored == 1


# -- 3. the secret header is required ---------------------------------------------------------


@pytest.mark.parametrize(
    "secret",
    [None, "", "wrong-token", "S3CRET-TOKEN", f"{SECRET}x", SECRET[:-1]],
    ids=["missing", "empty", "wrong", "wrong-case", "longer", "prefix"],
)
def test_wrong_or_missing_secret_is_forbidden(webhook: Webhook, secret: str | None) -> None:
    before = count_messages(webhook.runtime)

    response = webhook.post(text_update(20, 777, "who's my PA"), secret=secret)

    assert response.status_code == 403, response.text
    assert webhook.fake.sent("sendMessage") == []
    assert count_messages(webhook.runtime) == before
    assert count_messages(webhook.runtime, channel="telegram") == 0


# -- 4. Telegram retries: the same update is answered once ------------------------------------


def test_the_same_update_twice_is_answered_once(webhook: Webhook) -> None:
    update = text_update(30, 888, "can I get council tax paid")

    first = webhook.post(update)
    again = webhook.post(update)

    # Both acknowledged, or Telegram would keep retrying for a day.
    assert first.status_code == 200, first.text
    assert again.status_code == 200, again.text
    assert len(webhook.fake.sent("sendMessage")) == 1, webhook.fake.sent()
    assert count_messages(webhook.runtime, external_id="888:30") == 1


# -- 5. a button press ------------------------------------------------------------------------


def test_button_press_is_acknowledged_and_answered_with_the_detail(webhook: Webhook) -> None:
    update = button_update(40, 999, "more:council_tax")

    response = webhook.post(update)

    assert response.status_code == 200, response.text
    answered = webhook.fake.sent("answerCallbackQuery")
    assert [a["callback_query_id"] for a in answered] == ["cbq40"]
    sent = to_chat(webhook.fake, 999)
    assert len(sent) == 1, webhook.fake.sent()
    assert "don't ignore it" in sent[0]["text"]  # only the detail text says this
    # The spinner stops before the (slower) answer goes out.
    methods = [c.method for c in webhook.fake.calls]
    assert methods.index("answerCallbackQuery") < methods.index("sendMessage")
    assert count_messages(webhook.runtime, external_id="cb:cbq40", kind="button") == 1


# -- 6. a sticker -----------------------------------------------------------------------------


def test_sticker_gets_a_polite_text_only_reply(webhook: Webhook) -> None:
    response = webhook.post(sticker_update(50, 1212))

    assert response.status_code == 200, response.text
    sent = to_chat(webhook.fake, 1212)
    assert len(sent) == 1, webhook.fake.sent()
    assert "only read text" in sent[0]["text"]
    assert count_messages(webhook.runtime, external_id="1212:50", kind="sticker") == 1


# -- 7. groups are ignored --------------------------------------------------------------------


def test_group_chat_message_gets_no_reply(webhook: Webhook) -> None:
    response = webhook.post(group_text_update(60, -100123, 3434, "who's my PA"))

    assert response.status_code == 200, response.text
    # The update was handled before the response: nothing was or will be sent.
    assert webhook.fake.sent("sendMessage") == []
    assert count_messages(webhook.runtime, channel="telegram") == 0


# -- 8. bodies that are not updates -----------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"",
        b"\xff\xfe\x00",
        b"[]",
        b'[{"update_id": 1}]',
        b'{"foo": 1}',
        b"{}",
        b"null",
        b'"an update"',
        b"42",
        b'{"update_id": "x", "message": "hello"}',
        b"[" * 100_000,
        b'{"update_id": 1, "message": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_001,
    ],
    ids=[
        "malformed",
        "empty",
        "binary",
        "empty-list",
        "list",
        "foo-object",
        "empty-object",
        "null",
        "string",
        "number",
        "message-not-object",
        "deep-list",
        "deep-update",
    ],
)
def test_body_that_is_not_an_update_is_a_client_error(webhook: Webhook, raw: bytes) -> None:
    response = webhook.post(raw=raw)

    assert 400 <= response.status_code < 500, (
        f"{raw!r} got {response.status_code}: a 5xx makes Telegram retry it for 24 h"
    )
    assert webhook.fake.sent("sendMessage") == []
    assert count_messages(webhook.runtime, channel="telegram") == 0


# -- 9. polling mode --------------------------------------------------------------------------


async def test_polling_mode_answers_a_queued_update(
    runtime: Runtime, settings: Settings, fake_api: tuple[FakeTelegram, str]
) -> None:
    fake, base = fake_api
    polling = replace(
        settings,
        telegram_token=fake.token,
        telegram_api_base_url=f"{base}/bot",
        default_council="plymouth",
    )
    channel = TelegramChannel(polling, runtime.engine)
    assert not channel.webhook_mode
    fake.updates.append(text_update(70, 5656, "can I get council tax paid"))

    # Started as `carebot run` starts it: the process that leads polls.
    app = create_app(runtime, telegram=channel)
    async with app.router.lifespan_context(app):
        deadline = time.monotonic() + 10
        while not fake.sent("sendMessage") and time.monotonic() < deadline:
            await asyncio.sleep(0.05)

    sent = fake.sent("sendMessage")
    assert len(sent) == 1, fake.calls
    assert int(sent[0]["chat_id"]) == 5656
    assert "council tax" in str(sent[0]["text"]).lower()
    assert "more:council_tax" in callback_data(sent[0])
    polls = fake.sent("getUpdates")
    assert polls and sorted(polls[0]["allowed_updates"]) == ["callback_query", "message"]
    assert fake.sent("setWebhook") == []
    assert count_messages(runtime, external_id="5656:70") == 1


async def test_of_two_processes_on_one_database_only_the_leader_polls(
    runtime: Runtime, settings: Settings, fake_api: tuple[FakeTelegram, str]
) -> None:
    """Telegram refuses a second long poll for the same bot ("Conflict"), so with several
    processes only the one that leads may poll."""
    fake, base = fake_api
    polling = replace(settings, telegram_token=fake.token, telegram_api_base_url=f"{base}/bot")
    channels = [TelegramChannel(polling, runtime.engine) for _ in range(2)]
    apps = [create_app(runtime, telegram=channel) for channel in channels]
    async with (
        apps[0].router.lifespan_context(apps[0]),
        apps[1].router.lifespan_context(apps[1]),
    ):
        deadline = time.monotonic() + 10
        while not fake.sent("getUpdates") and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
        polling_now = [c.application.updater.running for c in channels]  # type: ignore[union-attr]
        assert sorted(polling_now) == [False, True]


# -- a PA's reply from the dashboard reaches the young person on Telegram ---------------------


def test_pa_reply_is_delivered_to_the_young_person_on_telegram(
    webhook: Webhook, staff: dict[str, int]
) -> None:

    runtime = webhook.runtime
    runtime.engine.identify("telegram", "556", young_person_ref="demo-19")
    assert webhook.post(text_update(30, 556, "i want to talk to my pa")).status_code == 200
    assert "Sam Ortiz" in to_chat(webhook.fake, 556)[-1]["text"]
    now = runtime.engine.clock.now()
    with runtime.sessions.begin() as session:
        sam = session.get(StaffAccount, staff["sam.ortiz@example.org"])
        assert sam is not None
        esc = session.execute(select(Escalation)).scalar_one()
        escalations.reply(session, esc, sam, "Hi Jay, it's Sam <b>here</b>.", now)
    runtime.engine.on_outbox()  # what the dashboard does after queueing

    deadline = time.monotonic() + HTTP_TIMEOUT
    while time.monotonic() < deadline and len(to_chat(webhook.fake, 556)) < 2:
        time.sleep(0.05)
    delivered = to_chat(webhook.fake, 556)[-1]
    # HTML with escaping: what the PA typed shows as typed, never as formatting.
    assert delivered["text"] == "Hi Jay, it's Sam &lt;b&gt;here&lt;/b&gt;."
    assert delivered["parse_mode"] == "HTML"
    # The fake has it; the dispatcher records it as sent a moment later.
    deadline = time.monotonic() + HTTP_TIMEOUT
    while True:
        with runtime.sessions() as session:
            item = session.execute(
                select(OutboxItem).where(OutboxItem.purpose == "pa_reply")
            ).scalar_one()
        if item.status == "sent" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert item.status == "sent" and item.external_id.startswith("556:")
    # It is part of the conversation history, written by the PA.
    assert count_messages(runtime, channel="telegram", direction="out", source="pa") == 1


def test_a_blocked_user_is_marked_unreachable_and_their_pa_told(webhook: Webhook) -> None:

    runtime = webhook.runtime
    runtime.engine.identify("telegram", "557", young_person_ref="demo-19")
    webhook.fake.fail_chats[557] = (403, "Forbidden: bot was blocked by the user")
    assert webhook.post(text_update(40, 557, "who's my pa")).status_code == 200
    with runtime.sessions() as session:
        identity = session.execute(
            select(ChannelIdentity).where(ChannelIdentity.external_id == "557")
        ).scalar_one()
        assert identity.unreachable_at is not None
        actions = session.execute(
            select(AuditEvent.action).where(AuditEvent.subject_id == str(identity.id))
        ).scalars()
        assert "chat_unreachable" in set(actions)
    # Writing again shows the chat works again.
    del webhook.fake.fail_chats[557]
    assert webhook.post(text_update(41, 557, "hi")).status_code == 200
    with runtime.sessions() as session:
        identity = session.execute(
            select(ChannelIdentity).where(ChannelIdentity.external_id == "557")
        ).scalar_one()
        assert identity.unreachable_at is None


def test_a_repeated_update_id_is_processed_once(webhook: Webhook) -> None:
    update = text_update(50, 558, "can I get council tax paid")
    assert webhook.post(update).status_code == 200
    again = dict(update, message=dict(update["message"], message_id=999))  # same update_id
    assert webhook.post(again).json().get("duplicate") is True
    assert len(to_chat(webhook.fake, 558)) == 1


async def test_flood_control_429_is_retried_after_the_wait_telegram_asks_for(
    runtime: Runtime, fake_api: tuple[FakeTelegram, str]
) -> None:

    fake, base = fake_api
    clock = runtime.engine.clock
    with runtime.sessions.begin() as session:
        item = OutboxItem(
            channel="telegram",
            address="600",
            purpose="checkin",
            body="How are things?",
            buttons=[],
            status="pending",
            not_before=clock.now(),
            attempts=0,
            created_at=clock.now(),
        )
        session.add(item)
        session.flush()
        item_id = item.id
    fake.fail_chats[600] = (429, "Too Many Requests: retry after 3")
    bot = Bot(fake.token, base_url=f"{base}/bot", request=HTTPXRequest())
    await bot.initialize()
    dispatcher = Dispatcher(runtime.sessions, clock, {"telegram": TelegramSender(bot)})
    assert await dispatcher.run_once() == 0
    with runtime.sessions() as session:
        waiting = session.get(OutboxItem, item_id)
        assert waiting.status == "pending" and waiting.attempts == 0
        assert (waiting.not_before - clock.now()).total_seconds() == 3
    del fake.fail_chats[600]
    assert await dispatcher.run_once() == 0  # not before the wait is over
    clock.advance(timedelta(seconds=3))
    assert await dispatcher.run_once() == 1
    # Two attempts reached the fake: the one refused with 429, then the one delivered.
    assert [p["text"] for p in to_chat(fake, 600)] == ["How are things?"] * 2
    with runtime.sessions() as session:
        assert session.get(OutboxItem, item_id).status == "sent"
    await bot.shutdown()


def test_deep_link_start_code_links_the_chat_once(webhook: Webhook) -> None:

    runtime = webhook.runtime
    now = runtime.engine.clock.now()
    with runtime.sessions.begin() as session:
        pa = session.execute(
            select(PersonalAdviser).where(PersonalAdviser.name == "Sam Ortiz")
        ).scalar_one()
        sam = create_staff(
            session,
            email="sam.ortiz@example.org",
            name="Sam Ortiz",
            role="pa",
            password="a-long-enough-password",
            pa_id=pa.id,
            now=now,
        )
        yp = session.execute(select(YoungPerson).where(YoungPerson.ref == "demo-19")).scalar_one()
        code = linking.create_code(
            session,
            purpose="young_person",
            young_person_id=yp.id,
            staff_id=None,
            created_by_id=sam.id,
            now=now,
        )
    link = linking.telegram_deep_link("carebot_test_bot", code)
    assert link == f"https://t.me/carebot_test_bot?start={code}"
    # Opening the link makes Telegram send "/start CODE" from the young person's chat.
    assert webhook.post(text_update(60, 559, f"/start {code}")).status_code == 200
    assert "You're linked. Hi Jay." in to_chat(webhook.fake, 559)[-1]["text"]
    with runtime.sessions() as session:
        identity = session.execute(
            select(ChannelIdentity).where(ChannelIdentity.external_id == "559")
        ).scalar_one()
        assert identity.young_person_id == yp.id
    # Single use: the same link from another chat links nothing.
    assert webhook.post(text_update(61, 560, f"/start {code}")).status_code == 200
    assert "didn't work" in to_chat(webhook.fake, 560)[-1]["text"]
