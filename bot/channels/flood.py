"""Per-sender flood limits for the messaging channels (Telegram, WhatsApp)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from bot.logsafe import pseudonym
from bot.messages import InboundMessage, OutgoingMessage
from bot.rate_limit import RateLimiter
from dialogues.engine import DialogueEngine

log = logging.getLogger(__name__)

# Generous: someone upset may send a dozen short messages in a few seconds. A flood past
# this is not run through the classifiers and the database at all.
PER_MINUTE = 30
BURST = 20


class FloodGuard:
    """Decides, before the engine, whether a message from one chat is handled. A message
    that reads as risk (lexicon or risk classifier), says stop, or is a safety button is;
    a held-back sender is told to slow down (with the emergency numbers) once a minute."""

    def __init__(
        self,
        engine: DialogueEngine,
        *,
        per_minute: float = PER_MINUTE,
        burst: int = BURST,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self.limiter = RateLimiter(per_minute=per_minute, burst=burst, clock=clock)
        self._told = RateLimiter(per_minute=1, burst=1, clock=clock)

    def admit(self, inbound: InboundMessage) -> list[OutgoingMessage] | None:
        """None: handle the message as usual. A list: send that instead (maybe nothing).
        Blocking (a database read when telling): call it off the event loop."""
        key = f"{inbound.channel}:{inbound.sender_id}"
        if self.limiter.allow(key) or self._engine.must_pass(inbound):
            return None
        log.warning(
            "flood held channel=%s sender=%s", inbound.channel, pseudonym(inbound.sender_id)
        )
        if not self._told.allow(key):
            return []
        return [self._engine.slow_down(inbound.channel, inbound.sender_id)]
