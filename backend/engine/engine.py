"""The engine: one asyncio loop that runs every process it holds a lease for.

    async with Engine(store) as engine:
        node = await engine.submit(ShellJob, command="echo hi", metadata={"computer": "localhost"})
        await engine.wait_terminated(node.pk)

Embedded in the TUI or headless (`provtop engine run`). It claims processes that no live engine
holds, renews its leases with a heartbeat, and gives them all back on a clean stop. Nothing here
blocks the loop: store work goes through StoreIO's threads, transports are async.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from provtop.transports.meter import TransferMeter, tag_process

from ..entities import CalcJobNode, Log, Node, ProcessNode, WorkflowNode, load_node
from ..entities.current import get_store, set_current_store
from ..entities.nodes.process import TERMINAL_STATES
from ..errors import StorageError
from ..processes.launch import create_process
from ..store.schema import EngineRow
from ..store.store import Store
from . import checkpoints, leases
from .backoff import RetryPolicy
from .control import ControlRequests
from .errors import EngineError, LeaseLost
from .events import EventBus
from .job_poller import JobPoller
from .killing import EngineKills
from .runner import ProcessRunner
from .store_io import StoreIO
from .submit_batcher import SubmitBatcher
from .termination_watch import TerminationWatch
from .transport_pool import TransportPool

T = TypeVar("T")
logger = logging.getLogger(__name__)

RUNNER_RETRY_SECONDS = 30.0
CLAIM_BATCH = 100  # processes started per claim, so a backlog of thousands starts in steps


class LoopLag:
    """The longest time the loop was late to wake a 50 ms sleeper: how long something blocked it."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.max_lag = 0.0

    async def run(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(self.interval)
            self.max_lag = max(self.max_lag, time.perf_counter() - start - self.interval)


def freeze_startup_objects() -> None:
    """Take what start-up allocated (modules, store, settings) out of the cycle collector's reach.

    A full collection walks every tracked object holding the GIL, so it stalls the loop: in P7 those
    took 80-120 ms of CPU (280 ms on a busy machine), frozen 30-50 ms. For a process that runs an
    engine until it stops (`provtop engine run`): what is frozen is never collected.
    """
    gc.collect()  # garbage frozen now would never be freed
    gc.freeze()


class Engine:
    def __init__(
        self,
        store: Store,
        *,
        lease_seconds: float = 30.0,
        claim_interval: float = 1.0,
        control_interval: float = 1.0,
        max_processes: int = 10_000,
        retry_policy: RetryPolicy | None = None,
        transfer_meter: TransferMeter | None = None,
    ) -> None:
        self.store = store
        self.id = str(uuid.uuid4())
        self.lease_seconds = lease_seconds
        self.claim_interval = claim_interval
        self.control_interval = control_interval
        self.max_processes = max_processes
        self._retry_policy = retry_policy
        self._policy_cache: tuple[float, RetryPolicy] | None = None
        self.io = StoreIO(store)
        self.events = EventBus()
        self.transports = TransportPool(meter=transfer_meter)
        self.poller = JobPoller(self)
        self.submitter = SubmitBatcher(self)
        self.control = ControlRequests(self)
        self.kills = EngineKills(self)
        self.watch = TerminationWatch(self)
        self.lag = LoopLag()
        self.running: dict[int, ProcessRunner] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._terminated: dict[int, asyncio.Future[None]] = {}
        self._wake = asyncio.Event()
        self._loops: list[asyncio.Task[None]] = []
        self.started = False

    # -- lifecycle --------------------------------------------------------------------------------

    async def start(self) -> None:
        if current_store() is None:
            set_current_store(self.store)  # new nodes (outputs, children) are stored in the current store
        await self.io.write(lambda session: leases.register_engine(session, self.id))
        await self.io.write(self._expire_dead_local_engines)
        self._loops = [
            asyncio.create_task(self._heartbeat_loop(), name="engine-heartbeat"),
            asyncio.create_task(self._claim_loop(), name="engine-claim"),
            asyncio.create_task(self._control_loop(), name="engine-control"),
            asyncio.create_task(self.lag.run(), name="engine-lag"),
        ]
        self.started = True

    async def stop(self) -> None:
        """Stop every runner where it is (its last saved step is where the next engine starts)."""
        for task in [*self._loops, *self._tasks.values()]:
            task.cancel()
        await asyncio.gather(*self._loops, *self._tasks.values(), return_exceptions=True)
        self.watch.close()
        await self.kills.close()
        await self.poller.close()
        await self.transports.close()
        with contextlib.suppress(Exception):
            await self.io.write(lambda session: leases.release_all(session, self.id))
        await asyncio.to_thread(self.io.close)
        self.started = False

    async def __aenter__(self) -> Engine:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def run_until(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set (the CLI sets it on SIGTERM and SIGINT)."""
        await self.start()
        try:
            await stop.wait()
        finally:
            await self.stop()

    # -- what runners use -------------------------------------------------------------------------

    def retry_policy(self) -> RetryPolicy:
        """The configured backoff, re-read at most every 2 s so `provtop config set` applies to running jobs."""
        if self._retry_policy is not None:
            return self._retry_policy
        now = time.monotonic()
        if self._policy_cache is None or now - self._policy_cache[0] > 2.0:
            self._policy_cache = (now, RetryPolicy.from_config())
        return self._policy_cache[1]

    async def fenced_write(self, node_id: int, function: Callable[[Session], T]) -> T:
        """A write that happens only while this engine holds `node_id`'s lease."""

        def write(session: Session) -> T:
            leases.assert_owner(session, node_id, self.id)
            return function(session)

        return await self.io.write(write)

    def report_soon(self, node: Node, message: str, level: str = "REPORT") -> None:
        """Log to a node without waiting; queued now, so it is stored before anything written later."""
        future = self.io.queue_write(lambda session: Log(node, level, message, loggername="provtop.engine").store())
        future.add_done_callback(_log_failure)

    async def report(self, node: Node, message: str, level: str = "REPORT") -> None:
        await self.io.write(lambda session: Log(node, level, message, loggername="provtop.engine").store())

    # -- launching ----------------------------------------------------------------------------------

    async def submit(self, process: Any, /, **inputs: Any) -> ProcessNode:
        """Create a process owned by this engine and start it at once."""

        def create(session: Session) -> ProcessNode:
            return create_process(process, inputs, engine_id=self.id, lease_seconds=self.lease_seconds)

        node = await self.io.write(create)
        self.start_owned(node)
        return node

    def start_owned(self, node: ProcessNode) -> None:
        """Start a runner for a process whose lease this engine holds."""
        pk = node.pk
        assert pk is not None
        if pk in self._tasks:
            return
        self._terminated.setdefault(pk, asyncio.get_running_loop().create_future())
        task = asyncio.create_task(self._run(node), name=f"process-{pk}")
        self._tasks[pk] = task
        self.watch.release(pk)  # its waiters now wait for the runner here instead of polling the store

    async def _run(self, node: ProcessNode) -> None:
        pk = node.pk
        assert pk is not None
        try:
            checkpoint = await self.io.read(lambda: self._read_checkpoint(pk))
            if checkpoint is None:
                return  # terminated meanwhile
            runner = self._runner_for(node, checkpoint)
            self.running[pk] = runner
            with tag_process(pk):  # the transfer meter counts this process's bytes under its pk
                await runner.run()
        except LeaseLost:
            logger.info("process %s was taken over by another engine", pk)
        except asyncio.CancelledError:
            pass
        except Exception:
            # Not even marking it excepted worked (the store may be unreachable): try again later.
            logger.exception("runner of process %s failed; retrying in %g s", pk, RUNNER_RETRY_SECONDS)
            asyncio.get_running_loop().call_later(RUNNER_RETRY_SECONDS, self._retry, node)
        finally:
            self.running.pop(pk, None)
            self._tasks.pop(pk, None)
            future = self._terminated.pop(pk, None)
            if future is not None and not future.done():
                future.set_result(None)

    def _retry(self, node: ProcessNode) -> None:
        if self.started and node.pk not in self._tasks:
            self.start_owned(node)

    def _read_checkpoint(self, pk: int) -> checkpoints.Checkpoint | None:
        with self.store.reading() as session:
            return checkpoints.load(session, pk)

    def _runner_for(self, node: ProcessNode, checkpoint: checkpoints.Checkpoint) -> ProcessRunner:
        from .calcjob_runner import CalcJobRunner
        from .workflow_runner import WorkflowRunner

        if isinstance(node, CalcJobNode):
            return CalcJobRunner(self, node, checkpoint)
        if isinstance(node, WorkflowNode):
            return WorkflowRunner(self, node, checkpoint)
        raise EngineError(f"process {node.pk} is a {type(node).__name__}, which the engine does not run")

    async def wait_terminated(self, pk: int, poll: float = 1.0) -> ProcessNode:
        """Wait until process `pk` ends, whichever engine runs it (another one's: seen within `poll` s)."""
        while True:
            future = self._terminated.get(pk)
            if future is not None:
                await asyncio.shield(future)
            node = await self.io.read(lambda: load_node(pk, self.store))
            if not isinstance(node, ProcessNode):
                raise EngineError(f"node {pk} is not a process")
            if node.process_state in TERMINAL_STATES:
                return node
            if self._terminated.get(pk) is None:
                self.claim_soon()  # perhaps no engine runs it yet
                await self.watch.wait(pk, poll)

    def claim_soon(self) -> None:
        """Claim free processes now rather than at the next claim interval."""
        self._wake.set()

    # -- background loops -----------------------------------------------------------------------------

    def _expire_dead_local_engines(self, session: Session) -> None:
        """Engines on this host whose process is gone cannot renew their leases: free them now."""
        host = socket.gethostname()
        rows = session.execute(
            select(EngineRow.id, EngineRow.pid).where(EngineRow.hostname == host, EngineRow.stopped.is_(None),
                                                      EngineRow.id != self.id)
        ).all()
        for engine_id, pid in rows:
            if not _pid_alive(pid):
                leases.release_all(session, engine_id)

    async def _heartbeat_loop(self) -> None:
        interval = self.lease_seconds / 3
        while True:
            await asyncio.sleep(interval)
            try:
                owned = await self.io.write(lambda session: leases.heartbeat(session, self.id, self.lease_seconds))
            except Exception:
                logger.exception("heartbeat failed")
                continue
            for pk, task in list(self._tasks.items()):
                if pk not in owned and pk in self.running:
                    logger.warning("lost the lease of process %s; stopping its runner", pk)
                    task.cancel()

    async def _claim_loop(self) -> None:
        while True:
            try:
                if await self.claim_once() == CLAIM_BATCH:
                    await asyncio.sleep(0.05)  # more are waiting: start them a batch at a time
                    continue
            except Exception:
                logger.exception("claiming processes failed")
            self._wake.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.claim_interval)

    async def claim_once(self) -> int:
        room = min(CLAIM_BATCH, self.max_processes - len(self._tasks))
        claimed = await self.io.write(lambda session: leases.claim(session, self.id, self.lease_seconds, room))
        if not claimed:
            return 0
        nodes = await self.io.read(lambda: [load_node(pk, self.store) for pk in claimed])
        for node in nodes:
            if isinstance(node, ProcessNode) and not node.is_terminated:
                self.start_owned(node)
            else:
                await self.io.write(lambda session, pk=node.pk: leases.release(session, pk))
        return len(claimed)

    async def _control_loop(self) -> None:
        while True:
            await asyncio.sleep(self.control_interval)
            try:
                await self.control.poll_once()
            except Exception:
                logger.exception("reading control requests failed")


def _log_failure(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.warning("a process report could not be stored: %s", future.exception())


def current_store() -> Store | None:
    try:
        return get_store()
    except StorageError:
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
