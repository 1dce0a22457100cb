"""WhatsApp through the Cloud API: our own signed webhook on the one inbound path, and pywa's
async client for sending (text, reply buttons, lists, templates).

The webhook is ours, not pywa's: the X-Hub-Signature-256 HMAC is checked on the raw body
before anything is parsed, and every message goes through `DialogueEngine.handle` like any
other channel's. pywa is only the typed client that sends, over our own httpx session.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
from pywa.errors import WhatsAppError
from pywa.types.sent_update import RecipientType
from pywa_async import WhatsApp
from pywa_async.types import Button as WaButton
from pywa_async.types import Section, SectionList, SectionRow
from pywa_async.types.templates import BodyText, TemplateLanguage
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.channels.flood import FloodGuard
from bot.logsafe import pseudonym
from bot.messages import Button, InboundMessage, OutgoingMessage
from bot.outbox import WINDOW_CLOSED, Delivery, DeliveryError
from bot.settings import Settings
from dialogues.engine import DialogueEngine

log = logging.getLogger(__name__)

# pywa logs whole request bodies (message text, phone numbers) at DEBUG: never let it.
for _name in ("pywa", "pywa_async"):
    logging.getLogger(_name).setLevel(logging.WARNING)

CHANNEL = "whatsapp"
SIGNATURE_HEADER = "X-Hub-Signature-256"
# Meta's deliveries are a few kilobytes; anything this big is not one.
MAX_BODY_BYTES = 1_000_000
TEXT_LIMIT = 4096  # a text message's body
INTERACTIVE_TEXT_LIMIT = 1024  # the body of a message with buttons or a list
MAX_REPLY_BUTTONS = 3
BUTTON_TITLE_LIMIT = 20
MAX_LIST_ROWS = 10
ROW_TITLE_LIMIT = 24
# The label of the button that opens a list, and the list's one section title.
# TODO: translate (the adapter has no gettext yet).
LIST_BUTTON_LABEL = "Choose"
LIST_SECTION_TITLE = "Options"

# Graph API error codes (developers.facebook.com, Cloud API error codes).
WINDOW_CLOSED_CODE = 131047  # more than 24 hours since they last wrote: templates only
UNDELIVERABLE_CODE = 131026  # not a WhatsApp user, old app, terms not accepted
UNSUPPORTED_TYPE_CODE = 131051
THROUGHPUT_CODES = frozenset({130429, 80007, 4})  # our number's or app's rate limits
PAIR_RATE_CODE = 131056  # too many messages to this one person (about 1 per 6 s)
# Meta's side failed ("something went wrong", "service unavailable"): worth another try.
TRANSIENT_CODES = frozenset({1, 2, 131000, 131016, 133004})
# DeliveryError.reason for 131047: the outbox falls back to a template or a PA task.
THROTTLE_WAIT = 60.0
PAIR_RATE_WAIT = 10.0

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
_VERSION = re.compile(r"/v(\d+(?:\.\d+)?)/?$")
_ADDRESSABLE = (
    RecipientType.WA_ID,
    RecipientType.PHONE_NUMBER,
    RecipientType.BSUID,
    RecipientType.PARENT_BSUID,
)

# on_status(wamid, status, error_code)
StatusHook = Callable[[str, str, int | None], None]


class WhatsAppDeliveryError(DeliveryError):
    """A DeliveryError that keeps the Graph error code (None for network failures)."""

    def __init__(self, reason: str, *, code: int | None = None, **kwargs: Any) -> None:
        super().__init__(reason, **kwargs)
        self.code = code

    @property
    def window_closed(self) -> bool:
        """More than 24 hours since they last wrote: only an approved template can go."""
        return self.code == WINDOW_CLOSED_CODE


# -- outbound ---------------------------------------------------------------------------------


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Pieces of at most `limit` characters, cut at a paragraph, line or word where possible."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = window.rfind(separator)
            if cut > limit // 2:
                break
        if cut <= limit // 2:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def _split_tail(text: str, limit: int) -> tuple[str, str]:
    """(head, tail) with the tail at most `limit` characters, cut at a boundary if possible."""
    text = text.strip()
    if len(text) <= limit:
        return "", text
    window_start = len(text) - limit
    for separator in ("\n\n", "\n", " "):
        at = text.find(separator, window_start)
        if at != -1 and len(text) - at - len(separator) >= limit // 2:
            return text[:at].rstrip(), text[at:].strip()
    return text[:window_start], text[window_start:]


@dataclass(frozen=True)
class Part:
    """One WhatsApp message: a text, or a text with reply buttons or a list."""

    text: str
    buttons: tuple[Button, ...] = ()


def plan(message: OutgoingMessage) -> list[Part]:
    """How one of our messages goes out: text over 4,096 characters in several messages, the
    buttons (at most 10, each payload once) on the last, whose body may hold 1,024."""
    buttons: list[Button] = []
    for button in message.buttons:
        if button.payload and all(b.payload != button.payload for b in buttons):
            buttons.append(button)
    buttons = buttons[:MAX_LIST_ROWS]
    if not buttons:
        return [Part(piece) for piece in split_text(message.text)]
    head, tail = _split_tail(message.text, INTERACTIVE_TEXT_LIMIT)
    parts = [Part(piece) for piece in split_text(head)] if head else []
    # An interactive message needs a body: a message of buttons alone gets a short one.
    return [*parts, Part(tail or LIST_SECTION_TITLE, tuple(buttons))]


def keyboard(buttons: tuple[Button, ...]) -> list[WaButton] | SectionList:
    """Reply buttons for 1-3, a list for 4-10."""
    if len(buttons) <= MAX_REPLY_BUTTONS:
        return [
            WaButton(
                title=_cut(b.title, BUTTON_TITLE_LIMIT) or f"Option {i}", callback_data=b.payload
            )
            for i, b in enumerate(buttons, 1)
        ]
    rows = [
        SectionRow(title=_cut(b.title, ROW_TITLE_LIMIT) or f"Option {i}", callback_data=b.payload)
        for i, b in enumerate(buttons, 1)
    ]
    return SectionList(
        button_title=LIST_BUTTON_LABEL, sections=[Section(title=LIST_SECTION_TITLE, rows=rows)]
    )


def _retry_after(response: httpx.Response | None, default: float) -> float:
    raw = response.headers.get("retry-after", "") if response is not None else ""
    try:
        seconds = float(raw)
    except ValueError:
        return default
    return min(max(seconds, 1.0), 3600.0)


def _graph_error(exc: WhatsAppError) -> WhatsAppDeliveryError:
    code, status = exc.code, exc.status_code
    if code == WINDOW_CLOSED_CODE:
        return WhatsAppDeliveryError(WINDOW_CLOSED, code=code, permanent=True)
    if code in THROUGHPUT_CODES or status == 429:
        wait = _retry_after(exc.raw_response, THROTTLE_WAIT)
        return WhatsAppDeliveryError("throttled by WhatsApp", code=code, retry_after=wait)
    if code == PAIR_RATE_CODE:
        wait = _retry_after(exc.raw_response, PAIR_RATE_WAIT)
        return WhatsAppDeliveryError(
            "too many messages to this person", code=code, retry_after=wait
        )
    if code == UNDELIVERABLE_CODE:
        return WhatsAppDeliveryError(
            "undeliverable to this WhatsApp user", code=code, unreachable=True
        )
    if code == UNSUPPORTED_TYPE_CODE:
        return WhatsAppDeliveryError("message type not supported", code=code, permanent=True)
    if code in TRANSIENT_CODES or (status is not None and status >= 500) or exc.is_transient:
        return WhatsAppDeliveryError(f"WhatsApp error {code}", code=code)
    return WhatsAppDeliveryError(f"refused by WhatsApp ({code})", code=code, permanent=True)


# Failures before the request was (wholly) sent: Meta cannot have acted on it.
_NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.WriteTimeout,
    httpx.WriteError,
    httpx.ProxyError,
)


def _network_error(exc: httpx.HTTPError) -> WhatsAppDeliveryError:
    if isinstance(exc, _NOT_SENT):
        return WhatsAppDeliveryError(f"could not reach WhatsApp ({type(exc).__name__})")
    # The request went out and no (readable) answer came: it may have arrived.
    return WhatsAppDeliveryError(f"no answer from WhatsApp ({type(exc).__name__})", in_doubt=True)


def _recipient(address: str) -> str:
    """A phone number (wa_id) or business-scoped user id; anything else is refused, since
    pywa would take an unrecognised id for a group."""
    address = address.strip()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kind = RecipientType.from_recipient(address) if address else None
    if kind not in _ADDRESSABLE:
        raise WhatsAppDeliveryError("not a WhatsApp user id", permanent=True)
    return address


def _template_param(value: str) -> str:
    # Template parameters may not hold new lines, tabs or runs of spaces.
    return " ".join(str(value).split()) or "-"


class WhatsAppSender:
    """Sends with pywa's async client over our own httpx session, aimed at the configured
    Graph API base URL. The outbox's Sender for "whatsapp", and the webhook's replies."""

    def __init__(self, settings: Settings, *, timeout: httpx.Timeout | None = None) -> None:
        if not settings.whatsapp_enabled or not settings.whatsapp_phone_number_id:
            raise ValueError("WhatsAppSender needs WHATSAPP_TOKEN and WHATSAPP_PHONE_NUMBER_ID")
        language = settings.whatsapp_template_language
        if language not in {member.value for member in TemplateLanguage}:
            raise ValueError(f"{language!r} is not a WhatsApp template language")
        self._language = TemplateLanguage(language)
        self._session = httpx.AsyncClient(timeout=timeout or httpx.Timeout(15.0, connect=5.0))
        base_url = settings.whatsapp_api_base_url
        version = _VERSION.search(base_url)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pywa warns about versions it was not tested on
            self._client = WhatsApp(
                phone_id=settings.whatsapp_phone_number_id,
                token=settings.whatsapp_token,
                session=self._session,
                **({"api_version": version.group(1)} if version else {}),
            )
        # pywa always aims its session at graph.facebook.com; the session is ours, so aim it
        # at the configured URL (a local fake in tests) once pywa has set it up.
        self._session.base_url = httpx.URL(base_url.rstrip("/") + "/")

    async def aclose(self) -> None:
        await self._session.aclose()

    async def send(self, delivery: Delivery) -> str | None:
        """Send one queued message; returns the wamid of the (last) message sent."""
        address = _recipient(delivery.address)
        template: str | None = getattr(delivery, "template", None)
        if template:
            params = tuple(getattr(delivery, "template_params", ()) or ())
            return await self._sent_id(
                self._client.send_template(
                    to=address,
                    name=template,
                    language=self._language,
                    params=[BodyText.params(*map(_template_param, params))] if params else None,
                )
            )
        return await self.send_message(address, OutgoingMessage(delivery.body, delivery.buttons))

    async def send_message(self, address: str, message: OutgoingMessage) -> str | None:
        """One of our messages, in as many WhatsApp messages as it takes."""
        address = _recipient(address)
        parts = plan(message)
        if not parts:
            raise WhatsAppDeliveryError("nothing to send", permanent=True)
        sent: str | None = None
        for number, part in enumerate(parts):
            call = self._client.send_message(
                to=address,
                text=part.text,
                buttons=keyboard(part.buttons) if part.buttons else None,
            )
            try:
                sent = await self._sent_id(call)
            except WhatsAppDeliveryError as exc:
                if number == 0:
                    raise
                # The first part arrived: sending it all again would repeat it.
                raise WhatsAppDeliveryError(
                    f"only part sent: {exc.reason}", code=exc.code, in_doubt=True
                ) from exc
        return sent

    async def _sent_id(self, call: Any) -> str | None:
        try:
            sent = await call
        except WhatsAppError as exc:
            raise _graph_error(exc) from None
        except httpx.HTTPError as exc:
            raise _network_error(exc) from None
        except (ValueError, TypeError) as exc:
            # pywa refused the arguments before sending anything.
            raise WhatsAppDeliveryError(
                f"not sendable ({type(exc).__name__})", permanent=True
            ) from None
        return getattr(sent, "id", None)


# -- inbound ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Incoming:
    inbound: InboundMessage
    address: str  # where the replies go: their phone number when known, else their BSUID


@dataclass(frozen=True)
class Status:
    wamid: str
    status: str
    error_code: int | None


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


def _changes(data: Any, phone_number_id: str) -> Iterator[dict[str, Any]]:
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


class WhatsAppChannel:
    def __init__(
        self, settings: Settings, engine: DialogueEngine, *, sender: WhatsAppSender | None = None
    ) -> None:
        if not (
            settings.whatsapp_enabled
            and settings.whatsapp_app_secret
            and settings.whatsapp_verify_token
            and settings.whatsapp_phone_number_id
        ):
            raise ValueError("WhatsAppChannel needs the WHATSAPP_* settings")
        self._engine = engine
        self._app_secret = settings.whatsapp_app_secret.encode()
        self._verify_token = settings.whatsapp_verify_token.encode()
        self._phone_number_id = settings.whatsapp_phone_number_id
        self.sender = sender or WhatsAppSender(settings)
        self.flood = FloodGuard(engine)  # per phone number; risk messages always pass
        # Called (in a worker thread) as on_status(wamid, "failed", error_code) for every
        # failed delivery status; 131047 and 131026 are the ones the outbox acts on.
        self.on_status: StatusHook | None = None

    def routes(self) -> list[Route]:
        return [
            Route("/whatsapp/webhook", self.verify, methods=["GET"]),
            Route("/whatsapp/webhook", self.webhook, methods=["POST"]),
        ]

    async def stop(self) -> None:
        await self.sender.aclose()

    # -- the outbox ----------------------------------------------------------------------------

    async def send(self, delivery: Delivery) -> str | None:
        return await self.sender.send(delivery)

    # -- GET: Meta's verification handshake ----------------------------------------------------

    async def verify(self, request: Request) -> Response:
        params = request.query_params
        given = params.get("hub.verify_token", "").encode()
        challenge = params.get("hub.challenge", "")
        if (
            params.get("hub.mode") == "subscribe"
            and hmac.compare_digest(given, self._verify_token)
            and challenge
            and len(challenge) <= 256
        ):
            log.info("whatsapp webhook verified")
            return PlainTextResponse(challenge, headers={"X-Content-Type-Options": "nosniff"})
        log.warning("whatsapp webhook verification refused")
        return PlainTextResponse("forbidden", status_code=403)

    # -- POST: messages and statuses -----------------------------------------------------------

    def _signed(self, body: bytes, header: str | None) -> bool:
        expected = "sha256=" + hmac.new(self._app_secret, body, hashlib.sha256).hexdigest()
        return hmac.compare_digest((header or "").strip().lower().encode(), expected.encode())

    async def webhook(self, request: Request) -> Response:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            return JSONResponse({"error": "too large"}, status_code=413)
        body = bytearray()
        try:
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_BODY_BYTES:
                    return JSONResponse({"error": "too large"}, status_code=413)
        except ClientDisconnect:
            return JSONResponse({"error": "incomplete body"}, status_code=400)
        # The signature covers the raw bytes: check it before parsing anything.
        if not self._signed(bytes(body), request.headers.get(SIGNATURE_HEADER)):
            log.warning("whatsapp webhook refused: missing or wrong signature")
            return JSONResponse({"error": "forbidden"}, status_code=403)
        # Signed by Meta: from here on always 200, or Meta retries a body that will never
        # get better (and eventually disables the webhook).
        try:
            await self._process(bytes(body))
        except Exception as exc:  # never a 5xx; the cause goes to the log, no content
            log.error("whatsapp webhook failed error=%s", type(exc).__name__)
        return JSONResponse({"ok": True})

    async def _process(self, body: bytes) -> None:
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            log.warning("whatsapp webhook: body is not JSON, ignored")
            return
        for value in _changes(data, self._phone_number_id):
            contacts = _dicts(value.get("contacts"))
            for error in _dicts(value.get("errors")):
                log.warning("whatsapp webhook error code=%s", error.get("code"))
            for raw in _dicts(value.get("messages")):
                await self._guarded(self._message, raw, contacts)
            for raw in _dicts(value.get("statuses")):
                await self._guarded(self._status, raw)

    async def _guarded(self, handler: Callable[..., Any], *args: Any) -> None:
        """One bad message must not lose the others in the same delivery."""
        try:
            await handler(*args)
        except Exception as exc:
            log.error("whatsapp update failed error=%s", type(exc).__name__)

    async def _message(self, raw: dict[str, Any], contacts: list[dict[str, Any]]) -> None:
        incoming = parse_message(raw, contacts)
        if incoming is None:
            log.info("whatsapp message skipped type=%s", _str(raw.get("type"), _TYPE))
            return
        inbound = incoming.inbound
        # A duplicate (WhatsApp retrying a delivery we stored but did not answer, say after a
        # restart) gets the stored reply again: better twice than never.
        messages = await anyio.to_thread.run_sync(self.flood.admit, inbound)
        if messages is None:
            turn = await anyio.to_thread.run_sync(self._engine.handle, inbound)
            messages = list(turn.messages)
        for message in messages:
            try:
                await self.sender.send_message(incoming.address, message)
            except DeliveryError as exc:
                log.warning(
                    "whatsapp reply failed sender=%s reason=%s",
                    pseudonym(inbound.sender_id),
                    exc.reason,
                )
                return

    async def _status(self, raw: dict[str, Any]) -> None:
        status = parse_status(raw)
        if status is None:
            log.info("whatsapp status skipped: malformed")
            return
        if status.status != "failed":
            return
        # wamids encode the phone number: only a pseudonym goes to the log.
        log.warning(
            "whatsapp delivery failed message=%s code=%s",
            pseudonym(status.wamid),
            status.error_code,
        )
        hook = self.on_status
        if hook is not None:
            await anyio.to_thread.run_sync(hook, status.wamid, status.status, status.error_code)
