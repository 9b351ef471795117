"""The monitor's event stream: publishers on any thread, subscribers on the event loop, batches coalesced.

Sources publish `MonitorEvent`s (a process changed, the status counts moved, the transfer meter
ticked, a dump advanced). A subscriber receives `EventBatch`es: everything published since its last
batch, merged (the newest row per pk, the newest status and transfer figures), at most
`max_batches_per_second` of them, so a fast producer never makes the UI redraw more than that.

Until the engine publishes its own events, `StorePoller` finds changes by polling the store's
mtime index in a thread; an engine calls `EventHub.publish` directly and the poller becomes a
safety net that catches changes made by other engines or the command line.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal, Protocol

from pydantic import BaseModel, Field

from .snapshots import MonitorStatus, ProcessRow, TransferStats

logger = logging.getLogger(__name__)


class ProcessesChanged(BaseModel):
    kind: Literal["processes"] = "processes"
    rows: list[ProcessRow]


class StatusChanged(BaseModel):
    kind: Literal["status"] = "status"
    status: MonitorStatus


class TransfersTicked(BaseModel):
    kind: Literal["transfers"] = "transfers"
    stats: TransferStats


class DumpProgressed(BaseModel):
    kind: Literal["dump"] = "dump"
    dump_id: str
    done: int
    total: int | None = None
    message: str = ""
    finished: bool = False


MonitorEvent = Annotated[
    ProcessesChanged | StatusChanged | TransfersTicked | DumpProgressed, Field(discriminator="kind")
]


class EventBatch(BaseModel):
    """Everything that happened since the previous batch, merged."""

    processes: dict[int, ProcessRow] = Field(default_factory=dict, description="The newest row per pk.")
    status: MonitorStatus | None = None
    transfers: TransferStats | None = None
    dumps: dict[str, DumpProgressed] = Field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not (self.processes or self.status or self.transfers or self.dumps)

    def add(self, event: ProcessesChanged | StatusChanged | TransfersTicked | DumpProgressed) -> None:
        if isinstance(event, ProcessesChanged):
            for row in event.rows:
                known = self.processes.get(row.pk)
                if known is None or known.mtime <= row.mtime:
                    self.processes[row.pk] = row
        elif isinstance(event, StatusChanged):
            self.status = event.status
        elif isinstance(event, TransfersTicked):
            self.transfers = event.stats
        else:
            self.dumps[event.dump_id] = event


class EventSource(Protocol):
    """Something that publishes events while anyone listens: started with the first subscriber."""

    def start(self, publish: Callable[[MonitorEvent], None]) -> None: ...

    def stop(self) -> None: ...


class EventSubscription:
    """An async iterator of coalesced batches; `close()` (or leaving `async with`) unsubscribes."""

    def __init__(self, hub: EventHub, loop: asyncio.AbstractEventLoop) -> None:
        self._hub = hub
        self._loop = loop
        self._pending = EventBatch()
        self._lock = threading.Lock()
        self._ready = asyncio.Event()
        self._last_delivery = float("-inf")
        self.closed = False

    def _offer(self, event: ProcessesChanged | StatusChanged | TransfersTicked | DumpProgressed) -> None:
        with self._lock:
            self._pending.add(event)
        try:
            self._loop.call_soon_threadsafe(self._ready.set)
        except RuntimeError:  # the loop closed: nobody is listening any more
            pass

    def __aiter__(self) -> AsyncIterator[EventBatch]:
        return self

    async def __anext__(self) -> EventBatch:
        while True:
            if self.closed:
                raise StopAsyncIteration
            await self._ready.wait()
            wait = self._last_delivery + self._hub.min_interval - self._hub.clock()
            if wait > 0:
                await asyncio.sleep(wait)
            with self._lock:
                batch, self._pending = self._pending, EventBatch()
                self._ready.clear()
            if self.closed:
                raise StopAsyncIteration
            if not batch.is_empty:
                self._last_delivery = self._hub.clock()
                return batch

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._hub._unsubscribe(self)
            self._loop.call_soon_threadsafe(self._ready.set)

    async def __aenter__(self) -> EventSubscription:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


class EventHub:
    """Fans events out to subscribers; runs its sources only while someone subscribes."""

    def __init__(self, *, max_batches_per_second: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.min_interval = 1.0 / max_batches_per_second
        self.clock = clock
        self._lock = threading.Lock()
        self._subscribers: list[EventSubscription] = []
        self._sources: list[EventSource] = []
        self._running = False

    def add_source(self, source: EventSource) -> None:
        with self._lock:
            self._sources.append(source)
            running = self._running
        if running:
            source.start(self.publish)

    def publish(self, event: ProcessesChanged | StatusChanged | TransfersTicked | DumpProgressed) -> None:
        """Deliver to every subscriber; safe from any thread, never blocks on a slow consumer."""
        with self._lock:
            subscribers = list(self._subscribers)
        for subscription in subscribers:
            subscription._offer(event)

    def subscribe(self) -> EventSubscription:
        """A new subscription on the running loop (call from the loop)."""
        subscription = EventSubscription(self, asyncio.get_running_loop())
        with self._lock:
            self._subscribers.append(subscription)
            start = not self._running
            self._running = True
            sources = list(self._sources)
        if start:
            for source in sources:
                source.start(self.publish)
        return subscription

    @property
    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subscribers)

    def _unsubscribe(self, subscription: EventSubscription) -> None:
        with self._lock:
            if subscription in self._subscribers:
                self._subscribers.remove(subscription)
            stop = self._running and not self._subscribers
            if stop:
                self._running = False
            sources = list(self._sources)
        if stop:
            for source in sources:
                source.stop()

    def close(self) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for subscription in subscribers:
            subscription.close()


class StorePoller:
    """Publishes changed processes and status counts found by polling the store, from a daemon thread.

    Changes are found by mtime. A writer whose transaction commits late can carry an mtime older
    than what was already seen, so each poll looks back `overlap` seconds and skips (pk, mtime)
    pairs it published before.
    """

    def __init__(
        self,
        changed_since: Callable[[datetime], list[ProcessRow]],
        latest_mtime: Callable[[], datetime | None],
        status: Callable[[], MonitorStatus],
        *,
        interval: float = 1.0,
        overlap: float = 5.0,
    ) -> None:
        self._changed_since = changed_since
        self._latest_mtime = latest_mtime
        self._status = status
        self.interval = interval
        self.overlap = timedelta(seconds=overlap)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._watermark: datetime | None = None
        self._seen: dict[int, datetime] = {}
        self._last_status: MonitorStatus | None = None

    def start(self, publish: Callable[[MonitorEvent], None]) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(publish, self._stop), name="provtop-store-poller", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def poll_once(self, publish: Callable[[MonitorEvent], None]) -> None:
        """One round: publish what changed since the last round, and the status if it moved."""
        if self._watermark is None:
            self._watermark = self._latest_mtime() or datetime(1970, 1, 1, tzinfo=UTC)
        fresh = []
        for row in self._changed_since(self._watermark - self.overlap):
            if self._seen.get(row.pk) != row.mtime:
                self._seen[row.pk] = row.mtime
                fresh.append(row)
            self._watermark = max(self._watermark, row.mtime)
        horizon = self._watermark - self.overlap
        self._seen = {pk: mtime for pk, mtime in self._seen.items() if mtime >= horizon}
        if fresh:  # on the first round: changes of the last seconds, which a first page may have missed
            publish(ProcessesChanged(rows=fresh))
        status = self._status()
        if status != self._last_status:
            self._last_status = status
            publish(StatusChanged(status=status))

    def _run(self, publish: Callable[[MonitorEvent], None], stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.poll_once(publish)
            except Exception:  # a poll that fails (locked or vanished store) is retried next round
                logger.exception("polling the store for changes failed")
            stop.wait(self.interval)
