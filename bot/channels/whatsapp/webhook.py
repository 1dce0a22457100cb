"""Meta's webhook deliveries: the signature check and parsing into InboundMessage and statuses."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bot.messages import InboundMessage

# One logger for the whole adapter, named as it was before it became a package.
log = logging.getLogger(__package__)

CHANNEL = "whatsapp"
SIGNATURE_HEADER = "X-Hub-Signature-256"

# Message types and the engine's kinds; anything else is "other" (answered politely).
_KINDS = {
    "text": "text",
    "image": "photo",
    "sticker": "sticker",
    "audio": "voice",
    "voice": "voice",
    "video": "video",
    "document": "file",
    "location": "location",
    "contacts": "other",
    "reaction": "other",
    "unsupported": "other",
}
# Not something the person said to us: a number change, an edit or deletion of an earlier
# message, opening the chat for the first time.
_SKIPPED_TYPES = frozenset({"system", "edit", "revoke", "request_welcome"})
# wamids are base64-ish; sender ids are phone digits or business-scoped ids (US.1234...).
_MESSAGE_ID = re.compile(r"[\x21-\x7e]{1,255}")
_SENDER_ID = re.compile(r"\+?[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_TYPE = re.compile(r"[a-z_]{1,32}")


def signed(app_secret: bytes, body: bytes, header: str | None) -> bool:
    """Whether the X-Hub-Signature-256 header is the HMAC of the raw body with our app secret."""
    expected = "sha256=" + hmac.new(app_secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest((header or "").strip().lower().encode(), expected.encode())


@dataclass(frozen=True)
class Incoming:
    """A message for the engine, and where its replies go."""

    inbound: InboundMessage
    address: str  # where the replies go: their phone number when known, else their BSUID


@dataclass(frozen=True)
class Status:
    """A delivery status for one of our messages (failed ones carry the Graph error code)."""

    wamid: str
    status: str
    error_code: int | None


@dataclass(frozen=True)
class Change:
    """One change on the messages field for our number: its (well-formed) lists of dicts."""

    contacts: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    statuses: list[dict[str, Any]]


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any, pattern: re.Pattern[str] | None = None) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    if pattern is not None and not pattern.fullmatch(value):
        return None
    return value


def message_type(message: dict[str, Any]) -> str | None:
    """The message's type when it looks like one (safe to log), else None."""
    return _str(message.get("type"), _TYPE)


def _sender(message: dict[str, Any], contacts: list[dict[str, Any]]) -> tuple[str, str] | None:
    """(sender id, reply address): the business-scoped user id when there is one, else the
    phone number; replies go to the phone number when known, as Meta recommends."""
    phone = _str(message.get("from"), _SENDER_ID)
    bsuid = _str(message.get("from_user_id"), _SENDER_ID) or _str(
        message.get("user_id"), _SENDER_ID
    )
    if bsuid is None:
        matching = [c for c in contacts if phone is not None and c.get("wa_id") == phone]
        if not matching and len(contacts) == 1:
            matching = contacts
        for contact in matching:
            bsuid = _str(contact.get("user_id"), _SENDER_ID)
            if bsuid:
                break
    sender_id = bsuid or phone
    if sender_id is None:
        return None
    return sender_id, phone or sender_id


def _caption(message: dict[str, Any], kind: str) -> str | None:
    # A caption is still read for safety phrases (the engine never classifies it).
    return _str(_dict(message.get(kind)).get("caption"))


def parse_message(message: dict[str, Any], contacts: list[dict[str, Any]]) -> Incoming | None:
    """One entry of value.messages as an InboundMessage, or None when it is not for the engine
    (malformed, a group, an edit, a system notice)."""
    wamid = _str(message.get("id"), _MESSAGE_ID)
    kind = _str(message.get("type"))
    if wamid is None or kind is None or kind in _SKIPPED_TYPES or "group_id" in message:
        return None
    who = _sender(message, contacts)
    if who is None:
        return None
    sender_id, address = who
    reply_to = _str(_dict(message.get("context")).get("id"), _MESSAGE_ID)
    text: str | None = None
    payload: str | None = None
    if kind == "text":
        text = _str(_dict(message.get("text")).get("body"))
        if text is None:
            return None
        our_kind = "text"
    elif kind == "interactive":
        interactive = _dict(message.get("interactive"))
        reply_type = interactive.get("type")
        if reply_type in ("button_reply", "list_reply"):
            payload = _str(_dict(interactive.get(reply_type)).get("id"))
            if payload is None:
                return None
            our_kind = "button"
        else:
            our_kind = "other"
    elif kind == "button":
        payload = _str(_dict(message.get("button")).get("payload"))
        our_kind = "button" if payload is not None else "other"
    else:
        our_kind = _KINDS.get(kind, "other")
        if kind in ("image", "video", "document"):
            text = _caption(message, kind)
    return Incoming(
        InboundMessage(
            channel=CHANNEL,
            sender_id=sender_id,
            message_id=wamid,
            kind=our_kind,
            text=text,
            payload=payload,
            reply_to=reply_to,
        ),
        address,
    )


def parse_status(status: dict[str, Any]) -> Status | None:
    """One entry of value.statuses, or None when it is malformed."""
    wamid = _str(status.get("id"), _MESSAGE_ID)
    state = _str(status.get("status"))
    if wamid is None or state is None or len(state) > 32:
        return None
    code = None
    for error in _dicts(status.get("errors")):
        raw = error.get("code")
        if isinstance(raw, int) and not isinstance(raw, bool):
            code = raw
            break
    return Status(wamid, state, code)


def _values(data: Any, phone_number_id: str) -> Iterator[dict[str, Any]]:
    """The `value` of every change on the messages field addressed to our number."""
    if not isinstance(data, dict) or data.get("object") != "whatsapp_business_account":
        log.warning("whatsapp webhook: not a WhatsApp Business Account delivery")
        return
    for entry in _dicts(data.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = _dict(change.get("value"))
            if change.get("field", "messages") != "messages" or not value:
                continue
            number = _dict(value.get("metadata")).get("phone_number_id")
            if number != phone_number_id:
                # Another number of the same Meta app (or no number at all): not ours to answer.
                log.warning("whatsapp webhook: change for another phone number skipped")
                continue
            yield value


def changes(body: bytes, phone_number_id: str) -> Iterator[Change]:
    """The changes for our number in a (signed) delivery body; none when it is not JSON.
    Lazy, so each change is handled before the next is read, as Meta sent them."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        log.warning("whatsapp webhook: body is not JSON, ignored")
        return
    for value in _values(data, phone_number_id):
        yield Change(
            contacts=_dicts(value.get("contacts")),
            errors=_dicts(value.get("errors")),
            messages=_dicts(value.get("messages")),
            statuses=_dicts(value.get("statuses")),
        )
