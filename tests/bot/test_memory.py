"""What is alive when `carebot run` is ready is set aside from garbage collection; garbage is not.
(That a real `carebot run` does it is checked by the leader and workers tests, from its log.)"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from bot import memory


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def _cycle() -> weakref.ref[Node]:
    """Garbage only the collector can free; a weak reference to see whether it was."""
    lost = Node()
    lost.other = Node()
    lost.other.other = lost
    return weakref.ref(lost)


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # never leave this test process's objects frozen


def test_settle_sets_the_living_aside() -> None:
    kept = Node()
    memory.settle()
    assert gc.get_freeze_count() > 0
    assert not any(o is kept for o in gc.get_objects())  # frozen objects are not listed


def test_with_collect_garbage_is_freed_first() -> None:
    gone = _cycle()
    memory.settle(collect=True)
    assert gone() is None
    assert gc.get_freeze_count() > 0


def test_after_a_model_swap_the_old_objects_are_freed() -> None:
    memory.settle()
    gone = _cycle()  # like the old model: set aside, then garbage
    gc.collect()
    memory.after_model_swap()
    assert gone() is None
    assert gc.get_freeze_count() > 0


def test_a_process_that_set_nothing_aside_is_left_alone() -> None:
    memory.after_model_swap()
    assert gc.get_freeze_count() == 0
