"""The engine a monitor runs on its own event loop, and the bridge from its events to the monitor's hub.

`provtop` runs the engine in the TUI's loop unless another live engine already runs this profile's
processes: then the TUI shows and steers them through the store (leases let a second engine take
only unowned processes, but one owner per profile is easier to reason about). The engine's
`ProcessEvent`s reach the hub within tens of milliseconds (`EngineEventSource`); the store poller
stays as the safety net for changes made by other engines and the command line.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, Literal

from pydantic import BaseModel

from provtop.transports.meter import TransferMeter
from ..engine.engine import Engine
from ..engine.events import EventBus, ProcessEvent
from ..store.store import Store
from .monitor_events import EventHub, MonitorEvent, ProcessesChanged, StatusChanged
from .snapshots import MonitorStatus, ProcessRow

logger = logging.getLogger(__name__)

BRIDGE_DELAY = 0.02  # seconds to gather events before reading their rows: one read per burst


class EngineChoice(BaseModel):
    """What the monitor decided at start-up: run its own engine, leave it to another one, or none."""

    mode: Literal["embedded", "external", "off"]
    message: str


class EngineEventSource:
    """Publishes fresh rows (and status counts) of the processes an in-process engine reports.

    An event only says that a process moved; its row is read from the store on one private
    thread, never on the loop. Events that arrive while a read runs are gathered for the next.
    """

    def __init__(
        self,
        bus: EventBus,
        rows: Callable[[Sequence[int]], list[ProcessRow]],
        status: Callable[[], MonitorStatus],
        *,
        delay: float = BRIDGE_DELAY,
    ) -> None:
        self._bus = bus
        self._rows = rows
        self._status = status
        self.delay = delay
        self._pending: set[int] = set()
        self._lock = threading.Lock()
        self._scheduled = False
        self._unsubscribe: Callable[[], None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._publish: Callable[[MonitorEvent], None] | None = None
        self._executor: ThreadPoolExecutor | None = None

    def start(self, publish: Callable[[MonitorEvent], None]) -> None:
        """Subscribe to the engine's bus; call on the engine's loop."""
        if self._unsubscribe is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._publish = publish
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="provtop-engine-bridge")
        self._unsubscribe = self._bus.subscribe(self._on_event)

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    def _on_event(self, event: ProcessEvent) -> None:
        with self._lock:
            self._pending.add(event.pk)
            if self._scheduled or self._loop is None:
                return
            self._scheduled = True
        self._loop.call_later(self.delay, self._flush)

    def _flush(self) -> None:
        executor = self._executor
        if executor is None:
            return
        try:
            executor.submit(self._read_and_publish)
        except RuntimeError:  # shut down meanwhile
            pass

    def _read_and_publish(self) -> None:
        with self._lock:
            pks, self._pending = sorted(self._pending), set()
            self._scheduled = False
        publish = self._publish
        if not pks or publish is None:
            return
        try:
            rows = self._rows(pks)
            status = self._status()
        except Exception:  # the poller catches up with whatever this missed
            logger.exception("reading the rows of processes %s failed", pks)
            return
        if rows:
            publish(ProcessesChanged(rows=rows))
        publish(StatusChanged(status=status))


class EmbeddedEngine:
    """An engine started on the running loop, its transports counted by the monitor's meter."""

    def __init__(self, store: Store, meter: TransferMeter, *, lease_seconds: float = 30.0) -> None:
        self.engine = Engine(store, lease_seconds=lease_seconds, transfer_meter=meter)
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        await self.engine.start()

    async def stop(self) -> None:
        """Stop every runner where it is and hand its leases back (the next engine resumes them)."""
        await self.engine.stop()

    def claim_soon(self) -> None:
        """Look for unowned processes now instead of at the next claim round; safe from any thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return

        def claim() -> None:
            task = loop.create_task(self.engine.claim_once())
            task.add_done_callback(lambda t: t.cancelled() or t.exception())  # the claim loop retries

        try:
            loop.call_soon_threadsafe(claim)
        except RuntimeError:
            pass


class MonitorEngineActions:
    """Hosting the engine in the monitor's loop (the TUI's), and launching the live demo workflows."""

    store: Store
    process_rows: Callable[[Sequence[int]], list[ProcessRow]]
    monitor_status: Callable[[], MonitorStatus]
    monitor_hub: EventHub
    transfer_meter: TransferMeter
    engine_status: Callable[[], Any]
    submit_demo: Callable[..., list[ProcessRow]]

    @property
    def embedded_engine(self) -> EmbeddedEngine | None:
        return getattr(self, "_embedded_engine", None)

    def engine_choice(self) -> EngineChoice:
        """Whether this monitor should run its own engine: only if no live engine runs the profile."""
        status = self.engine_status()
        if status.state == "running":
            return EngineChoice(mode="external", message=status.message)
        return EngineChoice(mode="embedded", message="the engine runs inside provtop")

    @asynccontextmanager
    async def hosted_engine(self, *, enabled: bool = True) -> AsyncIterator[EngineChoice]:
        """Run an engine on the current loop for the duration of the block (unless another one runs).

        Its events reach `monitor_hub` at once; on leaving, runners stop and leases are released.
        """
        if not enabled:
            yield EngineChoice(mode="off", message="read-only: no engine runs inside provtop")
            return
        choice = await asyncio.to_thread(self.engine_choice)
        if choice.mode != "embedded":
            yield choice
            return
        hosted = EmbeddedEngine(self.store, self.transfer_meter)
        await hosted.start()
        source = EngineEventSource(hosted.engine.events, self.process_rows, self.monitor_status)
        self._embedded_engine = hosted
        self.monitor_hub.add_source(source)
        try:
            yield choice
        finally:
            self._embedded_engine = None
            source.stop()
            await hosted.stop()

    def launch_demo(self, *, transfer_mb: int = 64, sleep_seconds: int = 3) -> list[ProcessRow]:
        """Submit the live demo workflows and have the hosted engine (if any) take them at once; blocks."""
        rows = self.submit_demo("localhost", transfer_mb=transfer_mb, sleep_seconds=sleep_seconds)
        hosted = self.embedded_engine
        if hosted is not None:
            hosted.claim_soon()
        return rows
