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

# Every content file's path, modification time and size: what says the files changed.
Stamp = tuple[tuple[str, int, int], ...]
# The last content loaded from each folder in this process. Offers are immutable, so a second
# store on unchanged files (each test's runtime, a CLI command after start-up) shares it
# instead of reading and checking 2,000 files again.
_LOADED: dict[Path, tuple[Stamp, Offer]] = {}
_KEEP = 4  # folders; a deployment has one, the test suite many short-lived ones


def _stamp(root: Path) -> Stamp:
    return tuple(
        (str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(root.rglob("*.yml"))
    )


def _load_unless_loaded(root: Path, stamp: Stamp) -> Offer:
    known = _LOADED.get(root)
    if known is not None and known[0] == stamp:
        return known[1]
    offer = load_offer(root)
    _remember(root, stamp, offer)
    return offer


def _remember(root: Path, stamp: Stamp, offer: Offer) -> None:
    _LOADED.pop(root, None)
    _LOADED[root] = (stamp, offer)
    while len(_LOADED) > _KEEP:
        del _LOADED[next(iter(_LOADED))]  # the folder loaded longest ago


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
        self._stamp = self._fingerprint()
        # A broken start-up is an error, not a silent empty bot.
        self._offer = _load_unless_loaded(root, self._stamp)
        self._checked = time.monotonic()
        self.last_error: str | None = None

    def _fingerprint(self) -> Stamp:
        return _stamp(self.root)

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

    def reload(self, stamp: Stamp | None = None) -> bool:
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
        _remember(self.root, stamp, offer)
        log.info("content reloaded councils=%d", len(offer.councils))
        if self.on_reload is not None:
            self.on_reload(offer)
        return True
