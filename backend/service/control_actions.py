"""Kill, pause and play (cascading to what a process called) and the orphaned scheduler jobs.

Each call works with or without a running engine and returns within `timeout` seconds with an
honest message: what was done, and what is still pending and why.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import select

from .. import event_loop
from ..engine.backoff import RetryPolicy
from ..engine.client_control import (
    Action,
    ClientControl,
    ControlReport,
    cancel_orphans,
    open_orphans,
)
from ..entities import ProcessNode, load_node
from ..errors import InputError
from ..store.schema import ComputerRow, NodeRow
from ..store.store import Store

ACTIVE = ("created", "waiting", "running")
ORPHAN_CANCEL_SECONDS = 30.0


class ControlOutcome(BaseModel):
    pk: int
    depth: int
    status: Literal["done", "failed", "pending"]
    message: str


class ControlResult(BaseModel):
    """What a kill, pause or play did to each process of the trees, and one line that says it."""

    action: str
    outcomes: list[ControlOutcome]
    skipped: list[str]
    message: str

    @property
    def pending(self) -> list[ControlOutcome]:
        return [o for o in self.outcomes if o.status == "pending"]


class OrphanJob(BaseModel):
    """A scheduler job of a force-killed process whose cancel was never confirmed."""

    id: int
    pk: int | None
    computer: str
    job_id: str
    workdir: str
    since: datetime


class OrphanCancelResult(BaseModel):
    cancelled: list[OrphanJob]
    remaining: list[OrphanJob]
    message: str


class ControlActions:
    store: Store

    # -- kill, pause, play ------------------------------------------------------------------------

    def kill_processes(self, pks: Sequence[int | str] = (), *, all: bool = False, timeout: float = math.inf,
                       force: bool = False, policy: RetryPolicy | None = None,
                       origin: str | None = None) -> ControlResult:
        """Kill the processes and everything they called, deepest first; jobs are cancelled first.

        `timeout` 0 returns at once ("kill requested"); `force` marks them killed without waiting
        for the remote and records jobs whose cancel is not confirmed as orphans. `origin` says in
        the killed processes' status where the kill came from (default: the CLI's wording).
        """
        return self._control("kill", pks, all, timeout, force, policy, origin)

    def pause_processes(self, pks: Sequence[int | str] = (), *, all: bool = False,
                        timeout: float = math.inf) -> ControlResult:
        """Pause the processes and what they called at their next step; they keep their place."""
        return self._control("pause", pks, all, timeout, False, None, None)

    def play_processes(self, pks: Sequence[int | str] = (), *, all: bool = False,
                       timeout: float = math.inf) -> ControlResult:
        """Resume paused processes and what they called."""
        return self._control("play", pks, all, timeout, False, None, None)

    def _control(self, action: Action, pks: Sequence[int | str], all_: bool, timeout: float, force: bool,
                 policy: RetryPolicy | None, origin: str | None) -> ControlResult:
        if timeout < 0 or math.isnan(timeout):
            raise InputError("--timeout takes seconds (0 or more) or inf")
        if all_ and pks:
            raise InputError("give process pks or --all, not both")
        if not all_ and not pks:
            raise InputError(f"nothing to {action}: give process pks or --all")
        roots, skipped = self._active_roots(action, pks, all_)
        if not roots:
            if all_:
                return ControlResult(action=action, outcomes=[], skipped=[], message=f"no active process to {action}")
            raise InputError("; ".join(skipped))
        report = ClientControl(self.store).run(action, roots, timeout=timeout, force=force, policy=policy, origin=origin)
        return _result(report, roots, skipped, timeout)

    def _active_roots(self, action: Action, pks: Sequence[int | str], all_: bool) -> tuple[list[int], list[str]]:
        if all_:
            with self.store.reading() as session:
                return list(session.scalars(select(NodeRow.id).where(NodeRow.process_state.in_(ACTIVE))
                                            .order_by(NodeRow.id))), []
        roots, skipped = [], []
        for identifier in pks:
            node = load_node(identifier, self.store)
            if not isinstance(node, ProcessNode):
                raise InputError(f"node {node.pk} is a {type(node).__name__}, not a process")
            if node.is_terminated:
                verb = {"kill": "nothing to kill", "pause": "nothing to pause", "play": "nothing to play"}[action]
                state = node.process_state.value if node.process_state else "terminated"
                skipped.append(f"Process<{node.pk}> already {state}: {verb}")
            elif node.pk not in roots:
                roots.append(node.pk)  # type: ignore[arg-type]
        return roots, skipped

    # -- orphans -----------------------------------------------------------------------------------

    def list_orphans(self) -> list[OrphanJob]:
        """Scheduler jobs of force-killed processes that may still run, oldest first."""
        with self.store.reading() as session:
            labels = dict(session.execute(select(ComputerRow.id, ComputerRow.label)).all())
            return [OrphanJob(id=r.id, pk=r.node_id, computer=labels.get(r.computer_id, "?"), job_id=r.job_id,
                              workdir=r.workdir, since=r.orphaned_since) for r in open_orphans(session)]

    def count_orphans(self) -> int:
        return len(self.list_orphans())

    def cancel_orphans(self, ids: Sequence[int] | None = None,
                       timeout: float = ORPHAN_CANCEL_SECONDS) -> OrphanCancelResult:
        """Try the cancel of each orphaned job again (once); those confirmed leave the list."""
        before = {o.id: o for o in self.list_orphans()}
        if not before:
            return OrphanCancelResult(cancelled=[], remaining=[], message="no orphaned jobs")
        cancelled, left = event_loop.run(cancel_orphans(self.store, ids, timeout))
        done = [before[j.row_id] for j in cancelled if j.row_id in before]
        remaining = self.list_orphans()
        parts = [f"remote job {o.job_id} on '{o.computer}' cancelled" for o in done]
        parts += [f"remote job {before[j.row_id].job_id} on '{before[j.row_id].computer}' may still run "
                  "(cancel not confirmed; try again later)" for j in left if j.row_id in before]
        return OrphanCancelResult(cancelled=done, remaining=remaining, message="; ".join(parts) or "nothing to cancel")


def _result(report: ControlReport, roots: list[int], skipped: list[str], timeout: float) -> ControlResult:
    outcomes = [ControlOutcome(pk=o.pk, depth=o.depth, status=o.status, message=o.message)  # type: ignore[arg-type]
                for o in report.outcomes]
    action = report.action
    pending = [o for o in outcomes if o.status == "pending"]
    failed = [o for o in outcomes if o.status == "failed"]
    done = [o for o in outcomes if o.status == "done"]
    parts: list[str] = []
    roots_text = ", ".join(f"Process<{pk}>" for pk in roots)
    below = len(outcomes) - len([o for o in outcomes if o.depth == 0])
    scope = f" and {below} process(es) they called" if below else ""
    if pending and timeout == 0:
        parts.append(f"{action} requested for {roots_text}{scope}")
    else:
        if done:
            verb = {"kill": "killed", "pause": "paused", "play": "played"}[action]
            if len(done) == len(outcomes):
                parts.append(f"{roots_text}{scope}: {verb}")
            else:
                parts.append(f"{verb}: " + ", ".join(f"Process<{o.pk}>" for o in done))
        details = [o.message.split("; ", 1)[1] for o in done if action == "kill" and "; " in o.message]
        parts.extend(details)
        for o in pending:
            parts.append(f"Process<{o.pk}> still pending after {timeout:g} s: {o.message}")
        for o in failed:
            parts.append(f"Process<{o.pk}> {o.message}")
    parts.extend(skipped)
    return ControlResult(action=action, outcomes=outcomes, skipped=skipped, message="; ".join(parts))
