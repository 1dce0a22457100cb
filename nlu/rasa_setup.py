"""Process-wide Rasa settings: telemetry off and no log line carrying a user's text.

Importing this module applies them, so the modules that use Rasa import it before Rasa."""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import structlog

_done = False


def quiet_rasa() -> None:
    """Call before importing rasa; idempotent."""
    global _done
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"
    # TensorFlow's C++ start-up chatter goes straight to stderr otherwise.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if _done:
        return
    _done = True
    # Rasa's dependencies warn loudly about each other at import time; none of it is ours.
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    warnings.simplefilter("ignore", DeprecationWarning)
    warnings.simplefilter("ignore", FutureWarning)
    # Rasa logs each parse, text included, through structlog at debug level.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    for name in ("rasa", "tensorflow", "absl", "matplotlib", "h5py", "urllib3", "sanic"):
        logging.getLogger(name).setLevel(logging.WARNING)


@contextmanager
def keep_logging() -> Iterator[None]:
    """Rasa resets the root logger's level and handlers when it loads or trains a model."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        yield
    finally:
        root.setLevel(level)
        root.handlers[:] = handlers


# Before anything imports Rasa: nlu.training and nlu.rasa_interpreter import this module first.
quiet_rasa()

# Rasa saves and loads its classifier with skops, whose import looks every name it trusts up
# in every loaded module: 1.4 s before Rasa and TensorFlow are loaded, 6.5 s after. Imported
# here, before them, it costs every start, training run and CLI command 5 s less. Its import
# also sets the root logger to WARNING (through numpy.distutils), which silenced the bot's
# own INFO lines ("leading: ...", each turn), so the level is kept.
with keep_logging():
    import skops.io  # noqa: F401  # isort: skip
