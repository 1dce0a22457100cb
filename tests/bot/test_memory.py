"""What is alive when the process is ready is set aside from garbage collection; garbage is not."""

from __future__ import annotations

import gc
import weakref

import httpx

from bot import memory
from bot.runtime import Runtime
from bot.server import create_app
from tests.support.servers import serve


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_settle_after_a_new_model_collects_garbage_then_sets_the_living_aside() -> None:
    gc.unfreeze()
    kept, lost = Node(), Node()
    lost.other = Node()
    lost.other.other = lost  # a cycle only the collector can free
    gone = weakref.ref(lost)
    del lost
    memory.settle(collect=True)
    try:
        assert gone() is None
        assert gc.get_freeze_count() > 0
        assert not any(o is kept for o in gc.get_objects())  # frozen objects are not listed
    finally:
        gc.unfreeze()


def test_a_ready_app_has_settled(runtime: Runtime) -> None:
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        with serve(create_app(runtime), lifespan="on") as url:
            assert httpx.get(f"{url}/healthz", timeout=60).status_code == 200
            assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
