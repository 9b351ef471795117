"""`provtop engine run` takes start-up objects out of the cycle collector's reach, garbage excepted."""

from __future__ import annotations

import gc
import weakref

from provtop.backend.engine.engine import freeze_startup_objects


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_freezing_keeps_live_objects_out_of_collections_and_frees_garbage_first() -> None:
    kept = Cycle()
    garbage = Cycle()
    dropped = weakref.ref(garbage)
    del garbage
    try:
        freeze_startup_objects()
        assert dropped() is None  # collected before the freeze, not frozen for ever
        assert gc.get_freeze_count() > 0
        assert not any(obj is kept for obj in gc.get_objects())  # full collections no longer walk it
    finally:
        gc.unfreeze()
