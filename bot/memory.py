"""Keeps Python's garbage collector from pausing turns to walk the loaded model."""

from __future__ import annotations

import gc


def settle(*, collect: bool = False) -> None:
    """Set everything alive now aside from later garbage collections.

    A loaded process holds half a million objects (Rasa, TensorFlow, the models) that live as
    long as it does, and a full collection walks them all: 250-290 ms on the 2-core machine,
    a turn stalled for everyone waiting. Such collections are rare (none in 3,000 turns, as
    they wait for a quarter as many new long-lived objects), which is why this is cheap
    insurance rather than a speed-up. Frozen objects are never walked; what turns create is
    collected as before. Call it once the process is ready (without `collect`: a full
    collection there would add a quarter of a second to every start), and with `collect`
    after the model is replaced, so the old one's objects are freed rather than kept."""
    if collect:
        gc.unfreeze()
        gc.collect()
    gc.freeze()
