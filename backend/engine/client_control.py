"""Kill, pause and play from a client (CLI, TUI): durable requests, carried out by whoever can.

A process a live engine owns is left to that engine (it reads the requests); any other process
is taken over by the client, which does the work itself. The client waits up to `timeout` seconds
and reports, per process, what was done and what is still pending and why. No broker, no hang.
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import event_loop
from ..entities import ProcessNode, load_node
from ..store.schema import NodeRow, ProcessControlRow, RemoteJobRow
from ..store.store import Store
from .backoff import RetryPolicy
from .control import request as write_request
from .killing import (
    ACTIVE,
    Killer,
    KillTarget,
    RemoteJob,
    active_only,
    cancel_job,
    finish_request,
    hand_back,
    killed_status,
    mark_killed,
    owned_by_live_engine,
    policy_options,
    process_tree,
    renew,
    take_over,
)
from .leases import utcnow
from .store_io import StoreIO
from .transport_pool import TransportPool

Action = Literal["kill", "pause", "play"]
CLIENT_LEASE_SECONDS = 60.0
WAIT_STEP = 0.2
FORCE_CANCEL_SECONDS = 5.0  # a forced kill tries each cancel once, this long at most, then leaves orphans
PAUSED_STATUS = "Paused through `provtop process pause`"


@dataclass
class Outcome:
    pk: int
    depth: int
    status: str  # done, failed, pending
    message: str


@dataclass
class ControlReport:
    action: Action
    outcomes: list[Outcome] = field(default_factory=list)
    orphans: list[RemoteJob] = field(default_factory=list)


@dataclass
class _Plan:
    targets: list[KillTarget]
    mine: list[KillTarget]


def _plan(store: Store, session: Session, action: Action, roots: Sequence[int], owner: str,
          options: dict[str, Any]) -> _Plan:
    """Write a request for each active process in the trees of `roots`, deepest first; take over free ones."""
    depths = process_tree(session, roots)
    active = active_only(session, list(depths))
    order = sorted((pk for pk in depths if pk in active), key=lambda pk: (-depths[pk], pk))
    targets, mine = [], []
    for pk in order:
        request_id = write_request(store, pk, action, {**options, "depth": depths[pk]})
        target = KillTarget(pk, depths[pk], request_id, options.get("origin"))
        targets.append(target)
        if not owned_by_live_engine(session, pk) and take_over(session, pk, owner, CLIENT_LEASE_SECONDS):
            mine.append(target)
    return _Plan(targets, mine)


def _has_ended(state: str | None) -> bool:
    return state is not None and state not in ACTIVE


def _close_for_ended(session: Session, ended: list[tuple[int, str | None]]) -> None:
    """Close the pending requests of processes that ended on their own before their engine read
    them: nothing is left to do, and no engine will ever answer them."""
    for request_id, state in ended:
        finish_request(session, request_id, "done", f"already {state}")


class ClientControl:
    """One client's kill, pause or play of some processes (and everything they called)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.owner = f"client-{uuid.uuid4()}"

    def run(self, action: Action, roots: Sequence[int], *, timeout: float = math.inf, force: bool = False,
            policy: RetryPolicy | None = None, origin: str | None = None) -> ControlReport:
        """`origin` says where a kill came from, in the killed processes' status ("from the provtop TUI")."""
        return event_loop.run(self._run(action, roots, timeout, force, policy or RetryPolicy.from_config(), origin))

    async def _run(self, action: Action, roots: Sequence[int], timeout: float, force: bool,
                   policy: RetryPolicy, origin: str | None) -> ControlReport:
        io, transports = StoreIO(self.store), TransportPool()
        try:
            if action == "kill" and force:
                return await self._force_kill(io, transports, roots, timeout, policy, origin)
            options: dict[str, Any] = {}
            if action == "kill":
                options = {**policy_options(policy), **({"origin": origin} if origin else {})}
            plan = await io.write(lambda s: _plan(self.store, s, action, roots, self.owner, options))
            work: asyncio.Task[None] | None = None
            if plan.mine:
                if action == "kill":
                    work = asyncio.create_task(Killer(io, transports, self.owner).kill_all(plan.mine, policy))
                else:
                    await io.write(lambda s: self._pause_or_play(s, action, plan.mine))
            await self._wait(io, plan, timeout, work, action, policy, transports)
            return ControlReport(action, await io.read(lambda: self._outcomes(plan.targets)))
        finally:
            await io.write(lambda s: hand_back(s, self.owner))
            await transports.close()
            await asyncio.to_thread(io.close)

    async def _wait(self, io: StoreIO, plan: _Plan, timeout: float, work: asyncio.Task[None] | None,
                    action: Action, policy: RetryPolicy, transports: TransportPool) -> None:
        deadline = time.monotonic() + timeout
        ids = [t.request_id for t in plan.targets]
        renewed = time.monotonic()
        try:
            while True:
                if time.monotonic() - renewed > CLIENT_LEASE_SECONDS / 3:
                    renewed = time.monotonic()
                    await io.write(lambda s: renew(s, self.owner, CLIENT_LEASE_SECONDS))
                if work is not None and work.done():
                    work.result()
                states = await io.read(lambda: self._pending_states(ids))
                ended = [(request_id, state) for request_id, state in states.items() if _has_ended(state)]
                if ended:
                    await io.write(lambda s, ended=ended: _close_for_ended(s, ended))
                pending = {request_id for request_id, state in states.items() if not _has_ended(state)}
                if not pending or time.monotonic() >= deadline:
                    return
                # An engine that owned a process and died: once its lease expires, do the work here.
                orphaned = [t for t in plan.targets if t.request_id in pending and t not in plan.mine]
                if orphaned and (work is None or work.done()):
                    taken = await io.write(lambda s, candidates=orphaned: self._take_free(s, candidates))
                    if taken:
                        plan.mine.extend(taken)
                        if action == "kill":
                            work = asyncio.create_task(Killer(io, transports, self.owner).kill_all(taken, policy))
                        else:
                            await io.write(lambda s, chosen=taken: self._pause_or_play(s, action, chosen))
                await asyncio.sleep(min(WAIT_STEP, max(0.0, deadline - time.monotonic())))
        finally:
            if work is not None and not work.done():
                work.cancel()
                await asyncio.gather(work, return_exceptions=True)

    def _take_free(self, session: Session, candidates: list[KillTarget]) -> list[KillTarget]:
        """Of the still pending targets, those that no live engine holds (now this client holds them)."""
        pending = set(session.scalars(select(ProcessControlRow.id).where(
            ProcessControlRow.id.in_([t.request_id for t in candidates]), ProcessControlRow.status == "pending")))
        return [t for t in candidates if t.request_id in pending and not owned_by_live_engine(session, t.pk)
                and take_over(session, t.pk, self.owner, CLIENT_LEASE_SECONDS)]

    def _pending_states(self, ids: list[int]) -> dict[int, str | None]:
        """The state of the process of each still pending request."""
        with self.store.reading() as session:
            rows = session.execute(
                select(ProcessControlRow.id, NodeRow.process_state)
                .join(NodeRow, NodeRow.id == ProcessControlRow.node_id)
                .where(ProcessControlRow.id.in_(ids), ProcessControlRow.status == "pending")
            )
            return {request_id: state for request_id, state in rows}

    def _pause_or_play(self, session: Session, action: Action, targets: Sequence[KillTarget]) -> None:
        for target in targets:
            node = load_node(target.pk, self.store)
            assert isinstance(node, ProcessNode)
            if node.is_terminated:
                finish_request(session, target.request_id, "done", f"already {node.process_state}")
            elif action == "pause":
                if not node.get_attribute("paused"):
                    node.set_attribute_many({"paused": True, "process_status": PAUSED_STATUS})
                finish_request(session, target.request_id, "done", "paused (no engine runs it)")
            elif node.get_attribute("paused"):
                node.set_attribute_many({"paused": False, "process_status": "Resumed"})
                finish_request(session, target.request_id, "done", "played: an engine carries it on")
            else:
                finish_request(session, target.request_id, "done", "not paused: nothing to play")

    def _outcomes(self, targets: Sequence[KillTarget]) -> list[Outcome]:
        with self.store.reading() as session:
            rows = {r.id: (r.status, r.message) for r in session.scalars(select(ProcessControlRow).where(
                ProcessControlRow.id.in_([t.request_id for t in targets])))}
        outcomes = []
        for target in targets:
            status, message = rows[target.request_id]
            if status == "pending" and not message:
                message = "waiting for the engine that runs it"
            outcomes.append(Outcome(target.pk, target.depth, status, message))
        return outcomes

    # -- force ----------------------------------------------------------------------------------------

    async def _force_kill(self, io: StoreIO, transports: TransportPool, roots: Sequence[int], timeout: float,
                          policy: RetryPolicy, origin: str | None) -> ControlReport:
        """Mark the trees killed now; try each job's cancel once; unconfirmed jobs become orphans."""

        def write(session: Session) -> tuple[list[Outcome], list[RemoteJob]]:
            depths = process_tree(session, roots)
            active = active_only(session, list(depths))
            outcomes, jobs = [], []
            now = utcnow()
            for pk in sorted(active, key=lambda pk: (-depths[pk], pk)):
                request_id = write_request(self.store, pk, "kill", {**policy_options(policy), "force": True,
                                                                   "depth": depths[pk]})
                node = load_node(pk, self.store)
                assert isinstance(node, ProcessNode)
                mark_killed(session, node, killed_status(origin, force=True))
                rows = session.scalars(select(RemoteJobRow).where(
                    RemoteJobRow.node_id == pk, RemoteJobRow.finished.is_(None),
                    RemoteJobRow.cancel_confirmed.is_(None))).all()
                for row in rows:
                    row.cancel_requested = row.cancel_requested or now
                    row.orphaned_since = row.orphaned_since or now
                    jobs.append(RemoteJob(row.id, row.node_id, row.computer_id, row.job_id, row.workdir))
                finish_request(session, request_id, "done", "force killed")
                outcomes.append(Outcome(pk, depths[pk], "done", "force killed"))
            return outcomes, jobs

        outcomes, jobs = await io.write(write)
        orphans = await cancel_jobs_once(io, transports, jobs, min(timeout, FORCE_CANCEL_SECONDS))
        by_pk = {o.pk: o for o in outcomes}
        for job in jobs:
            outcome = by_pk.get(job.node_id or -1)
            if outcome is not None:
                outcome.message += (f"; remote job {job.job_id} may still run: see `provtop process orphans`"
                                    if job in orphans else f"; remote job {job.job_id} cancelled")
        return ControlReport("kill", outcomes, orphans)


async def cancel_jobs_once(io: StoreIO, transports: TransportPool, jobs: Sequence[RemoteJob],
                           seconds: float) -> list[RemoteJob]:
    """Try to cancel each job once, all within `seconds`; returns the jobs whose cancel is not confirmed."""
    if not jobs or seconds <= 0:
        return list(jobs)
    once = RetryPolicy(initial_interval=0.0, max_attempts=1)
    tasks = [asyncio.create_task(cancel_job(io, transports, job, once)) for job in jobs]
    done, _ = await asyncio.wait(tasks, timeout=seconds)
    left = []
    for job, task in zip(jobs, tasks, strict=True):
        if task not in done:
            task.cancel()
            left.append(job)
        elif task.exception() is not None:
            left.append(job)
    await asyncio.gather(*tasks, return_exceptions=True)
    return left


def open_orphans(session: Session) -> list[RemoteJobRow]:
    return list(session.scalars(select(RemoteJobRow).where(RemoteJobRow.orphaned_since.is_not(None),
                                                           RemoteJobRow.cancel_confirmed.is_(None))
                                .order_by(RemoteJobRow.orphaned_since)))


async def cancel_orphans(store: Store, row_ids: Sequence[int] | None, seconds: float) -> tuple[list[RemoteJob], list[RemoteJob]]:
    """Retry the cancel of orphaned jobs; returns (cancelled, still orphaned)."""
    io, transports = StoreIO(store), TransportPool()
    try:
        def read() -> list[RemoteJob]:
            with store.reading() as session:
                return [RemoteJob(r.id, r.node_id, r.computer_id, r.job_id, r.workdir) for r in open_orphans(session)
                        if row_ids is None or r.id in row_ids]

        jobs = await io.read(read)
        left = await cancel_jobs_once(io, transports, jobs, seconds)
        return [j for j in jobs if j not in left], left
    finally:
        await transports.close()
        await asyncio.to_thread(io.close)


def clear_orphan(session: Session, row_id: int) -> None:
    session.execute(update(RemoteJobRow).where(RemoteJobRow.id == row_id).values(orphaned_since=None))
