"""Floods on Telegram and WhatsApp, per sender: the real clients against fake APIs over
loopback, our webhooks on a real uvicorn, the real model and database. A flood is held
back (not stored, not classified) and told once a minute to slow down with the emergency
numbers; a message that reads as risk, "stop" or a safety button always gets through."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bot.channels.flood import FloodGuard
from bot.channels.telegram import SECRET_HEADER, TelegramChannel
from bot.channels.whatsapp import SIGNATURE_HEADER, WhatsAppChannel
from bot.models import Escalation, Message
from bot.runtime import Runtime
from bot.server import create_app
from bot.settings import Settings
from tests.support.fake_telegram import FakeTelegram, button_update, text_update
from tests.support.fake_whatsapp import API_VERSION, FakeWhatsApp, encode, sign, text_message
from tests.support.servers import serve

pytestmark = [
    pytest.mark.slow,
]

TG_SECRET = "s3cret-token"
APP_SECRET = "0123456789abcdef0123456789abcdef"
BURST = 3  # small, so a flood is a few messages; the logic is the same at 20
RISK = "i want to kill myself"


class Clock:
    """The flood guard's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def default_council() -> str:
    return "plymouth"


@pytest.fixture
def flood_clock() -> Clock:
    return Clock()


def stored_in(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return session.execute(
            select(func.count()).select_from(Message).where(Message.direction == "in")
        ).scalar_one()


def urgent_escalations(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return session.execute(
            select(func.count()).select_from(Escalation).where(Escalation.urgency == "urgent")
        ).scalar_one()


# -- Telegram ---------------------------------------------------------------------------------


@dataclass
class Telegram:
    fake: FakeTelegram
    url: str
    runtime: Runtime

    def post(self, update: dict[str, Any]) -> httpx.Response:
        return httpx.post(
            self.url,
            content=json.dumps(update).encode(),
            headers={"Content-Type": "application/json", SECRET_HEADER: TG_SECRET},
            timeout=30,
        )

    def texts_to(self, chat_id: int) -> list[str]:
        return [p["text"] for p in self.fake.sent("sendMessage") if int(p["chat_id"]) == chat_id]


@pytest.fixture
def telegram(runtime: Runtime, settings: Settings, flood_clock: Clock) -> Iterator[Telegram]:
    fake = FakeTelegram()
    with serve(fake.app()) as api_base:
        tg_settings = replace(
            settings,
            telegram_token=fake.token,
            telegram_api_base_url=f"{api_base}/bot",
            telegram_webhook_url="https://bot.example.org",
            telegram_webhook_secret=TG_SECRET,
        )
        channel = TelegramChannel(tg_settings, runtime.engine)
        channel.flood = FloodGuard(runtime.engine, per_minute=30, burst=BURST, clock=flood_clock)
        with serve(create_app(runtime, telegram=channel), lifespan="on") as app_base:
            yield Telegram(fake, f"{app_base}/telegram/webhook", runtime)


def test_telegram_flood_from_one_chat_is_held_and_told_once(
    telegram: Telegram, flood_clock: Clock
) -> None:
    chat, other = 4242, 4343
    for n in range(1, BURST + 1):
        assert telegram.post(text_update(n, chat, "hello")).status_code == 200
    assert len(telegram.texts_to(chat)) == BURST
    before = stored_in(telegram.runtime)

    for n in range(BURST + 1, BURST + 6):
        # Always 200: Telegram would re-send anything else for a day.
        assert telegram.post(text_update(n, chat, "hello")).status_code == 200
    held = telegram.texts_to(chat)[BURST:]
    assert len(held) == 1  # told once, not once per message
    assert "wait a minute" in held[0] and "999" in held[0] and "116 123" in held[0]
    assert stored_in(telegram.runtime) == before  # held back: not stored, not classified

    # Another chat is not affected by this one's flood.
    telegram.post(text_update(100, other, "hello"))
    assert len(telegram.texts_to(other)) == 1
    assert "wait a minute" not in telegram.texts_to(other)[0]

    # A risk message in the middle of a flood is answered in full, and escalated.
    sent = len(telegram.texts_to(chat))
    telegram.post(text_update(200, chat, RISK))
    safety = "\n".join(telegram.texts_to(chat)[sent:])
    assert "116 123" in safety and "wait a minute" not in safety
    assert urgent_escalations(telegram.runtime) == 1

    # A minute on, the chat is answered again.
    flood_clock.now += 60
    telegram.post(text_update(300, chat, "can i get council tax paid"))
    assert "council tax" in telegram.texts_to(chat)[-1].lower()


def test_telegram_safety_button_and_stop_pass_a_flood(
    telegram: Telegram, flood_clock: Clock
) -> None:
    chat = 5151
    for n in range(1, BURST + 3):
        telegram.post(text_update(n, chat, "hello"))
    sent = len(telegram.texts_to(chat))
    telegram.post(button_update(50, chat, "safe:no"))
    assert len(telegram.texts_to(chat)) > sent
    assert "wait a minute" not in telegram.texts_to(chat)[-1]
    # Read as risk by the risk classifier alone (no lexicon phrase): it passes too.
    sent = len(telegram.texts_to(chat))
    telegram.post(text_update(52, chat, "help"))
    assert "116 123" in "\n".join(telegram.texts_to(chat)[sent:])
    sent = len(telegram.texts_to(chat))
    telegram.post(text_update(51, chat, "STOP"))
    assert len(telegram.texts_to(chat)) > sent
    assert "wait a minute" not in telegram.texts_to(chat)[-1]


# -- WhatsApp ---------------------------------------------------------------------------------


@dataclass
class WhatsApp:
    fake: FakeWhatsApp
    url: str
    runtime: Runtime

    def post(self, body: dict[str, Any]) -> httpx.Response:
        content = encode(body)
        return httpx.post(
            self.url,
            content=content,
            headers={
                "Content-Type": "application/json",
                SIGNATURE_HEADER: sign(content, APP_SECRET),
            },
            timeout=30,
        )

    def texts_to(self, phone: str) -> list[str]:
        return [call.text for call in self.fake.sent(phone)]


@pytest.fixture
def whatsapp(runtime: Runtime, settings: Settings, flood_clock: Clock) -> Iterator[WhatsApp]:
    fake = FakeWhatsApp()
    with serve(fake.app()) as api_base:
        wa_settings = replace(
            settings,
            whatsapp_token=fake.token,
            whatsapp_phone_number_id=fake.phone_number_id,
            whatsapp_app_secret=APP_SECRET,
            whatsapp_verify_token="verify-me-please",
            whatsapp_api_base_url=f"{api_base}/{API_VERSION}",
        )
        channel = WhatsAppChannel(wa_settings, runtime.engine)
        channel.flood = FloodGuard(runtime.engine, per_minute=30, burst=BURST, clock=flood_clock)
        with serve(create_app(runtime, whatsapp=channel), lifespan="on") as app_base:
            yield WhatsApp(fake, f"{app_base}/whatsapp/webhook", runtime)


def test_whatsapp_flood_from_one_number_is_held_and_told_once(
    whatsapp: WhatsApp, flood_clock: Clock
) -> None:
    phone, other = "447700900123", "447700900456"
    for n in range(BURST):
        assert whatsapp.post(text_message(f"wamid.a{n}", "hello", phone=phone)).status_code == 200
    assert len(whatsapp.texts_to(phone)) == BURST
    before = stored_in(whatsapp.runtime)

    for n in range(5):
        assert whatsapp.post(text_message(f"wamid.b{n}", "hello", phone=phone)).status_code == 200
    held = whatsapp.texts_to(phone)[BURST:]
    assert len(held) == 1
    assert "wait a minute" in held[0] and "999" in held[0]
    assert stored_in(whatsapp.runtime) == before

    whatsapp.post(text_message("wamid.c0", "hello", phone=other))
    assert len(whatsapp.texts_to(other)) == 1
    assert "wait a minute" not in whatsapp.texts_to(other)[0]

    sent = len(whatsapp.texts_to(phone))
    whatsapp.post(text_message("wamid.d0", RISK, phone=phone))
    safety = "\n".join(whatsapp.texts_to(phone)[sent:])
    assert "116 123" in safety and "wait a minute" not in safety
    assert urgent_escalations(whatsapp.runtime) == 1

    flood_clock.now += 60
    whatsapp.post(text_message("wamid.e0", "can i get council tax paid", phone=phone))
    assert "council tax" in whatsapp.texts_to(phone)[-1].lower()
