"""The dialogue engine: one path from a normalised message to a reply, for every channel."""

from bot.messages import Button, InboundMessage, OutgoingMessage, Turn

__all__ = ["Button", "InboundMessage", "OutgoingMessage", "Turn"]
