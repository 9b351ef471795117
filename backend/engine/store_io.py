"""Store access for the engine without blocking its event loop.

Writes run on one writer thread that commits them in groups: whatever is queued when the thread
wakes goes into one transaction, each operation in its own savepoint, so a thousand processes
stepping at once cost a handful of commits instead of a thousand. Reads run on a small pool.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from ..store.store import Store

T = TypeVar("T")
logger = logging.getLogger(__name__)

MAX_GROUP = 200


@dataclass
class _Operation:
    function: Callable[[Session], Any]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]


def _resolve(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class StoreIO:
    """Runs store work off the loop: `await io.write(fn)` and `await io.read(fn)`.

    A write gets the session of its transaction; a read opens what it needs. Both run in other
    threads, may use the entity API freely (it joins the transaction) and must not touch the loop.
    """

    def __init__(self, store: Store, *, readers: int = 2) -> None:
        self.store = store
        self._queue: queue.SimpleQueue[_Operation | None] = queue.SimpleQueue()
        self._readers = ThreadPoolExecutor(readers, thread_name_prefix="provtop-read")
        self._writer = threading.Thread(target=self._write_loop, name="provtop-write", daemon=True)
        self._writer.start()
        self.commits = 0
        self.operations = 0  # writes attempted, committed or not

    async def write(self, function: Callable[[Session], T]) -> T:
        return await self.queue_write(function)

    def queue_write(self, function: Callable[[Session], T]) -> asyncio.Future[T]:
        """Queue a write now (writes commit in the order they are queued); await the future for its result."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_Operation(function, loop, future))
        return future

    async def read(self, function: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._readers, function)

    def close(self) -> None:
        self._queue.put(None)
        self._writer.join(timeout=30)
        self._readers.shutdown(wait=True)

    # -- the writer thread --------------------------------------------------------------------

    def _write_loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            stop = False
            while len(group) < MAX_GROUP:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                group.append(item)
            self._commit_group(group)
            if stop:
                return

    def _commit_group(self, group: list[_Operation]) -> None:
        if len(group) == 1:
            self._commit_alone(group[0])
            return
        outcomes: list[tuple[Any, BaseException | None]] = []
        self.operations += len(group)
        try:
            with self.store.transaction() as session:
                for operation in group:
                    try:
                        with session.begin_nested():
                            outcomes.append((operation.function(session), None))
                    except Exception as exc:  # reported to its own caller only
                        outcomes.append((None, exc))
        except Exception as exc:
            # The commit itself failed, so nothing of the group is stored. Entities it touched may
            # believe otherwise, so every caller gets the error rather than a silent retry.
            logger.error("group commit of %d operations failed: %s", len(group), exc)
            for operation in group:
                operation.loop.call_soon_threadsafe(_resolve, operation.future, None, exc)
            return
        self.commits += 1
        for operation, (result, error) in zip(group, outcomes, strict=True):
            operation.loop.call_soon_threadsafe(_resolve, operation.future, result, error)

    def _commit_alone(self, operation: _Operation) -> None:
        self.operations += 1
        try:
            with self.store.transaction() as session:
                result = operation.function(session)
        except BaseException as exc:
            operation.loop.call_soon_threadsafe(_resolve, operation.future, None, exc)
            return
        self.commits += 1
        operation.loop.call_soon_threadsafe(_resolve, operation.future, result, None)
