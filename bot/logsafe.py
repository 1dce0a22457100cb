"""Logging set-up that keeps message text, names and phone numbers out of every log line."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import sys
import traceback
from pathlib import Path
from typing import Any

# Libraries that log request URLs (with the bot token) or whole updates (with user text).
_QUIET = (
    "alembic",
    "httpx",
    "httpcore",
    "telegram",
    "apscheduler",
    "uvicorn.access",
    "rasa",
    "tensorflow",
    "absl",
    "asyncio",
    "multipart",
    "aiosmtpd",
    "sanic",
    "urllib3",
    "matplotlib",
    "pywa",
    "pywa_async",
)
# A last line of defence: anything shaped like a phone number or an email address.
_PHONE = re.compile(r"(?<!\w)(?:\+?\d[\d ()-]{7,}\d)(?!\w)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def redact(text: str) -> str:
    # Emails first: an address can hold a phone-shaped run of digits.
    return _PHONE.sub("[number]", _EMAIL.sub("[email]", text))


class RedactingFormatter(logging.Formatter):
    """Redacts the message and any traceback (exception text can hold data), not the timestamp."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = redact(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: Any) -> str:
        return redact(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return redact(super().formatStack(stack_info))


# Until use_pseudonym_key, a key of this process's own: pseudonyms still hide the id.
_pseudonym_key = secrets.token_bytes(32)


def use_pseudonym_key(key: bytes) -> None:
    """Pseudonyms from `key` from now on: the database's, so every process and every restart
    give one chat the same pseudonym (bot/runtime.py)."""
    global _pseudonym_key
    _pseudonym_key = key


def pseudonym(value: str) -> str:
    """A short stable stand-in for an external id, so logs can correlate without exposing it.
    Keyed (HMAC): a plain hash of a WhatsApp id, which is a phone number, is undone by
    hashing every UK mobile number."""
    digest = hmac.new(_pseudonym_key, value.encode("utf-8", "replace"), hashlib.sha256)
    return digest.hexdigest()[:10]


_ROOT = Path(__file__).resolve().parent.parent
_OURS = ("bot", "dialogues", "nlu")


def where(exc: BaseException) -> str:
    """The innermost line of our own code an exception came through, as path:line: where it
    failed, for a log line that must not carry the exception's text (a database's error can
    quote the values it refused)."""
    found = "?"
    for frame in traceback.extract_tb(exc.__traceback__):
        path = Path(frame.filename).resolve()
        if path.is_relative_to(_ROOT) and path.relative_to(_ROOT).parts[0] in _OURS:
            found = f"{path.relative_to(_ROOT)}:{frame.lineno}"
    return found


class RedactingFilter(logging.Filter):
    """Masks phone- and email-shaped strings in the final message, whoever logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            message = str(record.msg)
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Rasa's dependencies warn about each other at import time (and reset filters while
    # doing so); send warnings through logging and show them only when debugging.
    logging.captureWarnings(True)
    logging.getLogger("py.warnings").setLevel(
        logging.WARNING if level == "DEBUG" else logging.ERROR
    )
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
