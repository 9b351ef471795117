"""The transfers screen draws what the app sampled since start-up: history, peaks, active transfers."""

from __future__ import annotations

import math
from typing import Any

from textual.widgets import DataTable

from provtop.backend.service import Service
from provtop.backend.service.snapshots import ActiveTransfer, ComputerThroughput, TransferStats
from provtop.tui.formatting import rate
from provtop.tui.screens.transfers import TransfersScreen
from provtop.tui.widgets.throughput import ThroughputGraph

from .conftest import make_app, settle

MIB = 1024 * 1024


class MeteredService:
    """A service whose transfer meter reports a download that swells and ebbs, one step per reading."""

    def __init__(self, service: Service) -> None:
        self._service = service
        self.readings = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self._service, name)

    def transfer_stats(self) -> TransferStats:
        step = self.readings
        self.readings += 1
        down = 40 * MIB * (1 + math.sin(step / 4))
        up = 8 * MIB * (1 + math.cos(step / 5))
        return TransferStats(
            available=True,
            at=float(step),
            computers=[ComputerThroughput(computer="hpc", download_rate=down, upload_rate=up,
                                          download_total=step * 40 * MIB, upload_total=step * 8 * MIB)],
            active=[ActiveTransfer(id=1, computer="hpc", operation="get", path="/scratch/provtop/ab/cd/aiida.out",
                                   pk=42, total=900 * MIB, done=min(900, step * 40) * MIB, seconds=step + 1.0)],
        )


async def open_transfers_after(pilot: Any, seconds: int) -> None:
    """Sample `seconds` seconds of traffic while the processes screen is shown, then open the transfers screen."""
    await settle(pilot)
    for _ in range(seconds):
        pilot.app._tick()
    await pilot.press("3")
    await settle(pilot)


async def test_opening_transfers_shows_the_history_sampled_since_start_up(demo_service: Service) -> None:
    app = make_app(MeteredService(demo_service))
    async with app.run_test(size=(160, 45)) as pilot:
        await open_transfers_after(pilot, 30)
        assert isinstance(app.screen, TransfersScreen)
        samples = app.screen.query_one(ThroughputGraph).samples
        assert len(samples) >= 30
        computers = app.screen.query_one("#transfer-computers", DataTable)
        row = [str(cell) for cell in computers.get_row_at(0)]
        assert row[0] == "hpc" and row[3] == rate(max(down for down, _ in samples)), "the download peak of the history"
        active = app.screen.query_one("#transfer-active", DataTable)
        assert active.row_count == 1 and "42" in str(active.get_row_at(0)[2])


def test_transfers_screen_with_traffic(snap_compare: Any, demo_service: Service) -> None:
    async def run_before(pilot: Any) -> None:
        await open_transfers_after(pilot, 150)

    assert snap_compare(make_app(MeteredService(demo_service)), terminal_size=(160, 45), run_before=run_before)
