"""The transfers screen: rates per computer and per process, a graph of the last minutes, active transfers."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from provtop.backend.service.snapshots import TransferStats

from .. import keys
from ..formatting import duration, rate, size, truncate
from ..widgets.mode_bar import ModeBar
from ..widgets.status_bar import StatusBar
from ..widgets.throughput import ThroughputGraph

if TYPE_CHECKING:
    from ..app import ProvtopApp

SAMPLE_SECONDS = 1.0
BAR_WIDTH = 16


def progress_bar(done: int, total: int | None, width: int = BAR_WIDTH) -> str:
    if not total:
        return "·" * width + "    ?"
    fraction = min(1.0, done / total)
    filled = int(fraction * width)
    return "█" * filled + "░" * (width - filled) + f" {fraction * 100:3.0f}%"


class TransfersScreen(Screen[None]):
    BINDINGS = keys.bindings("transfers")

    def __init__(self) -> None:
        super().__init__(id="transfers")
        self.peaks: dict[str, tuple[float, float]] = {}

    @property
    def provtop(self) -> ProvtopApp:
        return cast("ProvtopApp", self.app)

    def compose(self) -> ComposeResult:
        yield ModeBar("transfers")
        with Vertical(id="transfer-main"):
            yield Static(id="transfer-note")
            graph = ThroughputGraph(id="transfer-graph")
            graph.border_title = "All computers: ▼ download above, ▲ upload below"
            yield graph
            with Horizontal(id="transfer-tables"):
                computers: DataTable[str] = DataTable(id="transfer-computers", cursor_type="row")
                computers.border_title = "Per computer"
                yield computers
                processes: DataTable[str] = DataTable(id="transfer-processes", cursor_type="row")
                processes.border_title = "Per process"
                yield processes
            active: DataTable[str] = DataTable(id="transfer-active", cursor_type="row")
            active.border_title = "Active transfers"
            yield active
        yield StatusBar(id="status-bar")
        yield Footer()

    def on_mount(self) -> None:
        self.provtop.mode_screens["transfers"] = self
        self.query_one("#transfer-computers", DataTable).add_columns("Computer", "▼ now", "▲ now", "▼ top", "▲ top", "▼ total", "▲ total")
        self.query_one("#transfer-processes", DataTable).add_columns("PK", "Transfers", "Rate", "Done")
        self.query_one("#transfer-active", DataTable).add_columns("Computer", "Op", "PK", "Path", "Progress", "Size", "Rate", "ETA")
        self.show(self.provtop.service.transfer_stats())
        if self.provtop.live:
            self.set_interval(SAMPLE_SECONDS, self._sample)
        self.update_status()

    def _sample(self) -> None:
        # The meter is in memory: reading it costs a lock, not a query, so this may run on the loop.
        if not self.provtop.frozen:
            self.show(self.provtop.service.transfer_stats(), sample=True)

    def show(self, stats: TransferStats, *, sample: bool = False) -> None:
        note = self.query_one("#transfer-note", Static)
        if not stats.available:
            note.update("No transfers yet: rates appear here while the engine uploads, retrieves or copies files.")
        else:
            note.update(f"▼ {rate(stats.download_rate)}   ▲ {rate(stats.upload_rate)}   {len(stats.active)} active")
        if sample:
            self.query_one(ThroughputGraph).add(stats.download_rate, stats.upload_rate)
        computers = self.query_one("#transfer-computers", DataTable)
        computers.clear()
        for entry in stats.computers:
            top_down, top_up = self.peaks.get(entry.computer, (0.0, 0.0))
            top = (max(top_down, entry.download_rate), max(top_up, entry.upload_rate))
            self.peaks[entry.computer] = top
            computers.add_row(
                entry.computer,
                rate(entry.download_rate),
                rate(entry.upload_rate),
                rate(top[0]),
                rate(top[1]),
                size(entry.download_total),
                size(entry.upload_total),
            )
        per_process: dict[int, list[float]] = {}
        for transfer in stats.active:
            if transfer.pk is not None:
                figures = per_process.setdefault(transfer.pk, [0, 0.0, 0])
                figures[0] += 1
                figures[1] += transfer.rate
                figures[2] += transfer.done
        processes = self.query_one("#transfer-processes", DataTable)
        processes.clear()
        for pk, (count, speed, done) in sorted(per_process.items()):
            processes.add_row(str(pk), str(int(count)), rate(speed), size(done))
        active = self.query_one("#transfer-active", DataTable)
        active.clear()
        for transfer in stats.active:
            active.add_row(
                transfer.computer,
                {"get": "▼ get", "put": "▲ put"}.get(transfer.operation, transfer.operation),
                "" if transfer.pk is None else str(transfer.pk),
                truncate(transfer.path, 40),
                progress_bar(transfer.done, transfer.total),
                size(transfer.total) if transfer.total else "?",
                rate(transfer.rate),
                duration(transfer.eta),
            )

    def update_status(self) -> None:
        app = self.provtop
        self.query_one(StatusBar).show(app.monitor_status, frozen=app.frozen, read_only=app.read_only)
