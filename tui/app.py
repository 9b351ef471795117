"""ProvtopApp: one screen per mode, the service's event stream, and the state that several screens share.

The app never reads the store on the event loop: screens load in thread workers that post messages,
and live changes arrive from the service's event stream as coalesced batches (<= 10 per second).
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import provtop.styles
from provtop.backend.errors import ProvtopError
from provtop.backend.service.monitor_engine import EngineChoice
from provtop.backend.service.monitor_events import EventBatch
from provtop.backend.service.snapshots import MonitorStatus
from textual import on, work
from textual.app import App
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from . import keys
from .commands import ProvtopCommands
from .control import ServiceControl
from .messages import EventsArrived
from .screens.groups import GroupsScreen
from .screens.help import HelpScreen
from .screens.processes import ProcessesScreen
from .screens.transfers import TransfersScreen
from .transfer_log import TransferLog
from .widgets.mode_bar import ModeBar

STYLES = Path(next(iter(provtop.styles.__path__)))


# What start-up allocated (modules, the store, the first pages) lives as long as the app. Moving it
# out of the collector's reach keeps full collections, which otherwise stall the loop for 90-160 ms
# on a large profile, down to a few milliseconds (benchmarks/tui.py).
FREEZE_AFTER_SECONDS = 3.0


class ProvtopApp(App[int]):
    TITLE = "provtop"
    CSS_PATH = [STYLES / "provtop.tcss", STYLES / "dialogs.tcss"]
    MODES = {"processes": ProcessesScreen, "groups": GroupsScreen, "transfers": TransfersScreen}
    DEFAULT_MODE = "processes"
    BINDINGS = keys.bindings("app")
    COMMANDS = App.COMMANDS | {ProvtopCommands}

    def __init__(
        self,
        service: Any,
        *,
        profile_name: str = "",
        read_only: bool = False,
        clock: Callable[[], datetime] | None = None,
        live: bool = True,
        keymap: dict[str, str] | None = None,
    ) -> None:
        """`live=False` leaves out the event stream and timers: tests and screenshots get a still picture."""
        super().__init__()
        self.service = service
        self.control = ServiceControl(service)
        self.profile_name = profile_name or getattr(getattr(service, "store", None), "name", "")
        self.read_only = read_only
        self.clock = clock or (lambda: datetime.now(UTC))
        self.live = live
        self.keymap = dict(keymap or {})
        self.mode_screens: dict[str, Screen[Any]] = {}
        self.monitor_status: MonitorStatus | None = None
        self.frozen = False
        self._held = EventBatch()
        self.transfer_log = TransferLog()
        self.engine_choice: EngineChoice | None = None  # set by the CLI when it hosts the engine

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        if self.keymap:
            self.set_keymap(self.keymap)
        self._load_status()
        if self.engine_choice is not None and self.engine_choice.mode == "external":
            self.notify(self.engine_choice.message, title="Engine runs elsewhere", timeout=8)
        if self.live:
            self.run_worker(self._follow_events, name="events", group="events", exclusive=True, exit_on_error=False)
            self.set_interval(1.0, self._tick)
        self.set_timer(FREEZE_AFTER_SECONDS, gc.freeze)

    # -- the event stream ---------------------------------------------------------------------

    async def _follow_events(self) -> None:
        async with self.service.monitor_events() as subscription:
            async for batch in subscription:
                self.post_message(EventsArrived(batch))

    @work(thread=True, group="status", exit_on_error=False)
    def _load_status(self) -> None:
        self.post_message(EventsArrived(EventBatch(status=self.service.monitor_status())))

    @on(EventsArrived)
    def _events_arrived(self, message: EventsArrived) -> None:
        if self.frozen:
            for row in message.batch.processes.values():
                self._held.processes[row.pk] = row
            self._held.status = message.batch.status or self._held.status
            return
        self.apply_batch(message.batch)

    def apply_batch(self, batch: EventBatch) -> None:
        if batch.status is not None:
            self.monitor_status = batch.status
        processes = self.mode_screens.get("processes")
        if batch.processes and isinstance(processes, ProcessesScreen):
            processes.apply_rows(sorted(batch.processes.values(), key=lambda row: row.pk))
        if batch.transfers is not None:
            self.transfer_log.update(batch.transfers)
            transfers = self.mode_screens.get("transfers")
            if isinstance(transfers, TransfersScreen) and transfers.is_current:
                transfers.show()
        for dump in batch.dumps.values():
            if dump.finished:
                self.notify(dump.message or "dump finished", title="dump")
        self._update_status_bars()

    def _update_status_bars(self) -> None:
        for screen in self.mode_screens.values():
            update = getattr(screen, "update_status", None)
            if update is not None and screen.is_mounted:
                update()
                screen.query_one(ModeBar).refresh()

    def _tick(self) -> None:
        """Once a second: a throughput sample, and the shown screen's ages and graph move on; nothing is loaded."""
        if self.frozen:
            return
        # The meter is in memory: reading it costs a lock, not a query, so this may run on the loop.
        self.transfer_log.sample(self.service.transfer_stats())
        tick = getattr(self.screen, "tick", None)
        if tick is not None:
            tick()

    # -- app-wide actions ---------------------------------------------------------------------

    def action_help(self) -> None:
        scope = self.screen.id if self.screen.id in ("processes", "groups", "members", "transfers") else "app"
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(scope, self.keymap, self.read_only))  # type: ignore[arg-type]

    def action_toggle_freeze(self) -> None:
        self.frozen = not self.frozen
        if not self.frozen and not self._held.is_empty:
            held, self._held = self._held, EventBatch()
            self.apply_batch(held)
        self._update_status_bars()
        self.notify("Live updates frozen: press Z to resume." if self.frozen else "Live updates resumed.", title="freeze")

    def action_refresh_now(self) -> None:
        reload = getattr(self.screen, "reload", None) or getattr(self.screen, "action_reload", None)
        if reload is not None:
            reload()
        self._load_status()

    def start_dump(self, group: str | None) -> None:
        """`d` and `D`: dump a group (or, with None, the profile) after a dry-run plan."""
        from .modals.dump_dialog import open_dump_dialog

        open_dump_dialog(self, group)

    # -- errors -------------------------------------------------------------------------------

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            message = str(error) if isinstance(error, ProvtopError) else f"{type(error).__name__}: {error}"
            self.notify(message, title="Error", severity="error", timeout=8)
