"""The status bar: engine state, active and orphan counts, throughput, and how the view is set."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from provtop.backend.service.snapshots import MonitorStatus

from ..formatting import rate


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    def show(self, status: MonitorStatus | None, *, view: str = "", frozen: bool = False, read_only: bool = False) -> None:
        text = Text()
        if status is None:
            text.append("loading…", style="dim")
        else:
            engine_style = "green" if status.engine in ("running", "embedded", "external") else "dim"
            text.append("engine ", style="dim")
            text.append(status.engine, style=engine_style)
            text.append("  │  ", style="dim")
            text.append(f"{status.active} active", style="bold" if status.active else "")
            text.append(f" ({status.running} running, {status.waiting} waiting, {status.paused} paused)", style="dim")
            text.append("  │  ", style="dim")
            orphans = "–" if status.orphans is None else str(status.orphans)
            text.append(f"orphans {orphans}", style="bold red" if status.orphans else "")
            text.append("  │  ", style="dim")
            text.append(f"⇅ {rate(status.throughput)}")
        if view:
            text.append("  │  ", style="dim")
            text.append(view, style="dim")
        if read_only:
            text.append("  READ-ONLY", style="bold yellow")
        if frozen:
            text.append("  FROZEN", style="bold reverse yellow")
        self.update(text)
