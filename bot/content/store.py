"""Serves the last good content and reloads it when council staff edit a file."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bot.content.loader import load_offer
from bot.content.model import ContentError, Offer

log = logging.getLogger(__name__)


class ContentStore:
    """current() is cheap: it re-reads the folder only when a file changed, at most every
    `check_every` seconds, and a bad edit never replaces the content that was working."""

    def __init__(
        self,
        root: Path,
        *,
        check_every: float = 2.0,
        on_reload: Callable[[Offer], None] | None = None,
    ) -> None:
        self.root = root
        self._check_every = check_every
        self.on_reload = on_reload
        self._lock = threading.Lock()
        self._offer = load_offer(root)  # a broken start-up is an error, not a silent empty bot
        self._stamp = self._fingerprint()
        self._checked = time.monotonic()
        self.last_error: str | None = None

    def _fingerprint(self) -> tuple[tuple[str, int, int], ...]:
        return tuple(
            (str(p), p.stat().st_mtime_ns, p.stat().st_size)
            for p in sorted(self.root.rglob("*.yml"))
        )

    def current(self) -> Offer:
        """The content to answer with, called every turn: the last good load, checked against the
        files at most every `check_every` seconds. A broken edit keeps the old (`last_error`)."""
        if time.monotonic() - self._checked < self._check_every:
            return self._offer
        with self._lock:
            self._checked = time.monotonic()
            stamp = self._fingerprint()
            if stamp != self._stamp:
                self.reload(stamp)
            return self._offer

    def reload(self, stamp: tuple[tuple[str, int, int], ...] | None = None) -> bool:
        """Try the files on disk now; True when they were loaded."""
        stamp = stamp or self._fingerprint()
        try:
            offer = load_offer(self.root)
        except ContentError as exc:
            self.last_error = str(exc)
            self._stamp = stamp  # do not retry the same broken files on every message
            log.error("content edit rejected, still serving the last good content: %s", exc)
            return False
        self._offer, self._stamp, self.last_error = offer, stamp, None
        log.info("content reloaded councils=%d", len(offer.councils))
        if self.on_reload is not None:
            self.on_reload(offer)
        return True
