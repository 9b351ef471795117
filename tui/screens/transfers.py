"""The transfers screen: rates per computer and per process, a graph of the last minutes, active transfers.

It draws what the app's `TransferLog` holds (sampled once a second from start-up), so the graph
already has history when the screen opens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from .. import keys
from ..formatting import duration, rate, size, truncate
from ..widgets.mode_bar import ModeBar
from ..widgets.status_bar import StatusBar
from ..widgets.throughput import ThroughputGraph

if TYPE_CHECKING:
    from ..app import ProvtopApp

BAR_WIDTH = 16
MAX_TABLE_ROWS = 6
NARROW = 120  # below this width the per-process table gives its room to the per-computer one


def progress_bar(done: int, total: int | None, width: int = BAR_WIDTH) -> str:
    if not total:
        return "·" * width + "    ?"
    fraction = min(1.0, done / total)
    filled = int(fraction * width)
    return "█" * filled + "░" * (width - filled) + f" {fraction * 100:3.0f}%"


def _right(text: str) -> Text:
    return Text(text, justify="right")


LEFT_COLUMNS = ("Computer", "Op", "Path", "Progress")


def _table(table_id: str, title: str, *columns: str) -> DataTable[str | Text]:
    """A bordered table whose columns exist from the start (a tick may draw before the screen is mounted)."""
    table: DataTable[str | Text] = DataTable(id=table_id, cursor_type="none")
    table.border_title = title
    for column in columns:
        table.add_column(column if column in LEFT_COLUMNS else _right(column))
    return table


class TransfersScreen(Screen[None]):
    BINDINGS = keys.bindings("transfers")

    def __init__(self) -> None:
        super().__init__(id="transfers")

    @property
    def provtop(self) -> ProvtopApp:
        return cast("ProvtopApp", self.app)

    def compose(self) -> ComposeResult:
        yield ModeBar("transfers")
        with Vertical(id="transfer-main"):
            yield Static(id="transfer-note")
            graph = ThroughputGraph(self.provtop.transfer_log.samples, id="transfer-graph")
            graph.border_title = "All computers: ▼ download above, ▲ upload below"
            yield graph
            with Horizontal(id="transfer-tables"):
                yield _table("transfer-computers", "Per computer", "Computer", "▼ now", "▲ now", "▼ peak", "▲ peak",
                             "▼ total", "▲ total")
                yield _table("transfer-processes", "Per process", "PK", "Transfers", "Rate", "Done")
            yield _table("transfer-active", "Active transfers", "Computer", "Op", "PK", "Path", "Progress", "Size",
                         "Rate", "ETA")
        yield StatusBar(id="status-bar")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.provtop.mode_screens["transfers"] = self
        self.show()
        self.update_status()

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW, "-narrow")

    def tick(self) -> None:
        """Once a second, while this screen is shown: the graph moves on."""
        self.show()

    def show(self) -> None:
        log = self.provtop.transfer_log
        stats = log.latest
        note = self.query_one("#transfer-note", Static)
        if not stats.available:
            note.update("No transfer figures: only an engine running inside this provtop reports them (read-only mode runs none).")
        elif not stats.active:
            note.update(f"▼ {rate(stats.download_rate)}   ▲ {rate(stats.upload_rate)}   no transfer running now")
        else:
            note.update(f"▼ {rate(stats.download_rate)}   ▲ {rate(stats.upload_rate)}   {len(stats.active)} running")
        self.query_one(ThroughputGraph).refresh()
        computers = self.query_one("#transfer-computers", DataTable)
        computers.clear()
        for entry in stats.computers:
            peak = log.peaks.get(entry.computer, (0.0, 0.0))
            computers.add_row(
                entry.computer,
                *(_right(text) for text in (rate(entry.download_rate), rate(entry.upload_rate), rate(peak[0]), rate(peak[1]),
                                            size(entry.download_total), size(entry.upload_total))),
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
            processes.add_row(*(_right(text) for text in (str(pk), str(int(count)), rate(speed), size(int(done)))))
        rows = max(1, computers.row_count, processes.row_count)
        self.query_one("#transfer-tables").styles.height = 3 + min(rows, MAX_TABLE_ROWS)  # borders and header
        active = self.query_one("#transfer-active", DataTable)
        active.clear()
        for transfer in stats.active:
            active.add_row(
                transfer.computer,
                {"get": "▼ get", "put": "▲ put"}.get(transfer.operation, transfer.operation),
                _right("" if transfer.pk is None else str(transfer.pk)),
                truncate(transfer.path, max(16, min(60, self.size.width - 90))),
                progress_bar(transfer.done, transfer.total),
                _right(size(transfer.total) if transfer.total else "?"),
                _right(rate(transfer.rate)),
                _right(duration(transfer.eta)),
            )

    def update_status(self) -> None:
        app = self.provtop
        self.query_one(StatusBar).show(app.monitor_status)
