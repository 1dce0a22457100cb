"""The web chat: a phone-shaped page and a small JSON API on the one inbound path."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from bot.client_address import client_address
from bot.i18n import Translator, is_rtl, normalise_language
from bot.rate_limit import RateLimiter
from bot.server_keys import TokenSigner
from dialogues.engine import DialogueEngine
from dialogues.handlers.common import slow_down_text
from dialogues.types import InboundMessage

CHANNEL = "web"
COOKIE = "carebot_visitor"
MAX_BODY = 32_768  # a 10,000-character message in any script fits, with room for JSON
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


class WebChat:
    def __init__(
        self,
        engine: DialogueEngine,
        *,
        default_language: str,
        default_council: str | None,
        signer: TokenSigner,
        secure: bool = False,
        trusted_proxies: frozenset[str] = frozenset(),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        # Visitor tokens are issued by this server only (signed); a token the browser made
        # up is replaced, so nobody can plant a known token on a shared phone.
        self._signer = signer
        # Behind https the cookie is Secure (never sent over plain http).
        self._secure = secure
        self._trusted_proxies = trusted_proxies
        # Floods: per visitor, per client address, and new anonymous visitors per address
        # (each new visitor is a new identity in the database).
        self.per_visitor = RateLimiter(per_minute=20, burst=10, clock=clock)
        self.per_client = RateLimiter(per_minute=120, burst=60, clock=clock)
        self.new_visitors = RateLimiter(per_minute=2, burst=10, clock=clock)
        # And from all addresses together (a flood spread over many addresses): a new chat
        # is refused for a minute, with the emergency numbers, rather than the database fill.
        self.all_new_visitors = RateLimiter(per_minute=300, burst=100, clock=clock)
        self._default_language = default_language
        self._default_council = default_council
        self._jinja = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            extensions=["jinja2.ext.i18n"],
        )

    def routes(self) -> list[Route]:
        return [
            Route("/", self.page, methods=["GET"]),
            Route("/api/chat", self.api, methods=["POST"]),
            Route("/api/updates", self.updates, methods=["GET"]),
            Route("/api/forget", self.forget, methods=["POST"]),
        ]

    async def forget(self, request: Request) -> Response:
        """ "Forget this device": unlink the chat and drop the cookie (a shared phone)."""
        if (
            request.headers.get("content-type", "").split(";")[0].strip().lower()
            != "application/json"
        ):
            return _error(415, "send application/json")
        visitor = request.cookies.get(COOKIE, "")
        if self._signer.valid(visitor):
            await anyio.to_thread.run_sync(self._engine.forget_sender, CHANNEL, visitor)
        response = JSONResponse({"ok": True}, headers={"Cache-Control": "no-store"})
        response.delete_cookie(COOKIE, httponly=True, samesite="strict", secure=self._secure)
        return response

    async def updates(self, request: Request) -> Response:
        """What a PA (or the bot, unasked) sent this visitor since message `after`."""
        visitor = request.cookies.get(COOKIE, "")
        raw_after = request.query_params.get("after", "0")
        if not raw_after.isdigit() or len(raw_after) > 18:
            return _error(400, "after must be a message number")
        if not self._signer.valid(visitor):
            return JSONResponse({"messages": [], "last": int(raw_after)})
        found = await anyio.to_thread.run_sync(
            self._engine.pushed_since, CHANNEL, visitor, int(raw_after)
        )
        return JSONResponse(
            {
                "messages": [
                    {"id": i, "text": m.text, "buttons": [], "from": author}
                    for i, m, author in found
                ],
                "last": found[-1][0] if found else int(raw_after),
            },
            headers={"Cache-Control": "no-store"},
        )

    async def page(self, request: Request) -> Response:
        language = normalise_language(request.query_params.get("lang")) or self._default_language
        council = request.query_params.get("council") or self._default_council or ""
        translator = Translator(language)
        self._jinja.install_gettext_callables(
            translator.gettext, translator.ngettext, newstyle=True
        )
        html = self._jinja.get_template("chat.html").render(
            language=language,
            direction="rtl" if is_rtl(language) else "ltr",
            council=council if re.fullmatch(r"[a-z][a-z0-9-]{0,63}", council) else "",
        )
        response = HTMLResponse(html)
        if not self._signer.valid(request.cookies.get(COOKIE, "")):
            self._set_visitor(response, self._signer.issue())
        return response

    def _set_visitor(self, response: Response, token: str) -> None:
        response.set_cookie(
            COOKIE,
            token,
            max_age=60 * 60 * 24 * 180,
            httponly=True,
            samesite="strict",
            secure=self._secure,
        )

    async def api(self, request: Request) -> Response:
        # A JSON content type cannot be sent cross-site without a CORS preflight we never allow.
        if (
            request.headers.get("content-type", "").split(";")[0].strip().lower()
            != "application/json"
        ):
            return _error(415, "send application/json")
        declared = request.headers.get("content-length", "0")
        if declared.isdigit() and int(declared) > MAX_BODY:
            return _error(413, "message too large")
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                return _error(413, "message too large")
        try:
            data: Any = json.loads(body.decode("utf-8"))
        except UnicodeDecodeError:
            return _error(400, "the message is not valid UTF-8")
        except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
            return _error(400, "the body is not valid JSON")
        if not isinstance(data, dict):
            return _error(400, "expected a JSON object")
        message_id, text, payload = data.get("message_id"), data.get("text"), data.get("payload")
        if not isinstance(message_id, str) or not _TOKEN.match(message_id):
            return _error(400, "message_id must be 8-64 letters, digits, _ or -")
        if (text is None) == (payload is None):
            return _error(400, "send exactly one of text or payload")
        if text is not None and not isinstance(text, str):
            return _error(400, "text must be a string")
        if payload is not None and not isinstance(payload, str):
            return _error(400, "payload must be a string")

        visitor = request.cookies.get(COOKIE, "")
        new_visitor = not self._signer.valid(visitor)
        # Someone we know typing a risk fast is answered in full; a new chat is not made for
        # it (that is what a flood would use), but the 429's line has the numbers.
        if self._held(client_address(request, self._trusted_proxies), visitor, new_visitor) and (
            new_visitor
            or not self._engine.must_pass(
                InboundMessage(CHANNEL, visitor, message_id, text=text, payload=payload)
            )
        ):
            return self._slow_down(data.get("language"))
        if new_visitor:
            visitor = self._signer.issue()
        council = data.get("council")
        language = data.get("language")
        await anyio.to_thread.run_sync(self._apply_choices, visitor, council, language)

        inbound = InboundMessage(
            channel=CHANNEL,
            sender_id=visitor,
            # Scoped to the visitor, so one visitor's ids can never clash with another's.
            message_id=f"{visitor}:{message_id}",
            kind="button" if payload is not None else "text",
            text=text,
            payload=payload,
        )
        turn = await anyio.to_thread.run_sync(self._engine.handle, inbound)
        # Only what the page shows (and the language it is now in): never the intent, the
        # confidence, escalation ids, routing or deadlines. A retried message id gets the
        # same messages as the first delivery.
        response = JSONResponse(
            {
                "messages": [
                    {
                        "text": m.text,
                        "buttons": [{"title": b.title, "payload": b.payload} for b in m.buttons],
                    }
                    for m in turn.messages
                ],
                "language": turn.language,
                "direction": "rtl" if is_rtl(turn.language) else "ltr",
            },
            headers={"Cache-Control": "no-store"},
        )
        if turn.intent == "link_code":
            # A chat being linked to a young person gets a fresh token: whoever knew the
            # old one (a planted cookie) is left with an empty chat.
            fresh = self._signer.issue()
            await anyio.to_thread.run_sync(self._engine.rename_sender, CHANNEL, visitor, fresh)
            self._set_visitor(response, fresh)
        elif new_visitor:
            self._set_visitor(response, visitor)
        return response

    def _held(self, client: str, visitor: str, new_visitor: bool) -> bool:
        if not self.per_client.allow(client):
            return True
        if new_visitor:
            return not (self.new_visitors.allow(client) and self.all_new_visitors.allow("all"))
        return not self.per_visitor.allow(visitor)

    def _slow_down(self, language: object) -> Response:
        """429, with a line the page shows as the bot's (and where to get help now)."""
        code = normalise_language(language) if isinstance(language, str) else None
        text = slow_down_text(Translator(code or self._default_language))
        return JSONResponse(
            {"error": "too many messages", "messages": [{"text": text, "buttons": []}]},
            status_code=429,
            headers={"Retry-After": "60", "Cache-Control": "no-store"},
        )

    def _apply_choices(self, visitor: str, council: object, language: object) -> None:
        """The page's council (a council's own site presets it) and language, when valid."""
        code = normalise_language(language) if isinstance(language, str) else None
        council_id = council if isinstance(council, str) and council else None
        try:
            self._engine.identify(CHANNEL, visitor, council_id=council_id, language=code)
        except LookupError:
            # A stale or mistyped council in the page: keep the language, ask for the council.
            self._engine.identify(CHANNEL, visitor, language=code)
