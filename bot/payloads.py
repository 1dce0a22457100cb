"""Button payloads: short 'kind:value' strings that fit Telegram's 64-byte callback data."""

from __future__ import annotations

from dataclasses import dataclass

TOPIC = "topic"  # topic:council_tax -> answer that topic
MORE = "more"  # more:council_tax -> the topic's detail
INTENT = "intent"  # intent:pa_contact -> act as if the intent was recognised
COUNCIL = "council"  # council:plymouth -> an anonymous visitor picks their council
MENU = "menu"  # menu: -> the topic menu
LANG = "lang"  # lang:ar -> speak this language from now on
KIT = "kit"  # kit:good -> an answer to a check-in; kit:restart -> messages again after stop
OPTIN = "optin"  # optin:yes -> keep PA support after 21
PRIVACY = "privacy"  # privacy:delete_yes -> delete my messages with the bot
SAFE = "safe"  # safe:yes|no -> "Are you safe right now?" after a risk; safe:ok|no -> a check
_KINDS = (TOPIC, MORE, INTENT, COUNCIL, MENU, LANG, KIT, OPTIN, PRIVACY, SAFE)
# The values these may carry; anything else is forged or stale.
VALUES = {
    KIT: frozenset({"good", "ok", "not_good", "restart"}),
    OPTIN: frozenset({"yes", "no", "not_sure"}),
    PRIVACY: frozenset({"delete", "delete_yes", "delete_no", "stop_yes", "stop_no"}),
    SAFE: frozenset({"yes", "no", "ok"}),
}


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
    if kind in VALUES and value not in VALUES[kind]:
        return None
    return Payload(kind, value)
