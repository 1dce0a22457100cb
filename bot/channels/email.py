"""Email to staff over SMTP (stdlib smtplib, run in a worker thread so the loop never waits)."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from bot.outbox import Delivery, DeliveryError
from bot.settings import Settings

CHANNEL = "email"


class SmtpSender:
    """The outbox's sender for the email channel: staff notifications over SMTP, a new connection
    for each message."""

    def __init__(self, settings: Settings, *, timeout: float = 20.0) -> None:
        if not settings.smtp_host:
            raise ValueError("SmtpSender needs SMTP_HOST")
        self._settings = settings
        self._timeout = timeout

    async def send(self, delivery: Delivery) -> str | None:
        """Send one email; returns its Message-ID. Never retried: a refused recipient, a malformed
        address, an SMTP 5xx other than a failed login. Anything else, time-outs too, is retried."""
        return await asyncio.to_thread(self._send, delivery)

    def _send(self, delivery: Delivery) -> str:
        s = self._settings
        message = EmailMessage()
        try:
            message["From"] = s.smtp_from
            message["To"] = delivery.address
            message["Subject"] = delivery.subject or "Leaving care bot"
            message_id = make_msgid(domain=s.smtp_from.rpartition("@")[2] or "localhost")
            message["Message-ID"] = message_id
            message.set_content(delivery.body)
        except ValueError as exc:  # a malformed address or header: it will never send
            raise DeliveryError("malformed email", permanent=True) from exc
        try:
            smtp: smtplib.SMTP
            if s.smtp_security == "ssl":
                smtp = smtplib.SMTP_SSL(
                    s.smtp_host,
                    s.smtp_port,
                    timeout=self._timeout,
                    context=ssl.create_default_context(),
                )
            else:
                smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=self._timeout)
            with smtp:
                if s.smtp_security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if s.smtp_username:
                    smtp.login(s.smtp_username, s.smtp_password or "")
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError("recipient refused", permanent=True) from exc
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code >= 500 and not isinstance(exc, smtplib.SMTPAuthenticationError):
                raise DeliveryError(f"SMTP refused ({exc.smtp_code})", permanent=True) from exc
            raise DeliveryError(f"SMTP {exc.smtp_code}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            # The reason names the failure type only: SMTP replies can quote addresses.
            raise DeliveryError(f"SMTP {type(exc).__name__}") from exc
        return message_id
