"""A local fake of the WhatsApp Cloud API (Graph API): enough of it for pywa's real client.

It records every POST /{version}/{phone_number_id}/messages, answers like the Graph API does,
and can be told to answer the next calls with a Graph error, an HTTP 429 or a slow answer.
The helpers below build signed webhook deliveries the way Meta sends them.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

API_VERSION = "v21.0"
PHONE_NUMBER_ID = "106540352242922"
BUSINESS_NUMBER = "15550783881"
WABA_ID = "102290129340398"

# Graph error texts as Meta words them (they carry no message content).
GRAPH_ERRORS: dict[int, tuple[str, str]] = {
    131047: (
        "Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer "
        "last replied to this number.",
    ),
    130429: ("Rate limit hit", "Cloud API message throughput has been reached."),
    131056: (
        "(Business Account, Consumer Account) pair rate limit hit",
        "Too many messages sent from the sender phone number to the same recipient.",
    ),
    131026: ("Message undeliverable", "Unable to deliver message."),
    131051: ("Unsupported message type", "Unsupported message type."),
    131000: ("Something went wrong", "Message failed to send due to an unknown error."),
    190: ("Invalid OAuth access token", "The access token could not be decrypted."),
}


def graph_error(code: int) -> dict[str, Any]:
    title, details = GRAPH_ERRORS.get(code, ("Error", "Something went wrong."))
    return {
        "error": {
            "message": f"({code}) {title}",
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": details},
            "fbtrace_id": "AbCdEfGhIjKlMnOp",
        }
    }


@dataclass
class Call:
    phone_number_id: str
    body: dict[str, Any]
    at: float = field(default_factory=time.monotonic)

    @property
    def to(self) -> str | None:
        return self.body.get("to") or self.body.get("recipient")

    @property
    def text(self) -> str:
        """The text the person sees: a text body, an interactive body, or template params."""
        kind = self.body.get("type")
        if kind == "text":
            return str(self.body["text"]["body"])
        if kind == "interactive":
            return str(self.body["interactive"]["body"]["text"])
        if kind == "template":
            params = [
                p.get("text", "")
                for c in self.body["template"].get("components", [])
                for p in c.get("parameters", [])
            ]
            return " ".join(params)
        return ""

    @property
    def button_ids(self) -> list[str]:
        interactive = self.body.get("interactive") or {}
        action = interactive.get("action") or {}
        if interactive.get("type") == "button":
            return [b["reply"]["id"] for b in action.get("buttons", [])]
        if interactive.get("type") == "list":
            return [r["id"] for s in action.get("sections", []) for r in s.get("rows", [])]
        return []


@dataclass
class Answer:
    """A canned answer for one coming call."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class FakeWhatsApp:
    token: str = "EAAtest-token"
    phone_number_id: str = PHONE_NUMBER_ID
    calls: list[Call] = field(default_factory=list)
    _answers: deque[Answer] = field(default_factory=deque)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- telling it what to answer next ------------------------------------------------------

    def fail_next(self, code: int, *, status: int = 400, headers: dict[str, str] | None = None):
        """Answer the next call with a Graph error (code 131047, 130429, 131026...)."""
        with self._lock:
            self._answers.append(Answer(status, graph_error(code), headers or {}))

    def throttle_next(self, retry_after: int | None = None) -> None:
        """Answer the next call with a bare HTTP 429 (optionally with Retry-After)."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        with self._lock:
            self._answers.append(Answer(429, graph_error(130429), headers))

    def delay_next(self, seconds: float) -> None:
        """Answer the next call only after `seconds` (a client time-out test)."""
        with self._lock:
            self._answers.append(Answer(delay=seconds))

    # -- what it received --------------------------------------------------------------------

    def sent(self, to: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if to is None or c.to == to]

    def wait_for(self, count: int = 1, *, to: str | None = None, timeout: float = 10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.sent(to)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"expected {count} message(s), got {[c.body for c in self.sent()]}")

    # -- the API -----------------------------------------------------------------------------

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/{version}/{phone_number_id}/messages", self._messages, methods=["POST"])
            ]
        )

    async def _messages(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return JSONResponse(graph_error(190), status_code=401)
        phone_number_id = request.path_params["phone_number_id"]
        if phone_number_id != self.phone_number_id:
            return JSONResponse(graph_error(100), status_code=400)
        body = await request.json()
        with self._lock:
            self.calls.append(Call(phone_number_id, body))
            answer = self._answers.popleft() if self._answers else Answer()
            wamid = f"wamid.X{next(self._ids)}"
        if answer.delay:
            await asyncio.sleep(answer.delay)
        if answer.status != 200 or answer.body is not None:
            return JSONResponse(answer.body, status_code=answer.status, headers=answer.headers)
        to, recipient = body.get("to"), body.get("recipient")
        contact = {"input": to or recipient}
        if to:
            contact["wa_id"] = "".join(c for c in str(to) if c.isdigit())
        else:
            contact["user_id"] = recipient
        return JSONResponse(
            {"messaging_product": "whatsapp", "contacts": [contact], "messages": [{"id": wamid}]}
        )


# -- webhook deliveries, as Meta sends them ---------------------------------------------------


def sign(body: bytes, app_secret: str) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def delivery(
    *,
    messages: list[dict[str, Any]] | None = None,
    statuses: list[dict[str, Any]] | None = None,
    contacts: list[dict[str, Any]] | None = None,
    phone_number_id: str = PHONE_NUMBER_ID,
) -> dict[str, Any]:
    """One webhook POST body: one entry, one change on the messages field."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": BUSINESS_NUMBER, "phone_number_id": phone_number_id},
    }
    if contacts is not None:
        value["contacts"] = contacts
    if messages is not None:
        value["messages"] = messages
    if statuses is not None:
        value["statuses"] = statuses
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": "messages"}]}],
    }


def _message(
    wamid: str, phone: str | None, bsuid: str | None, kind: str, content: dict[str, Any]
) -> dict[str, Any]:
    message: dict[str, Any] = {"id": wamid, "timestamp": str(int(time.time())), "type": kind}
    if phone is not None:
        message["from"] = phone
    if bsuid is not None:
        message["from_user_id"] = bsuid
    message.update(content)
    return message


def _contacts(phone: str | None, bsuid: str | None, name: str) -> list[dict[str, Any]]:
    contact: dict[str, Any] = {"profile": {"name": name}}
    if phone is not None:
        contact["wa_id"] = phone
    if bsuid is not None:
        contact["user_id"] = bsuid
    return [contact]


def user_message(
    wamid: str,
    kind: str,
    content: dict[str, Any],
    *,
    phone: str | None = "447700900123",
    bsuid: str | None = None,
    name: str = "Jay",
    context_id: str | None = None,
) -> dict[str, Any]:
    """A delivery holding one message from one person (phone and/or business-scoped id)."""
    message = _message(wamid, phone, bsuid, kind, content)
    if context_id is not None:
        message["context"] = {"from": BUSINESS_NUMBER, "id": context_id}
    return delivery(messages=[message], contacts=_contacts(phone, bsuid, name))


def text_message(wamid: str, text: str, **who: Any) -> dict[str, Any]:
    return user_message(wamid, "text", {"text": {"body": text}}, **who)


def button_reply(wamid: str, button_id: str, title: str = "More detail", **who: Any):
    content = {
        "interactive": {"type": "button_reply", "button_reply": {"id": button_id, "title": title}}
    }
    return user_message(wamid, "interactive", content, context_id="wamid.X1", **who)


def list_reply(wamid: str, row_id: str, title: str = "Housing", **who: Any) -> dict[str, Any]:
    content = {
        "interactive": {
            "type": "list_reply",
            "list_reply": {"id": row_id, "title": title, "description": ""},
        }
    }
    return user_message(wamid, "interactive", content, context_id="wamid.X1", **who)


def template_button(wamid: str, payload: str, text: str = "Yes please", **who: Any):
    """A tap on a template's quick-reply button (type "button")."""
    return user_message(
        wamid,
        "button",
        {"button": {"payload": payload, "text": text}},
        context_id="wamid.T1",
        **who,
    )


def media_message(wamid: str, kind: str, **who: Any) -> dict[str, Any]:
    """An image, sticker, audio, video, document, location, contacts or reaction message."""
    contents: dict[str, dict[str, Any]] = {
        "image": {"image": {"id": "1479537139650973", "mime_type": "image/jpeg", "sha256": "x"}},
        "sticker": {"sticker": {"id": "1234", "mime_type": "image/webp", "animated": False}},
        "audio": {"audio": {"id": "5678", "mime_type": "audio/ogg; codecs=opus", "voice": True}},
        "video": {"video": {"id": "91011", "mime_type": "video/mp4"}},
        "document": {"document": {"id": "1213", "filename": "letter.pdf"}},
        "location": {"location": {"latitude": 50.37, "longitude": -4.14}},
        "contacts": {"contacts": [{"name": {"formatted_name": "Sam"}, "phones": []}]},
        "reaction": {"reaction": {"message_id": "wamid.X1", "emoji": "\U0001f44d"}},
        "unsupported": {"errors": [{"code": 131051, "title": "Message type unknown"}]},
    }
    return user_message(wamid, kind, contents[kind], **who)


def status_delivery(
    wamid: str,
    status: str,
    *,
    recipient: str = "447700900123",
    error_code: int | None = None,
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": wamid,
        "status": status,
        "timestamp": str(int(time.time())),
        "recipient_id": recipient,
    }
    if error_code is not None:
        title, details = GRAPH_ERRORS.get(error_code, ("Error", ""))
        entry["errors"] = [{"code": error_code, "title": title, "error_data": {"details": details}}]
    return delivery(statuses=[entry])


def encode(body: Any) -> bytes:
    return json.dumps(body).encode()
