"""Sending to the Graph API with pywa's async client, its errors mapped to DeliveryError."""

from __future__ import annotations

import logging
import re
import warnings
from typing import Any

import httpx
from pywa.errors import WhatsAppError
from pywa.types.sent_update import RecipientType
from pywa_async import WhatsApp
from pywa_async.types.templates import BodyText, TemplateLanguage

from bot.channels.whatsapp.formatting import keyboard, plan, template_param
from bot.messages import OutgoingMessage
from bot.outbox import WINDOW_CLOSED, Delivery, DeliveryError
from bot.settings import Settings

# pywa logs whole request bodies (message text, phone numbers) at DEBUG: never let it.
for _name in ("pywa", "pywa_async"):
    logging.getLogger(_name).setLevel(logging.WARNING)

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

_VERSION = re.compile(r"/v(\d+(?:\.\d+)?)/?$")
_ADDRESSABLE = (
    RecipientType.WA_ID,
    RecipientType.PHONE_NUMBER,
    RecipientType.BSUID,
    RecipientType.PARENT_BSUID,
)


class WhatsAppDeliveryError(DeliveryError):
    """A DeliveryError that keeps the Graph error code (None for network failures)."""

    def __init__(self, reason: str, *, code: int | None = None, **kwargs: Any) -> None:
        super().__init__(reason, **kwargs)
        self.code = code

    @property
    def window_closed(self) -> bool:
        """More than 24 hours since they last wrote: only an approved template can go."""
        return self.code == WINDOW_CLOSED_CODE


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
        """Close our httpx session (pywa's client has nothing else to close)."""
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
                    params=[BodyText.params(*map(template_param, params))] if params else None,
                )
            )
        return await self.send_message(address, OutgoingMessage(delivery.body, delivery.buttons))

    async def send_message(self, address: str, message: OutgoingMessage) -> str | None:
        """One of our messages, in as many WhatsApp messages as it takes."""
        address = _recipient(address)
        parts = plan(message)
        if not parts:
            # Blank text and no buttons: an empty WhatsApp message is never sent.
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
