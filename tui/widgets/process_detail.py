"""The detail pane: what one process took, made, said and wrote, truncated to one line per item."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from rich.console import Group as RenderGroup
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from provtop.backend.service.snapshots import LinkedNode, ProcessDetail

from ..formatting import STATE_STYLES, age, short_type, size, state_style_name

MAX_ATTRIBUTE_LINES = 40
LOG_LEVEL_STYLES = {"ERROR": "red", "CRITICAL": "bold red", "WARNING": "yellow", "REPORT": "cyan"}


def _links_table(title: str, links: list[LinkedNode]) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", show_header=False, box=None, pad_edge=False, expand=True)
    table.add_column("label", no_wrap=True, overflow="ellipsis", ratio=2)
    table.add_column("pk", justify="right", no_wrap=True)
    table.add_column("type", no_wrap=True, overflow="ellipsis", ratio=2)
    table.add_column("value", no_wrap=True, overflow="ellipsis", ratio=3, style="dim")
    for link in links:
        table.add_row(link.link_label, str(link.pk), short_type(link.node_type), link.summary or link.label)
    if not links:
        table.add_row("[dim]none[/dim]", "", "", "")
    return table


def _attribute_lines(attributes: dict[str, Any]) -> Text:
    text = Text()
    for index, (key, value) in enumerate(sorted(attributes.items())):
        if index >= MAX_ATTRIBUTE_LINES:
            text.append(f"… {len(attributes) - MAX_ATTRIBUTE_LINES} more\n", style="dim")
            break
        shown = json.dumps(value, default=str) if isinstance(value, (dict, list)) else str(value)
        text.append(f"{key}: ", style="bold")
        text.append(shown if len(shown) <= 120 else shown[:119] + "…")
        text.append("\n")
    return text


class ProcessDetailPane(VerticalScroll, can_focus=True):
    """Summary, inputs, outputs, called processes, report log, files and attributes of one process."""

    DEFAULT_CSS = """
    ProcessDetailPane { width: 38%; border-left: vkey $foreground 20%; padding: 0 1; }
    ProcessDetailPane.-hidden { display: none; }
    ProcessDetailPane > Static { width: 1fr; margin-bottom: 1; }
    """

    def __init__(self, clock: Callable[[], datetime], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.clock = clock
        self.pk: int | None = None

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static("[dim]no process selected[/dim]", id="detail-summary")
        yield Static(id="detail-links")
        yield Static(id="detail-log")
        yield Static(id="detail-files")
        yield Static(id="detail-attributes")

    def show_missing(self, pk: int, message: str) -> None:
        self.pk = pk
        self.query_one("#detail-summary", Static).update(f"[red]{escape(message)}[/red]")
        for name in ("links", "log", "files", "attributes"):
            self.query_one(f"#detail-{name}", Static).update("")

    def show(self, detail: ProcessDetail) -> None:
        self.pk = detail.row.pk
        row = detail.row
        style = STATE_STYLES[state_style_name(row)]
        summary = Text()
        summary.append(f"{row.symbol} {row.state_text}  ", style=style)
        summary.append(f"  {row.title}  ", style="bold")
        summary.append(f"<{row.pk}>", style="dim")
        lines = [
            f"type      {detail.process_type or detail.node_type}",
            f"created   {row.ctime:%Y-%m-%d %H:%M:%S} ({age(row.ctime, self.clock())} ago)",
        ]
        if detail.caller:
            lines.append(f"caller    {detail.caller.label} <{detail.caller.pk}>")
        if row.computer:
            lines.append(f"computer  {row.computer}")
        if row.job_id:
            job = f"job       {row.job_id}"
            if row.scheduler_state:
                job += f" ({row.scheduler_state})"
            lines.append(job)
        if row.pending_reason:
            lines.append(f"pending   {row.pending_reason}")
        if row.status:
            lines.append(f"status    {row.status}")
        if detail.exit_message:
            lines.append(f"exit      {detail.exit_message}")
        if detail.exception:
            lines.append(f"exception {detail.exception.splitlines()[-1] if detail.exception else ''}")
        if detail.remote_workdir:
            lines.append(f"workdir   {detail.remote_workdir}")
        summary.append("\n" + "\n".join(lines))
        self.query_one("#detail-summary", Static).update(summary)
        tables = [_links_table("Inputs", detail.inputs), _links_table("Outputs", detail.outputs)]
        if detail.called:
            tables.append(_links_table("Called", detail.called))
        self.query_one("#detail-links", Static).update(RenderGroup(*tables))
        log = Text()
        log.append(f"Report ({detail.logs_total})\n", style="bold")
        for line in detail.logs[-30:]:
            log.append(f"{line.time:%H:%M:%S} ", style="dim")
            log.append(f"{line.level:<7} ", style=LOG_LEVEL_STYLES.get(line.level, ""))
            log.append(line.message + "\n")
        if not detail.logs:
            log.append("none\n", style="dim")
        self.query_one("#detail-log", Static).update(log)
        files = Text()
        files.append(f"Files ({len(detail.files)})\n", style="bold")
        for item in detail.files:
            files.append(f"{item.path}", style="")
            files.append(f"  {size(item.size)}\n", style="dim")
        if not detail.files:
            files.append("none\n", style="dim")
        self.query_one("#detail-files", Static).update(files)
        attributes = Text("Attributes\n", style="bold")
        attributes.append_text(_attribute_lines(detail.attributes))
        self.query_one("#detail-attributes", Static).update(attributes)
