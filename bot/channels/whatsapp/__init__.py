"""WhatsApp through the Cloud API: our own signed webhook in, pywa's async client out."""

# The webhook is ours, not pywa's: the X-Hub-Signature-256 HMAC is checked on the raw body
# before anything is parsed (webhook), and every message goes through DialogueEngine.handle
# like any other channel's (channel). pywa is only the typed client that sends, over our own
# httpx session (sender), what formatting has cut to WhatsApp's limits. Everything importers
# used from the single module this once was is re-exported here.

from __future__ import annotations

from bot.channels.whatsapp.channel import MAX_BODY_BYTES, StatusHook, WhatsAppChannel
from bot.channels.whatsapp.formatting import (
    BUTTON_TITLE_LIMIT,
    INTERACTIVE_TEXT_LIMIT,
    LIST_BUTTON_LABEL,
    LIST_SECTION_TITLE,
    MAX_LIST_ROWS,
    MAX_REPLY_BUTTONS,
    ROW_TITLE_LIMIT,
    TEXT_LIMIT,
    Part,
    keyboard,
    plan,
    split_text,
)
from bot.channels.whatsapp.sender import (
    PAIR_RATE_CODE,
    PAIR_RATE_WAIT,
    THROTTLE_WAIT,
    THROUGHPUT_CODES,
    TRANSIENT_CODES,
    UNDELIVERABLE_CODE,
    UNSUPPORTED_TYPE_CODE,
    WINDOW_CLOSED_CODE,
    WhatsAppDeliveryError,
    WhatsAppSender,
)
from bot.channels.whatsapp.webhook import (
    CHANNEL,
    SIGNATURE_HEADER,
    Incoming,
    Status,
    parse_message,
    parse_status,
)
from bot.outbox import WINDOW_CLOSED

__all__ = [
    "BUTTON_TITLE_LIMIT",
    "CHANNEL",
    "INTERACTIVE_TEXT_LIMIT",
    "LIST_BUTTON_LABEL",
    "LIST_SECTION_TITLE",
    "MAX_BODY_BYTES",
    "MAX_LIST_ROWS",
    "MAX_REPLY_BUTTONS",
    "PAIR_RATE_CODE",
    "PAIR_RATE_WAIT",
    "ROW_TITLE_LIMIT",
    "SIGNATURE_HEADER",
    "TEXT_LIMIT",
    "THROTTLE_WAIT",
    "THROUGHPUT_CODES",
    "TRANSIENT_CODES",
    "UNDELIVERABLE_CODE",
    "UNSUPPORTED_TYPE_CODE",
    "WINDOW_CLOSED",
    "WINDOW_CLOSED_CODE",
    "Incoming",
    "Part",
    "Status",
    "StatusHook",
    "WhatsAppChannel",
    "WhatsAppDeliveryError",
    "WhatsAppSender",
    "keyboard",
    "parse_message",
    "parse_status",
    "plan",
    "split_text",
]
