"""What a monitor (the TUI, later a socket client) sees: pydantic snapshots of processes, groups and transfers.

Snapshots are plain data with no store handles, so they cross threads and processes freely.
"""

from __future__ import annotations

import shlex
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ProcessKind = Literal["workflow", "calcjob", "calcfunction", "workfunction", "process"]
SortField = Literal["pk", "label", "state", "ctime"]

ACTIVE_STATES = ("created", "waiting", "running")

# verdi's symbols (aiida.cmdline.utils.common.format_state): one cell wide in every terminal font we met.
SYMBOL_ACTIVE = "⏵"
SYMBOL_PAUSED = "⏸"
SYMBOL_STOPPED = "⏹"
SYMBOL_EXCEPTED = "⨯"
SYMBOL_KILLED = "☠"
SYMBOL_UNKNOWN = "·"


def state_symbol(state: str | None, *, paused: bool = False) -> str:
    """The symbol verdi shows for a process state."""
    if paused and state in ACTIVE_STATES:
        return SYMBOL_PAUSED
    if state in ("waiting", "running"):
        return SYMBOL_ACTIVE
    if state in ("created", "finished"):
        return SYMBOL_STOPPED
    if state == "excepted":
        return SYMBOL_EXCEPTED
    if state == "killed":
        return SYMBOL_KILLED
    return SYMBOL_UNKNOWN


class ProcessRow(BaseModel):
    """One process as a row of the tree or the flat list."""

    model_config = ConfigDict(frozen=True)

    pk: int
    parent_pk: int | None = Field(default=None, description="The calling workflow, if any.")
    kind: ProcessKind
    label: str
    process_label: str | None = None
    state: str | None = None
    paused: bool = False
    exit_status: int | None = None
    status: str | None = Field(default=None, description="The process status line (what it waits for).")
    ctime: datetime
    mtime: datetime
    computer: str | None = None
    job_id: str | None = None
    scheduler_state: str | None = None
    pending_reason: str | None = None
    child_count: int = 0

    @property
    def symbol(self) -> str:
        return state_symbol(self.state, paused=self.paused)

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def failed(self) -> bool:
        return self.state in ("excepted", "killed") or (self.state == "finished" and bool(self.exit_status))

    @property
    def state_text(self) -> str:
        """verdi's wording: "Finished [0]", "Running", "Paused"."""
        if self.state is None:
            return "Unknown"
        if self.paused and self.is_active:
            return "Paused"
        text = self.state.capitalize()
        return f"{text} [{self.exit_status}]" if self.state == "finished" and self.exit_status is not None else text

    @property
    def title(self) -> str:
        """The label, else the process label, else the kind."""
        return self.label or self.process_label or self.kind


class ProcessFilter(BaseModel):
    """Which processes a view shows; every field narrows, `invert` shows the rest instead."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    states: tuple[str, ...] = ()
    text: str | None = Field(default=None, description="Substring of the label or the process label.")
    computer: str | None = None
    invert: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.states or self.text or self.computer)

    @classmethod
    def parse(cls, query: str) -> ProcessFilter:
        """Read the `/` prompt: `state:running,waiting computer:hpc relax`; a leading `!` inverts."""
        query = query.strip()
        invert = query.startswith("!")
        if invert:
            query = query[1:]
        try:
            words = shlex.split(query)
        except ValueError:
            words = query.split()
        states: list[str] = []
        computer: str | None = None
        text: list[str] = []
        for word in words:
            key, sep, value = word.partition(":")
            if sep and key in ("state", "s"):
                states.extend(v.lower() for v in value.split(",") if v)
            elif sep and key in ("computer", "c"):
                computer = value or None
            else:
                text.append(word)
        return cls(states=tuple(states), text=" ".join(text) or None, computer=computer, invert=invert)

    def matches(self, row: ProcessRow) -> bool:
        """The same test as the store's query, for rows that arrive by event."""
        if self.is_empty:
            return True
        hit = True
        if self.states:
            paused = "paused" in self.states and row.paused and row.is_active
            hit = row.state in self.states or paused
        if hit and self.text:
            needle = self.text.lower()
            hit = needle in row.label.lower() or needle in (row.process_label or "").lower()
        if hit and self.computer:
            hit = row.computer == self.computer
        return hit != self.invert

    def describe(self) -> str:
        parts = []
        if self.states:
            parts.append("state:" + ",".join(self.states))
        if self.computer:
            parts.append(f"computer:{self.computer}")
        if self.text:
            parts.append(self.text)
        return ("!" if self.invert else "") + " ".join(parts)


class ProcessQuery(BaseModel):
    """One page of the process view: roots of the tree (no caller) or every process, filtered and sorted.

    `cursor` is the `next_cursor` of the previous page (keyset paging: page 100 costs what page 1 does).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    roots_only: bool = True
    filter: ProcessFilter = ProcessFilter()
    sort: SortField = "pk"
    descending: bool = True
    size: int = Field(default=200, ge=1, le=5000)
    cursor: tuple[Any, int] | None = None


class ProcessPage(BaseModel):
    rows: list[ProcessRow]
    total: int
    next_cursor: tuple[Any, int] | None = None


class LinkedNode(BaseModel):
    """A neighbour in the provenance graph, as the detail pane lists it."""

    pk: int
    link_label: str
    link_type: str
    node_type: str
    label: str
    summary: str = Field(default="", description="A short rendering of the value (numbers, small dicts).")


class LogLine(BaseModel):
    time: datetime
    level: str
    message: str


class FileItem(BaseModel):
    path: str
    size: int


class ProcessDetail(BaseModel):
    """Everything the detail pane shows about one process."""

    row: ProcessRow
    uuid: str
    node_type: str
    process_type: str | None
    description: str
    exit_message: str | None = None
    exception: str | None = None
    remote_workdir: str | None = None
    caller: LinkedNode | None = None
    inputs: list[LinkedNode]
    outputs: list[LinkedNode]
    called: list[LinkedNode]
    attributes: dict[str, Any]
    extras: dict[str, Any]
    logs: list[LogLine]
    logs_total: int
    files: list[FileItem]


class DescendantCount(BaseModel):
    """What a kill, pause or play would touch: the chosen processes and everything they called."""

    selected: int = Field(description="Chosen processes that are still active.")
    descendants: int = Field(description="Active processes below them, not chosen themselves.")
    terminated: int = Field(description="Chosen processes that have terminated already (nothing to do).")

    @property
    def total(self) -> int:
        return self.selected + self.descendants


class MemberRow(BaseModel):
    pk: int
    node_type: str
    label: str
    ctime: datetime
    state: str | None = None
    exit_status: int | None = None


class MemberPage(BaseModel):
    group_pk: int
    group_label: str
    rows: list[MemberRow]
    total: int
    next_after_pk: int | None = None


class ComputerThroughput(BaseModel):
    """Bytes per second and bytes so far on one computer; download is `get`, upload is `put`."""

    computer: str
    download_rate: float = 0.0
    upload_rate: float = 0.0
    copy_rate: float = 0.0
    download_total: int = 0
    upload_total: int = 0
    copy_total: int = 0


class ActiveTransfer(BaseModel):
    id: int
    computer: str
    operation: str
    path: str
    pk: int | None
    total: int | None
    done: int
    seconds: float = Field(description="Seconds since it started.")

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds > 0 else 0.0

    @property
    def eta(self) -> float | None:
        if not self.total or self.rate <= 0:
            return None
        return max(0.0, (self.total - self.done) / self.rate)


class TransferStats(BaseModel):
    """The transfer meter's figures at one moment; `available` is False until a meter is attached."""

    available: bool
    at: float = 0.0
    computers: list[ComputerThroughput] = Field(default_factory=list)
    active: list[ActiveTransfer] = Field(default_factory=list)

    @property
    def download_rate(self) -> float:
        return sum(c.download_rate for c in self.computers)

    @property
    def upload_rate(self) -> float:
        return sum(c.upload_rate for c in self.computers)


class MonitorStatus(BaseModel):
    """The status bar: who runs the processes, how many are active, orphans, throughput.

    None means "not known": the part of provtop that would know is not present.
    """

    engine: str
    active: int
    running: int
    waiting: int
    paused: int
    orphans: int | None = None
    throughput: float | None = None
