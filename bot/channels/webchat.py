"""The web chat: a phone-shaped page and a small JSON API on the one inbound path."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from bot.channels.phone_links import parts
from bot.channels.webchat_pages import VISITOR_DAYS, Pages
from bot.client_address import client_address
from bot.content.model import Council
from bot.i18n import Translator, is_rtl, normalise_language
from bot.messages import InboundMessage
from bot.rate_limit import RateLimiter
from bot.server_keys import TokenSigner
from dialogues.engine import DialogueEngine
from dialogues.handlers.common import slow_down_text

CHANNEL = "web"
COOKIE = "carebot_visitor"
MAX_BODY = 32_768  # a 10,000-character message in any script fits, with room for JSON
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def shown(text: str, buttons: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """One message as the page draws it: its text, the same text in parts (phone numbers
    with a tel: or sms: href, for tap-to-call), and its buttons."""
    return {"text": text, "parts": parts(text), "buttons": buttons or []}


async def _json_object(request: Request, limit: int) -> dict[str, Any] | Response:
    """The body of a POST from the chat page, or the error to answer with.

    Same origin only: a JSON content type (another site cannot send one without a CORS
    preflight, which is never allowed), and a browser that says the request came from
    another site (Sec-Fetch-Site) is refused outright. At most `limit` bytes."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        return _error(415, "send application/json")
    if request.headers.get("sec-fetch-site", "same-origin") != "same-origin":
        return _error(403, "only the chat page may send this")
    declared = request.headers.get("content-length", "0")
    if declared.isdigit() and int(declared) > limit:
        return _error(413, "message too large")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return _error(413, "message too large")
    try:
        data: Any = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        return _error(400, "the message is not valid UTF-8")
    except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
        return _error(400, "the body is not valid JSON")
    if not isinstance(data, dict):
        return _error(400, "expected a JSON object")
    return data


class WebChat:
    """The web chat's routes: the page and privacy notice, the chat API and the polling for PA
    replies. A visitor is a signed cookie token (the chat's sender id), issued only here."""

    def __init__(
        self,
        engine: DialogueEngine,
        *,
        default_language: str,
        default_council: str | None,
        signer: TokenSigner,
        councils: Callable[[], Mapping[str, Council]] = dict,
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
        # The page and the privacy notice name the council from its content (council.yml).
        self.pages = Pages(
            default_language=default_language,
            default_council=default_council,
            councils=councils,
        )

    def routes(self) -> list[Route]:
        """The routes the server mounts for the web chat."""
        return [
            Route("/", self.page, methods=["GET"]),
            Route("/privacy", self.privacy, methods=["GET"]),
            Route("/api/chat", self.api, methods=["POST"]),
            Route("/api/updates", self.updates, methods=["GET"]),
            Route("/api/forget", self.forget, methods=["POST"]),
        ]

    async def forget(self, request: Request) -> Response:
        """ "Forget this device" (a shared phone), after the page asked "are you sure?": the
        chat is unlinked from the young person and its token replaced by one nobody holds,
        and the cookie goes. Nothing is deleted: their record and messages stay for their PA
        (deleting is the bot's own "delete my data")."""
        data = await _json_object(request, 1024)
        if isinstance(data, Response):
            return data
        if data.get("confirm") is not True:
            return _error(400, 'send {"confirm": true}')
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
                "messages": [{"id": i, **shown(m.text), "from": author} for i, m, author in found],
                "last": found[-1][0] if found else int(raw_after),
            },
            headers={"Cache-Control": "no-store"},
        )

    async def page(self, request: Request) -> Response:
        """The chat page; a browser without a valid visitor token gets a new one in a cookie."""
        response = HTMLResponse(self.pages.chat(request))
        if not self._signer.valid(request.cookies.get(COOKIE, "")):
            self._set_visitor(response, self._signer.issue())
        return response

    async def privacy(self, request: Request) -> Response:
        """The full privacy notice, in the visitor's language, naming the council."""
        return HTMLResponse(self.pages.privacy(request))

    def _set_visitor(self, response: Response, token: str) -> None:
        response.set_cookie(
            COOKIE,
            token,
            max_age=60 * 60 * 24 * VISITOR_DAYS,
            httponly=True,
            samesite="strict",
            secure=self._secure,
        )

    async def api(self, request: Request) -> Response:
        """One message from the page (text or a button payload), answered with what the page shows.
        Rate limits hold floods back, but a known visitor's risk or stop message always passes;
        linking a chat with a code gives it a fresh token."""
        data = await _json_object(request, MAX_BODY)
        if isinstance(data, Response):
            return data
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
        council, language = data.get("council"), data.get("language")
        inbound = InboundMessage(
            channel=CHANNEL,
            sender_id=visitor,
            # Scoped to the visitor, so one visitor's ids can never clash with another's.
            message_id=f"{visitor}:{message_id}",
            kind="button" if payload is not None else "text",
            text=text,
            payload=payload,
            # Applied with the message, in one transaction.
            council_id=council if isinstance(council, str) else None,
            language=language if isinstance(language, str) else None,
        )
        turn = await anyio.to_thread.run_sync(self._engine.handle, inbound)
        # Only what the page shows (and the language it is now in): never the intent, the
        # confidence, escalation ids, routing or deadlines. A retried message id gets the
        # same messages as the first delivery.
        response = JSONResponse(
            {
                "messages": [
                    shown(m.text, [{"title": b.title, "payload": b.payload} for b in m.buttons])
                    for m in turn.messages
                ],
                "language": turn.language,
                "direction": "rtl" if is_rtl(turn.language) else "ltr",
            },
            # Not stored (the database failed): the page shows the messages, which say to
            # try again, and the status says it was not kept.
            status_code=200 if turn.stored else 503,
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
            {"error": "too many messages", "messages": [shown(text)]},
            status_code=429,
            headers={"Retry-After": "60", "Cache-Control": "no-store"},
        )
