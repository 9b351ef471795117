"""How numbers, ages and states read on screen: pure functions, tested without a terminal."""

from __future__ import annotations

from datetime import datetime

from provtop.backend.service.snapshots import ACTIVE_STATES, ProcessRow

STATE_STYLES = {
    "created": "dim",
    "waiting": "cyan",
    "running": "bold bright_blue",
    "paused": "yellow",
    "finished": "green",
    "failed": "red",
    "excepted": "bold red",
    "killed": "magenta",
    "unknown": "dim",
}


def state_style_name(row: ProcessRow) -> str:
    """The colour class of a row's state; never the only signal (the symbol and text say it too)."""
    return style_name(row.state, row.exit_status, paused=row.paused)


def style_name(state: str | None, exit_status: int | None, *, paused: bool = False) -> str:
    """The same for a process known only by its state and exit status (a group member)."""
    if paused and state in ACTIVE_STATES:
        return "paused"
    if state == "finished":
        return "failed" if exit_status else "finished"
    return state if state in STATE_STYLES else "unknown"


# What `state:` takes in the `/` filter (the store's process states, and paused).
FILTER_STATES = (*ACTIVE_STATES, "paused", "finished", "excepted", "killed")


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """`1 process`, `2 processes`: the count with its noun in the right number."""
    if count == 1:
        return f"1 {noun}"
    return f"{count} {nouns or (noun + 'es' if noun.endswith(('s', 'x', 'ch', 'sh')) else noun + 's')}"


def age(then: datetime, now: datetime) -> str:
    """A compact age: 42s, 7m, 5h, 3d, 12w."""
    seconds = max(0, int((now - then).total_seconds()))
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def size(value: float) -> str:
    """Bytes in binary units: 512 B, 1.5 KiB, 20.0 MiB."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def rate(value: float | None) -> str:
    return "–" if value is None else f"{size(value)}/s"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


def truncate(text: str, width: int) -> str:
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def short_type(node_type: str) -> str:
    """`data.core.int.Int.` -> `Int`; `process.workflow.workchain.WorkChainNode.` -> `WorkChainNode`."""
    parts = [part for part in node_type.split(".") if part]
    return parts[-1] if parts else node_type
