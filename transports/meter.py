"""Counting every byte a transport moves, and publishing throughput for the TUI and CLI.

A `TransferMeter` is shared by any number of transports. Transfers report progress from the event
loop or from worker threads; subscribers receive `MeterEvent`s on the loop, coalesced to at most
`max_events_per_second`, each carrying the latest figures, so a fast transfer never floods a view.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal, Protocol

from pydantic import BaseModel

Operation = Literal["put", "get", "copy"]

_process_pk: ContextVar[int | None] = ContextVar("provtop_transfer_process_pk", default=None)

_BUCKET = 0.1  # seconds of traffic summed into one sample of the sliding window


@contextmanager
def tag_process(pk: int | None) -> Iterator[None]:
    """Tag every transfer started in this context (task or thread) with a process pk."""
    token = _process_pk.set(pk)
    try:
        yield
    finally:
        _process_pk.reset(token)


class TransferProgress(BaseModel):
    """One transfer as a progress bar needs it; `total` is None until known."""

    id: int
    computer: str
    operation: Operation
    path: str
    pk: int | None
    total: int | None
    done: int
    state: Literal["running", "done", "failed"]
    started_at: float

    @property
    def fraction(self) -> float | None:
        return min(1.0, self.done / self.total) if self.total else None


class Throughput(BaseModel):
    """Bytes per second over the sliding window, and all bytes so far, for one computer and operation."""

    computer: str
    operation: Operation
    rate: float
    total: int


class MeterEvent(BaseModel):
    """The meter's state at `at` (time.monotonic), plus transfers that ended since the last event."""

    at: float
    throughput: list[Throughput]
    active: list[TransferProgress]
    finished: list[TransferProgress]


class Transfer:
    """A running transfer's handle: call `advance` as bytes move (from any thread).

    Its figures are plain attributes updated under the meter's lock; `progress` builds the
    pydantic view, so the hot path (`advance`, per block) stays cheap.
    """

    def __init__(
        self, meter: TransferMeter, key: tuple[str, Operation], path: str, pk: int | None, total: int | None
    ) -> None:
        self._meter = meter
        self.id = next(meter._ids)
        self.key = key
        self.path = path
        self.pk = pk
        self.total = total
        self.started_at = meter._clock()
        self.done = 0
        self.state: Literal["running", "done", "failed"] = "running"

    @property
    def progress(self) -> TransferProgress:
        return TransferProgress(
            id=self.id,
            computer=self.key[0],
            operation=self.key[1],
            path=self.path,
            pk=self.pk,
            total=self.total,
            done=self.done,
            state=self.state,
            started_at=self.started_at,
        )

    def set_total(self, total: int) -> None:
        with self._meter._lock:
            self.total = total
        self._meter._changed()

    def advance(self, nbytes: int) -> None:
        self._meter._advance(self, nbytes)

    def counter(self) -> Callable[[int], None]:
        """For libraries that report bytes copied so far: a function advancing by the growth."""
        return _growth_counter(self.advance)

    def part(self) -> TransferPart:
        """A file (or stream) of this transfer that may have to start over."""
        return TransferPart(self)


class Progress(Protocol):
    """Where moving bytes are reported: a whole `Transfer`, or one `TransferPart` of it."""

    def advance(self, nbytes: int) -> None: ...

    def counter(self) -> Callable[[int], None]: ...


class TransferPart:
    """One file or stream of a transfer, which a lost connection may make start over.

    `restart` takes back from the transfer's progress what the failed attempt counted, so a
    retried file counts once and progress never passes 100 %; the meter's totals and rates keep
    those bytes, since they did cross the wire. Attempts follow one another, never overlap.
    """

    def __init__(self, transfer: Transfer) -> None:
        self.transfer = transfer
        self.done = 0

    def advance(self, nbytes: int) -> None:
        self.done += nbytes
        self.transfer.advance(nbytes)

    def counter(self) -> Callable[[int], None]:
        return _growth_counter(self.advance)

    def restart(self) -> None:
        if self.done:
            self.transfer._meter._take_back(self.transfer, self.done)
            self.done = 0


def _growth_counter(advance: Callable[[int], None]) -> Callable[[int], None]:
    seen = 0

    def copied_so_far(copied: int) -> None:
        nonlocal seen
        if copied > seen:
            advance(copied - seen)
            seen = copied

    return copied_so_far


class _Window:
    """Bytes per time bucket over the last `seconds`, for a sliding-window rate."""

    def __init__(self, seconds: float, now: float) -> None:
        self.seconds = seconds
        self.first = now
        self.buckets: deque[list[float]] = deque()

    def add(self, now: float, nbytes: int) -> None:
        start = now - now % _BUCKET
        if self.buckets and self.buckets[-1][0] == start:
            self.buckets[-1][1] += nbytes
        else:
            self.buckets.append([start, nbytes])
        self._trim(now)

    def rate(self, now: float) -> float:
        self._trim(now)
        span = min(self.seconds, max(now - self.first, _BUCKET))
        return sum(b[1] for b in self.buckets) / span

    def _trim(self, now: float) -> None:
        while self.buckets and self.buckets[0][0] + _BUCKET <= now - self.seconds:
            self.buckets.popleft()


class TransferMeter:
    """Totals, sliding-window rates and active transfers per computer and operation."""

    def __init__(
        self,
        *,
        window: float = 5.0,
        max_events_per_second: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.window = window
        self._interval = 1.0 / max_events_per_second
        self._clock = clock
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._totals: dict[tuple[str, Operation], int] = {}
        self._windows: dict[tuple[str, Operation], _Window] = {}
        self._active: dict[int, Transfer] = {}
        self._finished: list[TransferProgress] = []
        self._subscribers: list[Callable[[MeterEvent], None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending = False
        self._last_publish = float("-inf")

    # -- recording ----------------------------------------------------------------------------

    def start(
        self, computer: str, operation: Operation, path: str, *, total: int | None = None, pk: int | None = None
    ) -> Transfer:
        """Begin counting a transfer; `pk` defaults to the one set with `tag_process`."""
        transfer = Transfer(self, (computer, operation), path, pk if pk is not None else _process_pk.get(), total)
        with self._lock:
            self._active[transfer.id] = transfer
        self._changed()
        return transfer

    @contextmanager
    def track(
        self, computer: str, operation: Operation, path: str, *, total: int | None = None, pk: int | None = None
    ) -> Iterator[Transfer]:
        """`start` a transfer and end it as done, or as failed if the block raises."""
        transfer = self.start(computer, operation, path, total=total, pk=pk)
        try:
            yield transfer
        except BaseException:
            self._end(transfer, "failed")
            raise
        self._end(transfer, "done")

    def _advance(self, transfer: Transfer, nbytes: int) -> None:
        now = self._clock()
        with self._lock:
            self._totals[transfer.key] = self._totals.get(transfer.key, 0) + nbytes
            window = self._windows.get(transfer.key)
            if window is None:
                window = self._windows[transfer.key] = _Window(self.window, now)
            window.add(now, nbytes)
            transfer.done += nbytes
        self._changed()

    def _take_back(self, transfer: Transfer, nbytes: int) -> None:
        with self._lock:
            transfer.done -= nbytes
        self._changed()

    def _end(self, transfer: Transfer, state: Literal["done", "failed"]) -> None:
        with self._lock:
            transfer.state = state
            self._active.pop(transfer.id, None)
            if self._subscribers:
                self._finished.append(transfer.progress)
        self._changed()

    # -- reading ------------------------------------------------------------------------------

    def rate(self, computer: str | None = None, operation: Operation | None = None) -> float:
        """Bytes per second over the window, summed over the computers and operations that match."""
        now = self._clock()
        with self._lock:
            return sum(w.rate(now) for key, w in self._windows.items() if _matches(key, computer, operation))

    def total(self, computer: str | None = None, operation: Operation | None = None) -> int:
        """Bytes moved so far, summed over the computers and operations that match."""
        with self._lock:
            return sum(n for key, n in self._totals.items() if _matches(key, computer, operation))

    def active(self) -> list[TransferProgress]:
        with self._lock:
            return [transfer.progress for transfer in self._active.values()]

    def snapshot(self) -> MeterEvent:
        """The current figures, with the transfers that ended since the last published event."""
        with self._lock:
            return self._event(list(self._finished))

    def _event(self, finished: list[TransferProgress]) -> MeterEvent:
        now = self._clock()
        throughput = [
            Throughput(computer=c, operation=op, rate=self._windows[(c, op)].rate(now), total=n)
            for (c, op), n in sorted(self._totals.items())
        ]
        active = [transfer.progress for transfer in self._active.values()]
        return MeterEvent(at=now, throughput=throughput, active=active, finished=finished)

    # -- publishing ---------------------------------------------------------------------------

    def subscribe(self, callback: Callable[[MeterEvent], None]) -> Callable[[], None]:
        """Call `callback` on the running loop with each coalesced event; returns an unsubscribe."""
        self._loop = asyncio.get_running_loop()
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers else None

    async def events(self, maxsize: int = 100) -> AsyncIterator[MeterEvent]:
        """Coalesced events as an async iterator (a queue that keeps the newest `maxsize`)."""
        queue: asyncio.Queue[MeterEvent] = asyncio.Queue(maxsize)

        def enqueue(event: MeterEvent) -> None:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)

        unsubscribe = self.subscribe(enqueue)
        try:
            while True:
                yield await queue.get()
        finally:
            unsubscribe()

    def _changed(self) -> None:
        """Schedule a publication on the subscribers' loop, from whatever thread changed a figure."""
        loop = self._loop
        with self._lock:
            if loop is None or not self._subscribers or self._pending or loop.is_closed():
                return
            self._pending = True
        try:
            loop.call_soon_threadsafe(self._arm)
        except RuntimeError:  # the loop closed meanwhile
            self._pending = False

    def _arm(self) -> None:
        delay = max(0.0, self._last_publish + self._interval - self._clock())
        asyncio.get_running_loop().call_later(delay, self._publish)

    def _publish(self) -> None:
        if self._clock() < self._last_publish + self._interval:  # uvloop's timers count whole ms: early by < 1 ms
            self._arm()
            return
        with self._lock:
            self._pending = False
            self._last_publish = self._clock()
            finished, self._finished = self._finished, []
            event = self._event(finished)
        for callback in list(self._subscribers):
            callback(event)


def _matches(key: tuple[str, Operation], computer: str | None, operation: Operation | None) -> bool:
    return (computer is None or key[0] == computer) and (operation is None or key[1] == operation)
