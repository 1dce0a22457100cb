"""The WhatsApp channel: Starlette routes for Meta's webhook, wired to the engine and sender."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from typing import Any

import anyio
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.channels.flood import FloodGuard
from bot.channels.whatsapp.sender import WhatsAppSender
from bot.channels.whatsapp.webhook import (
    SIGNATURE_HEADER,
    changes,
    message_type,
    parse_message,
    parse_status,
    signed,
)
from bot.logsafe import pseudonym
from bot.outbox import Delivery, DeliveryError
from bot.settings import Settings
from dialogues.engine import DialogueEngine

# One logger for the whole adapter, named as it was before it became a package.
log = logging.getLogger(__package__)

# Meta's deliveries are a few kilobytes; anything this big is not one.
MAX_BODY_BYTES = 1_000_000

# on_status(wamid, status, error_code)
StatusHook = Callable[[str, str, int | None], None]


class WhatsAppChannel:
    """Our own signed webhook on the one inbound path: every message goes through
    `DialogueEngine.handle` like any other channel's, and the replies through the sender."""

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
        """GET for Meta's verification handshake, POST for messages and statuses."""
        return [
            Route("/whatsapp/webhook", self.verify, methods=["GET"]),
            Route("/whatsapp/webhook", self.webhook, methods=["POST"]),
        ]

    async def stop(self) -> None:
        """Close the sender's HTTP session."""
        await self.sender.aclose()

    # -- the outbox ----------------------------------------------------------------------------

    async def send(self, delivery: Delivery) -> str | None:
        """Send one queued message (the outbox's Sender); returns the last wamid."""
        return await self.sender.send(delivery)

    # -- GET: Meta's verification handshake ----------------------------------------------------

    async def verify(self, request: Request) -> Response:
        """Echo hub.challenge when hub.verify_token is ours, else 403."""
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

    async def webhook(self, request: Request) -> Response:
        """Read at most MAX_BODY_BYTES, check the signature on the raw bytes, then handle it."""
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
        if not signed(self._app_secret, bytes(body), request.headers.get(SIGNATURE_HEADER)):
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
        for change in changes(body, self._phone_number_id):
            for error in change.errors:
                log.warning("whatsapp webhook error code=%s", error.get("code"))
            for raw in change.messages:
                await self._guarded(self._message, raw, change.contacts)
            for raw in change.statuses:
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
            log.info("whatsapp message skipped type=%s", message_type(raw))
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
