"""The detail pane: what one process took, made, said and wrote; its ages follow the clock without a new query."""

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
        table.add_row(Text(link.link_label), str(link.pk), short_type(link.node_type), Text(link.summary or link.label))
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


def _grid(rows: list[tuple[str, str]]) -> Table:
    """Name/value lines whose values wrap under themselves, not under the names."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    for name, value in rows:
        grid.add_row(name, Text(value))
    return grid


def summary(detail: ProcessDetail, now: datetime) -> RenderGroup:
    """State, title and the facts of one process; the only part that changes with the clock."""
    row = detail.row
    head = Text()
    head.append(f"{row.symbol} {row.state_text}", style=STATE_STYLES[state_style_name(row)])
    head.append(f"  {row.title} ", style="bold")
    head.append(f"<{row.pk}>", style="dim")
    facts = [
        ("type", detail.process_type or detail.node_type),
        ("created", f"{row.ctime:%Y-%m-%d %H:%M:%S} ({age(row.ctime, now)} ago)"),
        ("changed", f"{row.mtime:%Y-%m-%d %H:%M:%S} ({age(row.mtime, now)} ago)"),
    ]
    if detail.description:
        facts.append(("about", detail.description))
    if detail.caller:
        facts.append(("caller", f"{detail.caller.label} <{detail.caller.pk}>"))
    if row.computer:
        facts.append(("computer", row.computer))
    if row.job_id:
        facts.append(("job", f"{row.job_id} ({row.scheduler_state})" if row.scheduler_state else row.job_id))
    if row.pending_reason:
        facts.append(("pending", row.pending_reason))
    if row.status:
        facts.append(("status", row.status))
    if detail.exit_message:
        facts.append(("exit", detail.exit_message))
    if detail.exception:
        facts.append(("exception", detail.exception.splitlines()[-1]))
    if detail.remote_workdir:
        facts.append(("workdir", detail.remote_workdir))
    return RenderGroup(head, _grid(facts))


def _report(detail: ProcessDetail) -> RenderGroup:
    title = Text(f"Report ({detail.logs_total})", style="bold")
    if not detail.logs:
        return RenderGroup(title, Text("none", style="dim"))
    lines = Table.grid(padding=(0, 1))
    lines.add_column(style="dim", no_wrap=True)
    lines.add_column(no_wrap=True)
    lines.add_column(overflow="fold")
    for line in detail.logs[-30:]:
        lines.add_row(f"{line.time:%H:%M:%S}", Text(line.level, style=LOG_LEVEL_STYLES.get(line.level, "")), Text(line.message))
    return RenderGroup(title, lines)


def _files(detail: ProcessDetail) -> RenderGroup:
    title = Text(f"Files ({len(detail.files)})", style="bold")
    if not detail.files:
        return RenderGroup(title, Text("none", style="dim"))
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(overflow="ellipsis", no_wrap=True, ratio=1)
    table.add_column(justify="right", style="dim", no_wrap=True)
    for item in detail.files:
        table.add_row(Text(item.path), size(item.size))
    return RenderGroup(title, table)


class ProcessDetailPane(VerticalScroll, can_focus=True):
    """Summary, inputs, outputs, called processes, report log, files and attributes of one process."""

    DEFAULT_CSS = """
    ProcessDetailPane { width: 38%; min-width: 44; border-left: vkey $foreground 20%; padding: 0 1; }
    ProcessDetailPane.-hidden { display: none; }
    ProcessDetailPane > Static { width: 1fr; margin-bottom: 1; }
    """

    def __init__(self, clock: Callable[[], datetime], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.clock = clock
        self.pk: int | None = None
        self.detail: ProcessDetail | None = None

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static("[dim]no process selected[/dim]", id="detail-summary")
        yield Static(id="detail-links")
        yield Static(id="detail-log")
        yield Static(id="detail-files")
        yield Static(id="detail-attributes")

    def show_missing(self, pk: int, message: str) -> None:
        self.pk, self.detail = pk, None
        self.query_one("#detail-summary", Static).update(f"[red]{escape(message)}[/red]")
        for name in ("links", "log", "files", "attributes"):
            self.query_one(f"#detail-{name}", Static).update("")

    def show(self, detail: ProcessDetail) -> None:
        self.pk, self.detail = detail.row.pk, detail
        self.tick()
        tables = [_links_table("Inputs", detail.inputs), _links_table("Outputs", detail.outputs)]
        if detail.called:
            tables.append(_links_table("Called", detail.called))
        self.query_one("#detail-links", Static).update(RenderGroup(*tables))
        self.query_one("#detail-log", Static).update(_report(detail))
        self.query_one("#detail-files", Static).update(_files(detail))
        attributes = Text("Attributes\n", style="bold")
        attributes.append_text(_attribute_lines(detail.attributes))
        attributes.rstrip()
        self.query_one("#detail-attributes", Static).update(attributes)

    def tick(self) -> None:
        """Ages move on with the clock: the summary is drawn again from what was loaded, nothing is queried."""
        if self.detail is not None:
            self.query_one("#detail-summary", Static).update(summary(self.detail, self.clock()))
