"""Email to staff against a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.engine import Engine

from bot.channels.email import CHANNEL, SmtpSender
from bot.clock import FixedClock
from bot.db import session_factory
from bot.models import OutboxItem
from bot.outbox import Delivery, DeliveryError, Dispatcher
from bot.settings import Settings, load_settings
from tests.conftest import MONDAY_10AM

FROM = "carebot@council.example.org"
REFUSED_DOMAIN = "@refused.example.org"


class Recorder:
    """An SMTP handler that keeps what it is sent and refuses one domain's recipients."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address.endswith(REFUSED_DOMAIN):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        return [
            message_from_bytes(e.original_content or e.content, policy=policy.default)  # type: ignore[misc]
            for e in self.envelopes
        ]


def _text(message: EmailMessage) -> str:
    """The body as written (SMTP carries CRLF line ends)."""
    return message.get_content().replace("\r\n", "\n")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Smtp:
    recorder: Recorder
    port: int


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    recorder = Recorder()
    port = _free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield Smtp(recorder, port)
    finally:
        controller.stop()


def _settings(tmp_path: Path, port: int, **extra: str) -> Settings:
    return load_settings(
        {
            "CAREBOT_DATA_DIR": str(tmp_path),
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(port),
            "SMTP_SECURITY": "none",
            "SMTP_FROM": FROM,
            **extra,
        }
    )


def _delivery(**fields: Any) -> Delivery:
    values: dict[str, Any] = {
        "id": 1,
        "channel": CHANNEL,
        "address": "sam.ortiz@example.org",
        "purpose": "escalation_new",
        "subject": "New escalation",
        "body": "There is a new escalation (#7) for you.\nOpen it: https://bot.example.org/x/7",
    }
    values.update(fields)
    return Delivery(**values)


async def test_the_email_arrives(smtp: Smtp, tmp_path: Path) -> None:
    sender = SmtpSender(_settings(tmp_path, smtp.port), timeout=5)
    message_id = await sender.send(_delivery())
    [envelope] = smtp.recorder.envelopes
    assert envelope.mail_from == FROM
    assert envelope.rcpt_tos == ["sam.ortiz@example.org"]
    [message] = smtp.recorder.messages()
    assert message["From"] == FROM
    assert message["To"] == "sam.ortiz@example.org"
    assert message["Subject"] == "New escalation"
    assert message["Message-ID"] == message_id
    assert message_id is not None
    assert message_id.startswith("<")
    assert message_id.endswith("@council.example.org>")
    assert message.get_content_type() == "text/plain"
    assert _text(message) == (
        "There is a new escalation (#7) for you.\nOpen it: https://bot.example.org/x/7\n"
    )


async def test_each_email_gets_its_own_message_id(smtp: Smtp, tmp_path: Path) -> None:
    sender = SmtpSender(_settings(tmp_path, smtp.port), timeout=5)
    first = await sender.send(_delivery(id=1))
    second = await sender.send(_delivery(id=2, address="priya.shah@example.org"))
    assert first != second
    assert [m["Message-ID"] for m in smtp.recorder.messages()] == [first, second]
    assert [e.rcpt_tos for e in smtp.recorder.envelopes] == [
        ["sam.ortiz@example.org"],
        ["priya.shah@example.org"],
    ]


async def test_default_subject_and_non_ascii_body(smtp: Smtp, tmp_path: Path) -> None:
    sender = SmtpSender(_settings(tmp_path, smtp.port), timeout=5)
    await sender.send(_delivery(subject=None, body="Grant of £500 — تم"))
    [message] = smtp.recorder.messages()
    assert message["Subject"] == "Leaving care bot"
    assert _text(message) == "Grant of £500 — تم\n"


async def test_a_refused_recipient_is_permanent(smtp: Smtp, tmp_path: Path) -> None:
    sender = SmtpSender(_settings(tmp_path, smtp.port), timeout=5)
    with pytest.raises(DeliveryError) as caught:
        await sender.send(_delivery(address="nobody" + REFUSED_DOMAIN))
    assert caught.value.permanent is True
    assert caught.value.reason == "recipient refused"
    # The reason never quotes the address.
    assert "nobody" not in caught.value.reason
    assert smtp.recorder.envelopes == []


async def test_a_closed_port_is_worth_retrying(tmp_path: Path) -> None:
    sender = SmtpSender(_settings(tmp_path, _free_port()), timeout=5)
    with pytest.raises(DeliveryError) as caught:
        await sender.send(_delivery())
    assert caught.value.permanent is False
    assert caught.value.unreachable is False
    assert caught.value.reason == "SMTP ConnectionRefusedError"


def test_smtp_host_is_required(tmp_path: Path) -> None:
    settings = load_settings({"CAREBOT_DATA_DIR": str(tmp_path)})
    with pytest.raises(ValueError, match="SMTP_HOST"):
        SmtpSender(settings)


async def test_through_the_outbox(smtp: Smtp, tmp_path: Path, db_engine: Engine) -> None:
    sessions = session_factory(db_engine)
    with sessions.begin() as session:
        ok = OutboxItem(
            channel="email",
            address="manager@plymouth.example.org",
            purpose="escalation_overdue",
            subject="Overdue: escalation not acknowledged",
            body="Escalation #3 (urgent) was not acknowledged by its deadline.",
            buttons=[],
            status="pending",
            not_before=MONDAY_10AM,
            attempts=0,
            created_at=MONDAY_10AM,
        )
        refused = OutboxItem(
            channel="email",
            address="gone" + REFUSED_DOMAIN,
            purpose="escalation_overdue",
            subject="Overdue",
            body="x",
            buttons=[],
            status="pending",
            not_before=MONDAY_10AM,
            attempts=0,
            created_at=MONDAY_10AM,
        )
        session.add_all([ok, refused])
    sender = SmtpSender(_settings(tmp_path, smtp.port), timeout=5)
    dispatcher = Dispatcher(sessions, FixedClock(MONDAY_10AM), {"email": sender})
    assert await dispatcher.run_once() == 1
    [message] = smtp.recorder.messages()
    assert message["To"] == "manager@plymouth.example.org"
    assert message["Subject"] == "Overdue: escalation not acknowledged"
    with sessions() as session:
        stored_ok = session.get(OutboxItem, ok.id)
        stored_refused = session.get(OutboxItem, refused.id)
        assert stored_ok.status == "sent"
        assert stored_ok.external_id == message["Message-ID"]
        assert (stored_refused.status, stored_refused.error) == ("failed", "recipient refused")
