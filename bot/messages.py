"""Frozen messages that cross the boundary between channel adapters, the engine and the outbox
(the normalised message in, the replies out); every layer may use them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# What a channel can hand over; anything but text and button is answered politely, not parsed.
KINDS = ("text", "button", "sticker", "photo", "voice", "video", "file", "location", "other")


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class OutgoingMessage:
    text: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class InboundMessage:
    channel: str  # "terminal", "web", "telegram", "whatsapp"
    sender_id: str  # the channel's id for the person (chat id, visitor id...)
    message_id: str  # the channel's id for this message; duplicates are answered once
    kind: str = "text"
    text: str | None = None
    payload: str | None = None  # set when kind == "button"
    # The channel's id of the message this one replies to (a PA replying to a notification).
    reply_to: str | None = None
    # What the page chose for this chat (the web chat: a council's own site presets its
    # council; the language menu), applied in the same transaction as the message. An
    # unknown council or language is ignored, not an error: the bot asks instead.
    council_id: str | None = None
    language: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown message kind {self.kind!r}")
        if not self.sender_id or not self.message_id:
            raise ValueError("sender_id and message_id are required")


@dataclass(frozen=True)
class Turn:
    """What the engine understood and what it answers; the chat protocol prints this."""

    input: str
    language: str
    messages: tuple[OutgoingMessage, ...] = ()
    intent: str | None = None
    confidence: float | None = None
    topic: str | None = None
    safety: str | None = None
    escalation: dict[str, Any] | None = None
    duplicate: bool = False
    # False when the database failed: nothing of this turn was kept (dialogues/unstored.py).
    stored: bool = True
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def as_protocol(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "intent": self.intent,
            "confidence": None if self.confidence is None else round(self.confidence, 4),
            "topic": self.topic,
            "safety": self.safety,
            "language": self.language,
            "escalation": self.escalation,
            "messages": [
                {
                    "text": m.text,
                    "buttons": [{"title": b.title, "payload": b.payload} for b in m.buttons],
                }
                for m in self.messages
            ],
        }
