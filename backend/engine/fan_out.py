"""Running one transport action over many items a few at a time.

Small files cost a round trip each, not bandwidth: fetching a job's five output files one after
another took five round trips (300 ms over a busy SSH connection), a few at a time about one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

T = TypeVar("T")

AT_ONCE = 4


async def fan_out(items: Iterable[T], action: Callable[[T], Awaitable[object]], at_once: int = AT_ONCE) -> None:
    """Run `action` on every item, at most `at_once` at a time; the first error cancels the rest and is raised."""
    gate = asyncio.Semaphore(at_once)

    async def one(item: T) -> None:
        async with gate:
            await action(item)

    tasks = [asyncio.ensure_future(one(item)) for item in items]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
