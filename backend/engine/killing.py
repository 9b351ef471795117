"""Killing processes: cancel their scheduler jobs with backoff, then mark them killed, deepest first.

The same code runs inside an engine (for the processes it owns) and in a client that found no
live engine (it takes the leases over first). A kill that cannot confirm the cancel of a job leaves
the process as it was, so it can be killed again; a forced kill marks the processes killed at once
and records every job whose cancel is not confirmed as an orphan (see `orphans.py`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from ..entities import Computer, Log, ProcessNode, ProcessState, load_node
from ..schedulers import JobState, SchedulerError, scheduler_for
from ..store.schema import (
    LinkRow,
    NodeRow,
    ProcessCheckpointRow,
    ProcessControlRow,
    ProcessLeaseRow,
    RemoteJobRow,
)
from . import leases
from .backoff import RetryPolicy, with_backoff
from .errors import LeaseLost, TransportTaskFailed
from .leases import utcnow

if TYPE_CHECKING:
    from .engine import Engine
    from .store_io import StoreIO
    from .transport_pool import TransportPool

logger = logging.getLogger(__name__)

CALL_LINKS = ("call_calc", "call_work")
ACTIVE = ("created", "waiting", "running")
CLI_ORIGIN = "through `provtop process kill`"


def killed_status(origin: str | None = None, *, force: bool = False) -> str:
    """The status of a killed process: how, and from where (`origin`, e.g. "from the provtop TUI")."""
    return f"{'Force killed' if force else 'Killed'} {origin or CLI_ORIGIN}"


@dataclass(frozen=True)
class KillTarget:
    pk: int
    depth: int
    request_id: int
    origin: str | None = None


@dataclass(frozen=True)
class RemoteJob:
    row_id: int
    node_id: int | None
    computer_id: int
    job_id: str
    workdir: str


class KillFailed(Exception):
    """The cancel of a scheduler job was not confirmed: the process stays as it was."""


# -- store helpers (each takes the session of a transaction) ----------------------------------------

def process_tree(session: Session, roots: Sequence[int]) -> dict[int, int]:
    """Every process under `roots` (CALL links) with its depth; roots are depth 0."""
    depths = {pk: 0 for pk in roots}
    level, depth = list(roots), 0
    while level:
        depth += 1
        children = session.scalars(
            select(LinkRow.output_id).where(LinkRow.input_id.in_(level), LinkRow.type.in_(CALL_LINKS))
        ).all()
        level = list(dict.fromkeys(children))  # a root that another root called gets its real depth
        for pk in level:
            depths[pk] = max(depths.get(pk, 0), depth)
    return depths


def active_only(session: Session, pks: Sequence[int]) -> set[int]:
    return set(session.scalars(select(NodeRow.id).where(NodeRow.id.in_(list(pks)), NodeRow.process_state.in_(ACTIVE))))


def open_jobs(session: Session, pk: int) -> list[RemoteJob]:
    """The scheduler jobs of a calc job that may still run (not seen done, cancel not confirmed)."""
    rows = session.scalars(
        select(RemoteJobRow).where(RemoteJobRow.node_id == pk, RemoteJobRow.finished.is_(None),
                                   RemoteJobRow.cancel_confirmed.is_(None))
    ).all()
    return [RemoteJob(r.id, r.node_id, r.computer_id, r.job_id, r.workdir) for r in rows]


def owned_by_live_engine(session: Session, pk: int) -> bool:
    lease = session.get(ProcessLeaseRow, pk)
    return (lease is not None and lease.engine_id is not None and not lease.engine_id.startswith("client-")
            and lease.expires_at is not None and lease.expires_at > utcnow())


def take_over(session: Session, pk: int, owner: str, ttl: float) -> bool:
    """Hold the lease of `pk` if nobody live does (a process without a lease row gets one)."""
    now = utcnow()
    lease = session.get(ProcessLeaseRow, pk)
    if lease is None:
        if not active_only(session, [pk]):
            return False
        session.add(ProcessLeaseRow(node_id=pk, engine_id=owner, expires_at=now + timedelta(seconds=ttl), created=now))
        return True
    result = session.execute(
        update(ProcessLeaseRow)
        .where(ProcessLeaseRow.node_id == pk,
               or_(ProcessLeaseRow.engine_id.is_(None), ProcessLeaseRow.expires_at < now,
                   ProcessLeaseRow.engine_id == owner))
        .values(engine_id=owner, expires_at=now + timedelta(seconds=ttl))
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def renew(session: Session, owner: str, ttl: float) -> None:
    """A client that works longer than a lease keeps what it took over."""
    session.execute(update(ProcessLeaseRow).where(ProcessLeaseRow.engine_id == owner)
                    .values(expires_at=utcnow() + timedelta(seconds=ttl)))


def hand_back(session: Session, owner: str) -> None:
    """Give the leases a client took back, so an engine may carry on what it left pending."""
    session.execute(update(ProcessLeaseRow).where(ProcessLeaseRow.engine_id == owner)
                    .values(engine_id=None, expires_at=None))


def set_request_message(session: Session, request_id: int, message: str) -> None:
    session.execute(update(ProcessControlRow).where(ProcessControlRow.id == request_id,
                                                    ProcessControlRow.status == "pending").values(message=message))


def finish_request(session: Session, request_id: int, status: str, message: str) -> None:
    session.execute(update(ProcessControlRow).where(ProcessControlRow.id == request_id,
                                                    ProcessControlRow.status == "pending")
                    .values(status=status, message=message, handled=utcnow()))


def mark_killed(session: Session, node: ProcessNode, status: str) -> None:
    """Seal the process as killed, with the reason in its status, and forget how to run it."""
    node.set_attribute_many({"process_state": ProcessState.KILLED.value, "process_status": status,
                             "paused": False, "sealed": True})
    pk = node.pk
    session.execute(delete(ProcessLeaseRow).where(ProcessLeaseRow.node_id == pk))
    session.execute(delete(ProcessCheckpointRow).where(ProcessCheckpointRow.node_id == pk))


def confirm_cancel(session: Session, row_id: int) -> None:
    now = utcnow()
    session.execute(update(RemoteJobRow).where(RemoteJobRow.id == row_id).values(
        state="cancelled", finished=now, cancel_confirmed=now, orphaned_since=None))


def policy_options(policy: RetryPolicy) -> dict[str, Any]:
    return {"initial_interval": policy.initial_interval, "max_attempts": policy.max_attempts}


def policy_from(options: dict[str, Any], default: RetryPolicy) -> RetryPolicy:
    if "initial_interval" in options and "max_attempts" in options:
        return RetryPolicy(float(options["initial_interval"]), max(1, int(options["max_attempts"])))
    return default


# -- cancelling one scheduler job -----------------------------------------------------------------------

async def cancel_job(io: StoreIO, transports: TransportPool, job: RemoteJob, policy: RetryPolicy,
                     request_id: int | None = None) -> str:
    """Cancel `job` and check the scheduler no longer runs it; TransportTaskFailed after the last attempt."""
    computer = await io.read(lambda: Computer.load(job.computer_id, io.store))
    scheduler = scheduler_for(computer.scheduler_type, computer.scheduler_settings)
    await io.write(lambda session: session.execute(
        update(RemoteJobRow).where(RemoteJobRow.id == job.row_id, RemoteJobRow.cancel_requested.is_(None))
        .values(cancel_requested=utcnow())))

    async def step() -> None:
        async with transports.use(computer) as transport:
            await scheduler.kill(transport, job.job_id)
            info = (await scheduler.poll(transport, [job.job_id]))[job.job_id]
            if info.state is not JobState.DONE:
                raise SchedulerError(f"job {job.job_id} is still {info.raw_state} after the cancel")

    async def on_retry(attempt: int, delay: float, exc: BaseException) -> None:
        if request_id is not None:
            text = (f"cancel of remote job {job.job_id} on '{computer.label}' pending: attempt {attempt} of "
                    f"{policy.max_attempts} failed ({exc}); retrying in {delay:g} s")
            await io.write(lambda session: set_request_message(session, request_id, text))

    await with_backoff(f"kill (cancel job {job.job_id} on '{computer.label}')", step, policy, on_retry)
    await io.write(lambda session: confirm_cancel(session, job.row_id))
    return computer.label


# -- the kill itself --------------------------------------------------------------------------------------

class Killer:
    """Kills processes whose leases `owner` holds: jobs cancelled first, then the node, deepest first."""

    def __init__(self, io: StoreIO, transports: TransportPool, owner: str) -> None:
        self.io = io
        self.transports = transports
        self.owner = owner

    async def kill_all(self, targets: Sequence[KillTarget], policy: RetryPolicy) -> None:
        """Deepest level first; processes of one level at once. A parent whose child stays alive stays too."""
        failed: set[int] = set()
        for depth in sorted({t.depth for t in targets}, reverse=True):
            level = [t for t in targets if t.depth == depth]
            results = await asyncio.gather(*(self.kill_one(t, policy) for t in level), return_exceptions=True)
            for target, result in zip(level, results, strict=True):
                if isinstance(result, BaseException):
                    if isinstance(result, asyncio.CancelledError):
                        raise result
                    failed.add(target.pk)
                    if not isinstance(result, KillFailed):
                        logger.warning("killing process %s failed: %s", target.pk, result, exc_info=result)
                        await self.io.write(lambda s, t=target, r=result: finish_request(
                            s, t.request_id, "failed", f"not killed: {r}"))
            if failed and depth > 0:
                # Parents of what could not be killed stay as they are; their requests say why.
                for target in [t for t in targets if t.depth < depth]:
                    await self.io.write(lambda s, t=target: finish_request(
                        s, t.request_id, "failed", "not killed: a process it called could not be killed"))
                return

    async def kill_one(self, target: KillTarget, policy: RetryPolicy) -> None:
        io, pk = self.io, target.pk
        node = await io.read(lambda: load_node(pk, io.store))
        assert isinstance(node, ProcessNode)
        if node.is_terminated:
            await io.write(lambda s: finish_request(s, target.request_id, "done",
                                                    f"already {node.process_state}: nothing to kill"))
            return
        jobs = await io.read(lambda: self._open_jobs(pk))
        cancelled: list[str] = []
        for job in jobs:
            try:
                label = await cancel_job(io, self.transports, job, policy, target.request_id)
            except TransportTaskFailed as exc:
                text = (f"not killed: remote job {job.job_id} could not be cancelled ({exc.reason}; "
                        f"{exc.attempts} attempt(s)); kill again, with lower backoff settings if needed")
                await io.write(lambda s, text=text: finish_request(s, target.request_id, "failed", text))
                raise KillFailed(text) from exc
            cancelled.append(f"remote job {job.job_id} on '{label}' cancelled")
        message = "; ".join(["killed", *cancelled])

        def write(session: Session) -> None:
            leases.assert_owner(session, pk, self.owner)
            fresh = load_node(pk, io.store)
            assert isinstance(fresh, ProcessNode)
            if fresh.is_terminated:
                finish_request(session, target.request_id, "done", f"already {fresh.process_state}: nothing to kill")
                return
            if jobs:  # each was cancelled above: none is left in the scheduler
                fresh.set_attribute_many({"scheduler_state": JobState.DONE.value})
            mark_killed(session, fresh, killed_status(target.origin))
            Log(fresh, "REPORT", message, loggername="provtop.engine.kill").store()
            finish_request(session, target.request_id, "done", message)

        try:
            await io.write(write)
        except LeaseLost:
            await io.write(lambda s: finish_request(s, target.request_id, "failed",
                                                    "not killed: another engine took the process over; kill again"))
            raise KillFailed("lease lost") from None

    def _open_jobs(self, pk: int) -> list[RemoteJob]:
        with self.io.store.reading() as session:
            return open_jobs(session, pk)


# -- the engine's side ---------------------------------------------------------------------------------

class EngineKills:
    """Kill requests for the processes an engine runs: stop their runners, then kill them in one batch.

    A new kill of a process whose kill is still under way (e.g. waiting in backoff) replaces it,
    with the backoff settings of the new request.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._seen: set[int] = set()
        self._batches: dict[int, asyncio.Task[None]] = {}

    def handle(self, requests: Sequence[tuple[int, int, dict[str, Any]]]) -> None:
        new = [r for r in requests if r[0] not in self._seen]
        if not new:
            return
        self._seen.update(r[0] for r in new)
        replaced = {self._batches[pk] for _, pk, _ in new if pk in self._batches and not self._batches[pk].done()}
        for task in replaced:
            task.cancel()
        rescheduled = [pk for _, pk, _ in new if pk in self._batches and self._batches[pk] in replaced]
        store = self.engine.store
        for pk in rescheduled:
            self.engine.io.queue_write(lambda session, pk=pk: Log(
                load_node(pk, store), "REPORT", "Found an active scheduler job cancellation: it is rescheduled "
                "with the new kill's backoff settings", loggername="provtop.engine.kill").store())
        batch = asyncio.create_task(self._run(new, list(replaced)), name="engine-kill")
        for _, pk, _ in new:
            self._batches[pk] = batch

    async def _run(self, requests: list[tuple[int, int, dict[str, Any]]], replaced: list[asyncio.Task[None]]) -> None:
        engine = self.engine
        await asyncio.gather(*replaced, return_exceptions=True)
        runners = [engine._tasks[pk] for _, pk, _ in requests if pk in engine._tasks]
        for task in runners:
            task.cancel()
        await asyncio.gather(*runners, return_exceptions=True)
        policy = policy_from(requests[-1][2], engine.retry_policy())
        targets = [KillTarget(pk, int(options.get("depth", 0)), rid, options.get("origin"))
                   for rid, pk, options in requests]
        try:
            await Killer(engine.io, engine.transports, engine.id).kill_all(targets, policy)
            # What could not be killed carries on where it was (and can be killed again).
            nodes = await engine.io.read(lambda: [load_node(t.pk, engine.store) for t in targets])
            for node in nodes:
                if isinstance(node, ProcessNode) and not node.is_terminated and engine.started:
                    engine.start_owned(node)
        except asyncio.CancelledError:
            # Replaced by a newer kill: requests of this batch still pending are read again.
            self._seen.difference_update(rid for rid, _, _ in requests)
            raise
        finally:
            for _, pk, _ in requests:
                if self._batches.get(pk) is asyncio.current_task():
                    del self._batches[pk]
            for _, pk, _ in requests:
                future = engine._terminated.get(pk)
                if future is not None and not future.done() and pk not in engine._tasks:
                    future.set_result(None)

    async def close(self) -> None:
        tasks = set(self._batches.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

