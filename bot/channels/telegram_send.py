"""Sending to Telegram: HTML pieces under its length limit, inline buttons, and the outbox's
sender (errors as DeliveryError)."""

from __future__ import annotations

import html
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.channels.text import split_text
from bot.outbox import Delivery, DeliveryError

MAX_MESSAGE_CHARS = 4096


def keyboard(buttons: Any) -> InlineKeyboardMarkup | None:
    """Inline buttons, one to a row (each carries its payload as callback data); None if none."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.title, callback_data=b.payload)] for b in buttons]
    )


def html_pieces(text: str) -> list[str]:
    """The text as HTML-escaped pieces under Telegram's 4,096-character limit."""
    pieces: list[str] = []
    for raw in split_text(text, MAX_MESSAGE_CHARS):
        escaped = html.escape(raw, quote=False)
        if len(escaped) <= MAX_MESSAGE_CHARS:
            pieces.append(escaped)
        else:  # many & < > in one piece: escaping made it too long, so cut it finer
            pieces += [html.escape(p, quote=False) for p in split_text(raw, MAX_MESSAGE_CHARS // 5)]
    return pieces


async def send_pieces(bot: Bot, chat_id: int, text: str, buttons: Any) -> Message:
    """Send one message (split if long; the buttons go with the last piece) as HTML, so
    nothing anyone typed can be taken for formatting."""
    pieces = html_pieces(text or " ")
    markup = keyboard(buttons)
    sent: Message | None = None
    for n, piece in enumerate(pieces):
        last = n == len(pieces) - 1
        sent = await bot.send_message(
            chat_id,
            piece,
            parse_mode=ParseMode.HTML,
            reply_markup=markup if last else None,
        )
    assert sent is not None
    return sent


class TelegramSender:
    """Sends queued outbox messages with python-telegram-bot's Bot (no Application needed,
    so a worker or a benchmark can use it on its own)."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, delivery: Delivery) -> str | None:
        """Send one queued message; the returned id ("chat:message") threads replies back."""
        try:
            chat_id = int(delivery.address)
        except ValueError as exc:
            raise DeliveryError("not a Telegram chat id", permanent=True) from exc
        try:
            sent = await send_pieces(self._bot, chat_id, delivery.body, delivery.buttons)
        except Forbidden as exc:
            # They blocked the bot (or deleted their account): sending again will not help.
            raise DeliveryError("blocked by the user", unreachable=True) from exc
        except RetryAfter as exc:
            retry = exc.retry_after
            seconds = retry.total_seconds() if hasattr(retry, "total_seconds") else float(retry)
            raise DeliveryError("throttled by Telegram", retry_after=seconds) from exc
        except BadRequest as exc:
            raise DeliveryError("refused by Telegram", permanent=True) from exc
        except TimedOut as exc:
            # Sent, perhaps, but no answer came: sending again could say it twice.
            raise DeliveryError("no answer from Telegram", in_doubt=True) from exc
        except NetworkError as exc:
            raise DeliveryError(f"telegram {type(exc).__name__}") from exc
        return f"{sent.chat.id}:{sent.message_id}"
