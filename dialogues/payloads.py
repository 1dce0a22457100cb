"""Button payloads: short 'kind:value' strings that fit Telegram's 64-byte callback data."""

from __future__ import annotations

from dataclasses import dataclass

TOPIC = "topic"  # topic:council_tax -> answer that topic
MORE = "more"  # more:council_tax -> the topic's detail
INTENT = "intent"  # intent:pa_contact -> act as if the intent was recognised
COUNCIL = "council"  # council:plymouth -> an anonymous visitor picks their council
MENU = "menu"  # menu: -> the topic menu
LANG = "lang"  # lang:ar -> speak this language from now on
_KINDS = (TOPIC, MORE, INTENT, COUNCIL, MENU, LANG)


@dataclass(frozen=True)
class Payload:
    kind: str
    value: str

    def encode(self) -> str:
        return f"{self.kind}:{self.value}"


def make(kind: str, value: str = "") -> str:
    encoded = Payload(kind, value).encode()
    if kind not in _KINDS or len(encoded.encode()) > 64:
        raise ValueError(f"bad payload {encoded!r}")
    return encoded


def parse(raw: str | None) -> Payload | None:
    """A known payload, or None for anything forged, stale or malformed."""
    if not raw or len(raw) > 64 or ":" not in raw:
        return None
    kind, _, value = raw.partition(":")
    if kind not in _KINDS or (kind != MENU and not value):
        return None
    if not all(c.isalnum() or c in "_-" for c in value):
        return None
    return Payload(kind, value)
