"""Telegram through python-telegram-bot: polling by default, a secret-checked webhook if set."""

from __future__ import annotations

import asyncio
import collections
import hmac
import json
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from telegram import Message, Update
from telegram.error import (
    Forbidden,
    TelegramError,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels.flood import FloodGuard
from bot.channels.telegram_send import TelegramSender, send_pieces
from bot.logsafe import pseudonym
from bot.messages import InboundMessage, Turn
from bot.outbox import Delivery
from bot.settings import Settings
from dialogues.engine import DialogueEngine

log = logging.getLogger(__name__)
CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram refuses longer webhook bodies long before this; anything bigger is not an update.
MAX_UPDATE_BYTES = 1_000_000
ALLOWED_UPDATES = ["message", "callback_query"]
# Telegram re-sends an update it got no 2xx for; recent update ids are answered once here
# (the engine also dedupes on message ids, which survives restarts).
RECENT_UPDATES = 10_000


# What a message that is not text holds, in the order it is checked.
_MEDIA = (
    *(("sticker", "sticker"), ("photo", "photo"), ("voice", "voice"), ("audio", "voice")),
    *(("video", "video"), ("video_note", "video"), ("animation", "video")),
    *(("document", "file"), ("location", "location")),
)


def _kind(message: Message) -> str:
    if message.text is not None:
        return "text"
    return next((kind for name, kind in _MEDIA if getattr(message, name, None)), "other")


class TelegramChannel:
    """The Telegram bot: private chats in (polling, or the webhook when TELEGRAM_WEBHOOK_URL is
    set) through the flood guard to the engine, replies straight back, and the outbox's sender."""

    def __init__(self, settings: Settings, engine: DialogueEngine) -> None:
        if not settings.telegram_token:
            raise ValueError("TelegramChannel needs TELEGRAM_TOKEN")
        self._settings = settings
        self._engine = engine
        builder = (
            Application.builder()
            .token(settings.telegram_token)
            .base_url(settings.telegram_api_base_url)
            # Our own scheduler (APScheduler 3.9) does timed work; PTB's would need 3.10.
            .job_queue(None)
            # Keeps replies under Telegram's flood limits (and retries a RetryAfter once).
            .rate_limiter(AIORateLimiter(max_retries=1))
        )
        if self.webhook_mode:
            builder = builder.updater(None)
        self.application = builder.build()
        self.sender = TelegramSender(self.application.bot)
        self.flood = FloodGuard(engine)  # per chat; risk messages always pass
        self._recent: collections.deque[int] = collections.deque()
        self._recent_set: set[int] = set()
        # Private chats only: in a group, answers about someone's PA would be read by others.
        private = filters.ChatType.PRIVATE
        self.application.add_handler(
            MessageHandler(private & ~filters.UpdateType.EDITED, self._on_message)
        )
        self.application.add_handler(CallbackQueryHandler(self._on_button))
        self.application.add_error_handler(self._on_error)

    @property
    def webhook_mode(self) -> bool:
        """True when TELEGRAM_WEBHOOK_URL is set: Telegram posts updates to us and nothing polls."""
        return self._settings.telegram_webhook_url is not None

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the application and, in webhook mode, register our webhook with Telegram.
        Polling is started apart (`start_polling`), by one process only: Telegram refuses a
        second poller for the same bot."""
        await self.application.initialize()
        await self.application.start()
        if self.webhook_mode:
            await self.application.bot.set_webhook(
                url=f"{self._settings.telegram_webhook_url}/telegram/webhook",
                secret_token=self._settings.telegram_webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
            )
        log.info("telegram started mode=%s", "webhook" if self.webhook_mode else "polling")

    async def start_polling(self) -> None:
        """Fetch updates from Telegram (long polling) until `stop_polling`."""
        assert self.application.updater is not None
        if not self.application.updater.running:
            await self.application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)

    async def stop_polling(self) -> None:
        """Stop fetching updates (another process may be about to start)."""
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()

    async def stop(self) -> None:
        """Stop polling (if it runs) and the application, then shut it down."""
        await self.stop_polling()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    # -- webhook -------------------------------------------------------------------------------

    async def webhook(self, request: Request) -> Response:
        """The webhook endpoint (mounted by the server in webhook mode): the secret header must
        match; a body that is not an update is a 400, never a 5xx Telegram would retry for a day;
        an update seen recently is acknowledged and not answered again."""
        expected = self._settings.telegram_webhook_secret or ""
        given = request.headers.get(SECRET_HEADER, "")
        if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            return JSONResponse({"error": "forbidden"}, status_code=403)
        body = await request.body()
        if len(body) > MAX_UPDATE_BYTES:
            return JSONResponse({"error": "too large"}, status_code=413)
        # Telegram would retry a 5xx for a day; a malformed body will never get better, so
        # anything that is not an update is a 400.
        try:
            data = json.loads(body)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("not an update object")
            # PTB raises AttributeError/TypeError when a nested field has the wrong type.
            update = Update.de_json(data, self.application.bot)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError, TelegramError):
            # RecursionError: JSON nested thousands deep.
            log.warning("telegram webhook body rejected")
            return JSONResponse({"error": "not an update"}, status_code=400)
        if self._seen_update(update.update_id):
            return JSONResponse({"ok": True, "duplicate": True})
        try:
            await self.application.process_update(update)
        except Exception as exc:
            # A body that parsed but holds nonsense (a list where an id goes...) fails deep
            # in the library: it will never get better, so refuse it, never a 5xx.
            log.warning("telegram update not processed error=%s", type(exc).__name__)
            return JSONResponse({"error": "not an update"}, status_code=400)
        return JSONResponse({"ok": True})

    def _seen_update(self, update_id: int) -> bool:
        if update_id in self._recent_set:
            return True
        self._recent.append(update_id)
        self._recent_set.add(update_id)
        if len(self._recent) > RECENT_UPDATES:
            self._recent_set.discard(self._recent.popleft())
        return False

    # -- handlers ----------------------------------------------------------------------------

    async def _on_message(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None:
            return
        inbound = InboundMessage(
            channel=CHANNEL,
            sender_id=str(chat.id),
            # Message ids are unique per chat, so the chat id is part of the key.
            message_id=f"{chat.id}:{message.message_id}",
            kind=_kind(message),
            text=message.text,
            reply_to=(
                f"{chat.id}:{message.reply_to_message.message_id}"
                if message.reply_to_message is not None
                else None
            ),
        )
        await self._reply(chat.id, inbound)

    async def _on_button(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        # Always answer, or the button spins on the young person's phone.
        await query.answer()
        chat_id = query.message.chat.id if query.message is not None else query.from_user.id
        if query.message is not None and query.message.chat.type != "private":
            return
        inbound = InboundMessage(
            channel=CHANNEL,
            sender_id=str(chat_id),
            message_id=f"cb:{query.id}",
            kind="button",
            payload=query.data or "",
        )
        await self._reply(chat_id, inbound)

    async def _reply(self, chat_id: int, inbound: InboundMessage) -> None:
        messages = await asyncio.to_thread(self.flood.admit, inbound)
        if messages is None:
            turn: Turn = await asyncio.to_thread(self._engine.handle, inbound)
            messages = list(turn.messages)
        try:
            for message in messages:
                await send_pieces(self.application.bot, chat_id, message.text, message.buttons)
        except Forbidden:
            # They blocked the bot between writing and our answer: mark it, tell their PA.
            await asyncio.to_thread(self._engine.mark_unreachable, CHANNEL, str(chat_id))

    # -- the outbox: messages the bot sends first (PA replies, notifications, check-ins) -----

    async def send(self, delivery: Delivery) -> str | None:
        """The outbox's sender for this channel (see TelegramSender.send)."""
        return await self.sender.send(delivery)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = getattr(update, "effective_chat", None)
        log.error(
            "telegram handler error chat=%s error=%s",
            pseudonym(str(chat.id)) if chat else None,
            type(context.error).__name__,
        )
