"""Process events: what the TUI draws while the engine runs in the same process.

A client in another process (or with the engine on another machine) gets the same facts by
polling the store for processes whose mtime moved: see `ProcessActions.process_changes`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from pydantic import BaseModel

from .leases import utcnow


class ProcessEvent(BaseModel):
    pk: int
    process_label: str | None = None
    state: str
    status: str | None = None
    step: str | None = None
    paused: bool = False
    exit_status: int | None = None
    at: datetime

    @classmethod
    def now(cls, **fields: object) -> ProcessEvent:
        return cls(at=utcnow(), **fields)  # type: ignore[arg-type]


Callback = Callable[[ProcessEvent], None]


class EventBus:
    """Fan-out of process events on the engine's loop; a slow subscriber drops, never blocks."""

    def __init__(self, queue_size: int = 10_000) -> None:
        self._callbacks: list[Callback] = []
        self._queue_size = queue_size

    def subscribe(self, callback: Callback) -> Callable[[], None]:
        self._callbacks.append(callback)
        return lambda: self._callbacks.remove(callback) if callback in self._callbacks else None

    def publish(self, event: ProcessEvent) -> None:
        for callback in list(self._callbacks):
            callback(event)

    async def events(self) -> AsyncIterator[ProcessEvent]:
        queue: asyncio.Queue[ProcessEvent] = asyncio.Queue(self._queue_size)

        def put(event: ProcessEvent) -> None:
            if not queue.full():
                queue.put_nowait(event)

        unsubscribe = self.subscribe(put)
        try:
            while True:
                yield await queue.get()
        finally:
            unsubscribe()
