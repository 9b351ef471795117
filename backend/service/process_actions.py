"""Processes from the command line: list with engine health, call trees, reports, running an engine, demos.

Rows are the monitor's `ProcessRow` snapshots (see monitor_actions), so the CLI and the TUI agree.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel

from .. import event_loop
from ..engine.engine import Engine
from ..entities import ProcessNode, load_node
from ..errors import InputError, NotExistent
from ..queries import monitor_processes
from ..queries import processes as queries
from ..queries.processes import EngineInfo
from ..store.schema import ProcessCheckpointRow, ProcessLeaseRow
from ..store.store import Store
from .snapshots import ACTIVE_STATES, ProcessRow

ENGINE_STALE_SECONDS = 90.0
STATES = ("created", "waiting", "running", "finished", "excepted", "killed")


class ProcessListRequest(BaseModel):
    states: list[str] | None = None
    all: bool = False
    past_days: int | None = None
    limit: int = 100
    before_pk: int | None = None
    label_like: str | None = None


class EngineStatus(BaseModel):
    """Whether an engine runs this profile's processes (`state`: running, stale or none)."""

    state: Literal["running", "stale", "none"]
    engines: list[EngineInfo]
    message: str


class ProcessListPage(BaseModel):
    rows: list[ProcessRow]
    active: int
    last_change: datetime | None
    next_before_pk: int | None
    engine: EngineStatus


class EnginePlace(BaseModel):
    """Where the engine is with one process: the next step, and which engine holds it until when."""

    step: str | None
    engine: str | None
    lease_expires: datetime | None


class TreeLine(BaseModel):
    depth: int
    prefix: str
    row: ProcessRow


class ReportLine(BaseModel):
    depth: int
    pk: int
    time: datetime
    level: str
    message: str


class ProcessActions:
    store: Store
    process_rows: Callable[..., list[ProcessRow]]
    process_children: Callable[..., dict[int, list[ProcessRow]]]

    def engine_status(self) -> EngineStatus:
        now = datetime.now(UTC)
        engines = queries.engines(self.store)
        alive = [e for e in engines if (now - e.heartbeat).total_seconds() < ENGINE_STALE_SECONDS]
        stale = len(engines) - len(alive)
        if alive:
            details = ", ".join(f"pid {e.pid}@{e.hostname}: {e.processes} process(es), heartbeat "
                                f"{(now - e.heartbeat).total_seconds():.0f}s ago" for e in alive)
            message = f"{len(alive)} engine(s) running ({details})"
        else:
            message = "No engine is running: start one with `provtop engine run`"
        if stale:
            message += f"; {stale} engine(s) stopped answering (their processes are taken over when their leases expire)"
        state: Literal["running", "stale", "none"] = "running" if alive else ("stale" if stale else "none")
        return EngineStatus(state=state, engines=engines, message=message)

    def list_processes(self, request: ProcessListRequest | None = None) -> ProcessListPage:
        request = request or ProcessListRequest()
        for state in request.states or []:
            if state not in STATES:
                raise InputError(f"unknown process state '{state}'; choose from {', '.join(STATES)}")
        states = None if request.all else (request.states or list(ACTIVE_STATES))
        since = datetime.now(UTC) - timedelta(days=request.past_days) if request.past_days else None
        results = queries.page(self.store, states=states, since=since, limit=request.limit,
                               before_pk=request.before_pk, label_like=request.label_like)
        counts = monitor_processes.child_counts(self.store, [row.id for row in results])
        rows = [ProcessRow(**monitor_processes.row_values(row, counts)) for row in results]
        return ProcessListPage(
            rows=rows, active=queries.count_in_states(self.store, ACTIVE_STATES),
            last_change=monitor_processes.latest_mtime(self.store),
            next_before_pk=rows[-1].pk if len(rows) == request.limit else None, engine=self.engine_status(),
        )

    def resolve_process(self, identifier: str | int) -> int:
        """The pk of a process given by pk, uuid or uuid prefix; a one-line error otherwise."""
        node = load_node(identifier, self.store)
        if not isinstance(node, ProcessNode):
            raise InputError(f"node {node.pk} is a {type(node).__name__}, not a process")
        assert node.pk is not None
        return node.pk

    def engine_place(self, pk: int) -> EnginePlace:
        with self.store.reading() as session:
            lease = session.get(ProcessLeaseRow, pk)
            checkpoint = session.get(ProcessCheckpointRow, pk)
            return EnginePlace(step=checkpoint.step if checkpoint else None,
                               engine=lease.engine_id if lease else None,
                               lease_expires=lease.expires_at if lease else None)

    def process_tree(self, identifier: str | int, max_depth: int | None = None) -> list[TreeLine]:
        """The call tree under a process, depth first, with verdi's box-drawing prefixes."""
        root_pk = self.resolve_process(identifier)
        rows = self.process_rows([root_pk])
        if not rows:
            raise NotExistent(f"no process with pk {root_pk}")
        children: dict[int, list[ProcessRow]] = {}
        level, depth = [root_pk], 0
        while level and (max_depth is None or depth < max_depth):
            found = self.process_children(level)
            children.update(found)
            level = [child.pk for kids in found.values() for child in kids]
            depth += 1
        lines: list[TreeLine] = []

        def walk(row: ProcessRow, depth: int, prefix: str, stem: str) -> None:
            lines.append(TreeLine(depth=depth, prefix=prefix, row=row))
            kids = children.get(row.pk, [])
            for index, kid in enumerate(kids):
                last = index == len(kids) - 1
                walk(kid, depth + 1, stem + ("└── " if last else "├── "), stem + ("    " if last else "│   "))

        walk(rows[0], 0, "", "")
        return lines

    def process_report(self, identifier: str | int, levelname: str = "REPORT",
                       max_depth: int | None = None) -> list[ReportLine]:
        """Log records of a process and of the processes below it, in time order."""
        level = logging.getLevelNamesMapping().get(levelname.upper())
        if level is None:
            raise InputError(f"unknown log level '{levelname}'; use e.g. REPORT, WARNING or ERROR")
        depth = {line.row.pk: line.depth for line in self.process_tree(identifier, max_depth)}
        return [ReportLine(depth=depth[pk], pk=pk, time=time, level=name, message=message)
                for pk, time, name, message in queries.logs(self.store, list(depth), level)]

    # -- running --------------------------------------------------------------------------------

    def run_engine(self, *, lease_seconds: float = 30.0, max_processes: int = 10_000,
                   on_start: Callable[[Engine], None] | None = None) -> None:
        """Run an engine in the foreground until SIGTERM or SIGINT, then stop it cleanly."""

        async def main() -> None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, stop.set)
            engine = Engine(self.store, lease_seconds=lease_seconds, max_processes=max_processes)
            await engine.start()
            try:
                if on_start is not None:
                    on_start(engine)
                await stop.wait()
            finally:
                await engine.stop()

        event_loop.run(main())

    def submit_demo(self, computer: str = "localhost", *, transfer_mb: int = 64, sleep_seconds: int = 3) -> list[ProcessRow]:
        """Submit the demo workflows (work with sleeps, one failing, one moving large files)."""
        from ..processes.demo_workflows import submit_demo_workflows

        nodes = submit_demo_workflows(computer, transfer_mb=transfer_mb, sleep_seconds=sleep_seconds)
        return self.process_rows([node.pk for node in nodes if node.pk is not None])
