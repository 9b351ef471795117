"""The event loop every provtop entry point runs on: uvloop where it is installed, else asyncio's.

The TUI, the engine and asyncssh share one loop, and a big ssh_async transfer is bound by how
much work that loop does per SSH packet. uvloop does its part of that work (socket reads and
writes, callbacks, timers) in C, which leaves more of the loop to the transfer and to the screen.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    try:
        import uvloop
    except ImportError:  # not on every platform (Windows); asyncio's loop is the fallback
        return asyncio.new_event_loop
    return uvloop.new_event_loop


new_event_loop: Callable[[], asyncio.AbstractEventLoop] = _loop_factory()
"""A new loop of the kind provtop runs on."""


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run `main` to completion on a new loop of provtop's kind, like `asyncio.run`."""
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(main)
