"""Swaps in a newly trained model while the bot runs, loaded in the background."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from nlu.result import Interpreter, NluResult

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelInfo:
    """Which model answers: its training fingerprint (data + config) and when it was built."""

    fingerprint: str | None
    trained_at: str | None

    @classmethod
    def of(cls, model_path: Path) -> ModelInfo:
        """The model file at `model_path` as it is now (None for what is missing)."""
        stamp = model_path.with_name(model_path.name + ".fingerprint")
        fingerprint = stamp.read_text().strip()[:12] if stamp.is_file() else None
        trained_at = (
            datetime.fromtimestamp(model_path.stat().st_mtime, timezone.utc).isoformat(
                timespec="seconds"
            )
            if model_path.is_file()
            else None
        )
        return cls(fingerprint, trained_at)


def _file_stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


class ReloadingInterpreter:
    """Parses with the model it has; `check()` (called every few seconds by the server, and
    by `parse` at most every `check_every` seconds) notices when `carebot train` replaced the
    model file, loads the new one in a background thread and swaps it in. Messages are
    answered by the old model meanwhile; a model that fails to load is logged and skipped."""

    def __init__(
        self,
        model_path: Path,
        load: Callable[[Path], Interpreter],
        *,
        check_every: float = 10.0,
    ) -> None:
        self._path = model_path
        self._load = load
        self._check_every = check_every
        self._stamp = _file_stamp(model_path)
        self._current = load(model_path)
        self.info = ModelInfo.of(model_path)
        self._checked = time.monotonic()
        self._loading: threading.Thread | None = None
        self._lock = threading.Lock()

    def parse(self, text: str) -> NluResult:
        """Classify with the current model, first checking for a new one when it is time."""
        if time.monotonic() - self._checked >= self._check_every:
            self.check()
        return self._current.parse(text)

    def check(self) -> bool:
        """Start loading a changed model file; True when a load was started."""
        with self._lock:
            self._checked = time.monotonic()
            stamp = _file_stamp(self._path)
            if stamp is None or stamp == self._stamp:
                return False
            if self._loading is not None and self._loading.is_alive():
                return False
            self._stamp = stamp
            self._loading = threading.Thread(target=self._swap, name="nlu-reload", daemon=True)
            self._loading.start()
            return True

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a load in progress (tests, and a clean shutdown)."""
        loading = self._loading
        if loading is not None:
            loading.join(timeout)

    def _swap(self) -> None:
        started = time.perf_counter()
        try:
            fresh = self._load(self._path)
        except Exception as exc:  # keep answering with the model that works
            log.error("new NLU model not loaded, keeping the old one error=%s", exc)
            return
        self._current = fresh
        self.info = ModelInfo.of(self._path)
        log.info(
            "NLU model reloaded fingerprint=%s seconds=%.1f",
            self.info.fingerprint,
            time.perf_counter() - started,
        )
