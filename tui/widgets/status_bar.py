"""The status bar: engine state, active and orphan counts, throughput, and how the view is set.

Parts give way from the right, and long ones shorten, so the bar stays one line at any width.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from provtop.backend.service.snapshots import MonitorStatus

from ..formatting import rate

ENGINES = {"embedded": "engine running here", "external": "engine running in another process", "none": "no engine running"}
SEPARATOR = "  │  "


def _engine(status: MonitorStatus) -> Text:
    running = status.engine in ("running", "embedded", "external")
    return Text(ENGINES.get(status.engine, f"engine {status.engine}"), style="green" if running else "yellow")


def _active(status: MonitorStatus, *, detailed: bool) -> Text:
    text = Text(f"{status.active} active", style="bold" if status.active else "")
    if detailed and status.active:
        counts = [(status.running, "running"), (status.waiting, "waiting"), (status.paused, "paused")]
        text.append(" (" + ", ".join(f"{n} {what}" for n, what in counts if n) + ")", style="dim")
    return text


def _orphans(status: MonitorStatus) -> Text:
    orphans = "–" if status.orphans is None else str(status.orphans)
    return Text(f"orphans {orphans}", style="bold red" if status.orphans else "")


class StatusBar(Widget):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.status: MonitorStatus | None = None
        self.view = ""

    def show(self, status: MonitorStatus | None, *, view: str = "") -> None:
        self.status, self.view = status, view
        self.refresh()

    def render(self) -> Text:
        if self.status is None:
            return Text("loading…", style="dim")
        width = self.size.width
        for detailed, with_view in ((True, True), (False, True), (False, False)):
            parts = [_engine(self.status), _active(self.status, detailed=detailed), _orphans(self.status),
                     Text(f"⇅ {rate(self.status.throughput)}")]
            if with_view and self.view:
                parts.append(Text(self.view, style="dim"))
            text = Text(SEPARATOR, style="dim").join(parts)
            if text.cell_len <= width:
                break
        text.truncate(width, overflow="ellipsis")
        return text
