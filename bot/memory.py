"""Keeps Python's garbage collector from pausing turns to walk the loaded model."""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def settle(*, collect: bool = False) -> None:
    """Set everything alive now aside from later garbage collections.

    A loaded process holds half a million objects (Rasa, TensorFlow, the models) that live as
    long as it does, and a full collection walks them all: 250-290 ms on the 2-core machine,
    a turn stalled for everyone waiting. Such collections are rare (none in 3,000 turns, as
    they wait for a quarter as many new long-lived objects), which is why this is cheap
    insurance rather than a speed-up. Frozen objects are never walked, and never freed:
    call it only where the process will serve until it stops (`carebot run`, once it is
    ready; not in tests, which would keep every earlier test's database connections).
    Without `collect` it costs nothing; with it, a full collection first (a quarter of a
    second), for after the model is replaced."""
    if collect:
        gc.unfreeze()
        gc.collect()
    gc.freeze()
    log.info("%d objects set aside from garbage collection", gc.get_freeze_count())


def after_model_swap() -> None:
    """The old model's objects were set aside with the rest: collect them, if this process
    set anything aside at all."""
    if gc.get_freeze_count():
        settle(collect=True)
