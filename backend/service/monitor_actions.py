"""The monitor's side of the service: snapshots of processes, groups and transfers, and the event stream.

Every method here reads the store and may block: a UI calls them from a worker thread. Actions
that change processes (kill, pause, play) and dumps live in their own mixins; `monitor_status`
reports on them only through methods those mixins provide, so nothing here pretends they exist.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func

from ...transports.meter import MeterEvent, TransferMeter
from ..entities.groups import Group
from ..errors import NotExistent
from ..queries import monitor_detail, monitor_processes
from ..store.store import Store
from .monitor_events import EventHub, EventSubscription, StorePoller, TransfersTicked
from .snapshots import (
    ACTIVE_STATES,
    ActiveTransfer,
    ComputerThroughput,
    DescendantCount,
    FileItem,
    LinkedNode,
    LogLine,
    MemberPage,
    MemberRow,
    MonitorStatus,
    ProcessDetail,
    ProcessPage,
    ProcessQuery,
    ProcessRow,
    TransferStats,
)

_DIRECTIONS = {"get": "download", "put": "upload", "copy": "copy"}


def transfer_stats_from(event: MeterEvent) -> TransferStats:
    """The meter's event as the snapshot a view draws: per computer, download = get, upload = put."""
    computers: dict[str, ComputerThroughput] = {}
    for figure in event.throughput:
        entry = computers.setdefault(figure.computer, ComputerThroughput(computer=figure.computer))
        direction = _DIRECTIONS[figure.operation]
        setattr(entry, f"{direction}_rate", figure.rate)
        setattr(entry, f"{direction}_total", figure.total)
    active = [
        ActiveTransfer(
            id=t.id,
            computer=t.computer,
            operation=t.operation,
            path=t.path,
            pk=t.pk,
            total=t.total,
            done=t.done,
            seconds=max(0.0, event.at - t.started_at),
        )
        for t in event.active
    ]
    return TransferStats(available=True, at=event.at, computers=sorted(computers.values(), key=lambda c: c.computer), active=active)


class MeterSource:
    """Publishes the transfer meter's coalesced events into the monitor's hub."""

    def __init__(self, meter: TransferMeter) -> None:
        self._meter = meter
        self._unsubscribe: Callable[[], None] | None = None

    def start(self, publish: Callable[[Any], None]) -> None:
        # TransferMeter.subscribe needs the running loop: the hub starts sources from `subscribe()` on it.
        self._unsubscribe = self._meter.subscribe(lambda event: publish(TransfersTicked(stats=transfer_stats_from(event))))

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None


class MonitorActions:
    store: Store

    # -- processes ----------------------------------------------------------------------------

    def process_page(self, query: ProcessQuery | None = None) -> ProcessPage:
        """One keyset page of processes: the roots of the tree or all of them, filtered and sorted."""
        query = query or ProcessQuery()
        flt = query.filter
        conditions = monitor_processes.filter_conditions(
            self.store, states=flt.states, text=flt.text, computer=flt.computer, invert=flt.invert
        )
        base = monitor_processes.process_rows_query().where(*conditions)
        if query.roots_only:
            base = base.where(monitor_processes.is_root())
        paged = monitor_processes.keyset(base, query.sort, query.descending, query.cursor, query.size)
        count = base.with_only_columns(func.count()).order_by(None)
        with self.store.reading() as session:
            results = session.execute(paged).all()
            total = session.scalar(count) or 0
        rows = self._rows(results)
        more = len(results) == query.size
        cursor = monitor_processes.cursor_of(results[-1], query.sort) if results and more else None
        return ProcessPage(rows=rows, total=total, next_cursor=cursor)

    def process_children(self, parent_pks: Sequence[int]) -> dict[int, list[ProcessRow]]:
        """The processes each parent called, in call order; one query for all parents."""
        children: dict[int, list[ProcessRow]] = {pk: [] for pk in parent_pks}
        for row in self._rows(monitor_processes.children_rows(self.store, parent_pks)):
            children.setdefault(row.parent_pk, []).append(row)  # type: ignore[arg-type]
        return children

    def process_rows(self, pks: Sequence[int]) -> list[ProcessRow]:
        """Fresh rows for these processes (those that still exist), in pk order."""
        return sorted(self._rows(monitor_processes.rows_by_pk(self.store, pks)), key=lambda row: row.pk)

    def changed_processes(self, since: datetime) -> list[ProcessRow]:
        """Processes changed after `since` (mtime), oldest change first."""
        return self._rows(monitor_processes.changed_rows(self.store, since))

    def _rows(self, results: Sequence[Any]) -> list[ProcessRow]:
        counts = monitor_processes.child_counts(self.store, [row.id for row in results])
        return [ProcessRow(**monitor_processes.row_values(row, counts)) for row in results]

    def process_detail(self, pk: int, *, log_limit: int = 200, file_limit: int = 500) -> ProcessDetail:
        """Inputs, outputs, attributes, the newest report lines and the files of one process."""
        rows = self.process_rows([pk])
        node = monitor_detail.node_columns(self.store, pk)
        if not rows or node is None:
            raise NotExistent(f"no process with pk {pk}; it may have been deleted")
        links = monitor_detail.neighbours(self.store, pk)
        log_rows, log_total = monitor_detail.logs(self.store, pk, log_limit)
        attributes = dict(node.attributes or {})
        files = sorted((node.repository_metadata or {}).items())[:file_limit]
        return ProcessDetail(
            row=rows[0],
            uuid=node.uuid,
            node_type=node.node_type,
            process_type=node.process_type,
            description=node.description,
            exit_message=attributes.get("exit_message"),
            exception=attributes.get("exception"),
            remote_workdir=attributes.get("remote_workdir"),
            caller=LinkedNode(**links["caller"][0]) if links["caller"] else None,
            inputs=[LinkedNode(**item) for item in links["inputs"]],
            outputs=[LinkedNode(**item) for item in links["outputs"]],
            called=[LinkedNode(**item) for item in links["called"]],
            attributes=attributes,
            extras=dict(node.extras or {}),
            logs=[LogLine(time=time, level=level, message=message) for time, level, message in log_rows],
            logs_total=log_total,
            files=[FileItem(path=path, size=entry.get("size", 0)) for path, entry in files],
        )

    def count_descendants(self, pks: Sequence[int]) -> DescendantCount:
        """How many active processes a kill, pause or play of `pks` would reach (they cascade)."""
        rows = self.process_rows(pks)
        active = [row.pk for row in rows if row.is_active]
        below = monitor_processes.active_descendants(self.store, [row.pk for row in rows], ACTIVE_STATES)
        return DescendantCount(
            selected=len(active), descendants=len(below - set(pks)), terminated=len(rows) - len(active)
        )

    # -- status -------------------------------------------------------------------------------

    def monitor_status(self) -> MonitorStatus:
        """Counts for the status bar; what another part of provtop must tell is None until it can."""
        counts = monitor_processes.state_counts(self.store, ACTIVE_STATES)
        engine = "none"
        engine_status = getattr(self, "engine_status", None)
        if getattr(self, "_embedded_engine", None) is not None:
            engine = "embedded"
        elif callable(engine_status):
            reported = str(getattr(engine_status(), "state", "none"))
            engine = "external" if reported == "running" else reported  # another process runs them
        orphans = None
        for name in ("count_orphans", "list_orphans"):
            method = getattr(self, name, None)
            if callable(method):
                found = method()
                orphans = found if isinstance(found, int) else len(found)
                break
        meter = getattr(self, "_transfer_meter", None)
        return MonitorStatus(
            engine=engine,
            active=sum(counts.get(state, 0) for state in ACTIVE_STATES),
            running=counts.get("running", 0),
            waiting=counts.get("waiting", 0) + counts.get("created", 0),
            paused=counts.get("paused", 0),
            orphans=orphans,
            throughput=meter.rate() if meter is not None else None,
        )

    # -- groups -------------------------------------------------------------------------------

    def group_members(self, group: int | str, *, after_pk: int | None = None, size: int = 200) -> MemberPage:
        """A keyset page of a group's members, pk order."""
        loaded = Group.load(group, self.store)
        rows, total = monitor_detail.group_members(self.store, loaded.pk, after_pk, size)  # type: ignore[arg-type]
        members = [
            MemberRow(
                pk=row.id,
                node_type=row.node_type,
                label=row.label,
                ctime=row.ctime,
                state=row.process_state,
                exit_status=(row.attributes or {}).get("exit_status"),
            )
            for row in rows
        ]
        return MemberPage(
            group_pk=loaded.pk,  # type: ignore[arg-type]
            group_label=loaded.label,
            rows=members,
            total=total,
            next_after_pk=rows[-1].id if rows and len(rows) == size else None,
        )

    # -- transfers ----------------------------------------------------------------------------

    @property
    def transfer_meter(self) -> TransferMeter:
        """The meter every transport of this service reports to (made on first use)."""
        meter = getattr(self, "_transfer_meter", None)
        if meter is None:
            meter = TransferMeter()
            self._transfer_meter = meter
            hub = getattr(self, "_monitor_hub", None)
            if hub is not None:
                hub.add_source(MeterSource(meter))
        return meter

    def transfer_stats(self) -> TransferStats:
        meter: TransferMeter | None = getattr(self, "_transfer_meter", None)
        if meter is None:
            return TransferStats(available=False)
        return transfer_stats_from(meter.snapshot())

    # -- events -------------------------------------------------------------------------------

    @property
    def monitor_hub(self) -> EventHub:
        """Where events are published (by the store poller now, by the engine directly later)."""
        hub = getattr(self, "_monitor_hub", None)
        if hub is None:
            hub = EventHub()
            hub.add_source(StorePoller(self.changed_processes, self._latest_process_mtime, self.monitor_status))
            meter = getattr(self, "_transfer_meter", None)
            if meter is not None:
                hub.add_source(MeterSource(meter))
            self._monitor_hub = hub
        return hub

    def _latest_process_mtime(self) -> datetime | None:
        return monitor_processes.latest_mtime(self.store)

    def monitor_events(self) -> EventSubscription:
        """Subscribe on the running loop to coalesced batches of process, status, transfer and dump events."""
        return self.monitor_hub.subscribe()
