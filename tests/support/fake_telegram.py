"""A local fake of the Telegram Bot API: enough of it for python-telegram-bot's real client.

It records every call, answers like Telegram does, and hands queued updates to getUpdates.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

BOT_USER = {
    "id": 7000001,
    "is_bot": True,
    "first_name": "Carebot",
    "username": "carebot_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)  # when it arrived


@dataclass
class FakeTelegram:
    token: str = "123456:TEST-token"
    calls: list[Call] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    _next_message_id: int = 1000
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # Hold the answer to the Nth sendMessage (it is recorded first) until `release` is set:
    # a crash test kills the sender while that message is in flight.
    hold_at: int | None = None
    release: threading.Event = field(default_factory=threading.Event)
    # Chats whose messages fail with (HTTP status, description), e.g. a user who blocked us.
    fail_chats: dict[int, tuple[int, str]] = field(default_factory=dict)

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        with self._lock:
            return [c.params for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.sent(method)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"expected {count} {method} call(s), got {self.sent(method)}")

    def app(self) -> Starlette:
        return Starlette(
            routes=[Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"])]
        )

    async def _params(self, request: Request) -> dict[str, Any]:
        content_type = request.headers.get("content-type", "")
        if "json" in content_type:
            return await request.json()
        form = await request.form()
        params: dict[str, Any] = {}
        for key, value in form.items():
            # PTB sends nested objects (reply_markup...) as JSON strings inside the form.
            try:
                params[key] = json.loads(value) if isinstance(value, str) else value
            except ValueError:
                params[key] = value
        return params

    async def _endpoint(self, request: Request) -> JSONResponse:
        if request.path_params["token"] != self.token:
            return JSONResponse(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, 401
            )
        method = request.path_params["method"]
        params = await self._params(request)
        with self._lock:
            self.calls.append(Call(method, params))
        handler = getattr(self, f"_{method}", None)
        chat = params.get("chat_id")
        if method == "sendMessage" and chat is not None and int(chat) in self.fail_chats:
            status, description = self.fail_chats[int(chat)]
            error: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
            if status == 429:  # flood control: Telegram says how long to wait
                error["parameters"] = {"retry_after": 3}
            return JSONResponse(error, status)
        if handler is None:
            return JSONResponse({"ok": True, "result": True})
        return JSONResponse({"ok": True, "result": await handler(params)})

    async def _getMe(self, _params: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    async def _sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._next_message_id += 1
            message_id = self._next_message_id
            count = sum(1 for c in self.calls if c.method == "sendMessage")
        if self.hold_at is not None and count == self.hold_at:
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        chat_id = int(params["chat_id"])
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": BOT_USER,
            "text": str(params.get("text", "")),
        }

    async def _getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 1.0)
        while True:
            with self._lock:
                pending = [u for u in self.updates if u["update_id"] >= offset]
            if pending or time.monotonic() >= deadline:
                return pending
            await asyncio.sleep(0.05)


def text_update(
    update_id: int, chat_id: int, text: str, message_id: int | None = None, first_name: str = "Jay"
) -> dict[str, Any]:
    user = {"id": chat_id, "is_bot": False, "first_name": first_name}
    return {
        "update_id": update_id,
        "message": {
            "message_id": message_id or update_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": first_name},
            "from": user,
            "text": text,
        },
    }


def button_update(update_id: int, chat_id: int, data: str) -> dict[str, Any]:
    user = {"id": chat_id, "is_bot": False, "first_name": "Jay"}
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cbq{update_id}",
            "from": user,
            "chat_instance": "ci1",
            "data": data,
            "message": {
                "message_id": 5,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
                "text": "earlier answer",
            },
        },
    }


def sticker_update(update_id: int, chat_id: int, message_id: int | None = None) -> dict[str, Any]:
    """A private message holding only a sticker (no text)."""
    update = text_update(update_id, chat_id, "", message_id)
    del update["message"]["text"]
    update["message"]["sticker"] = {
        "file_id": "CAACAgIAAxkBAAEBsticker",
        "file_unique_id": "AgADsticker",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": "👍",
    }
    return update


def group_text_update(
    update_id: int, chat_id: int, user_id: int, text: str, message_id: int | None = None
) -> dict[str, Any]:
    """A text message in a group chat (chat_id is negative for groups)."""
    update = text_update(update_id, user_id, text, message_id)
    update["message"]["chat"] = {"id": chat_id, "type": "group", "title": "Friends"}
    return update
