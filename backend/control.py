"""Kill, pause and play from Python: the actions of `provtop process kill|pause|play`, without a CLI."""

from __future__ import annotations

import math

from .entities.current import get_store
from .entities.nodes.process import ProcessNode
from .service import Service
from .service.control_actions import ControlResult
from .store.store import Store


def _identifiers(processes: tuple[ProcessNode | int | str, ...]) -> list[int | str]:
    return [process.pk if isinstance(process, ProcessNode) and process.pk is not None else process for process in processes]  # type: ignore[misc]


def kill(
    *processes: ProcessNode | int | str, timeout: float = math.inf, force: bool = False, store: Store | None = None
) -> ControlResult:
    """Kill processes and what they called, deepest first, cancelling their scheduler jobs first."""
    return Service(store or get_store()).kill_processes(_identifiers(processes), timeout=timeout, force=force)


def pause(*processes: ProcessNode | int | str, timeout: float = math.inf, store: Store | None = None) -> ControlResult:
    """Pause processes and what they called at their next step."""
    return Service(store or get_store()).pause_processes(_identifiers(processes), timeout=timeout)


def play(*processes: ProcessNode | int | str, timeout: float = math.inf, store: Store | None = None) -> ControlResult:
    """Resume paused processes and what they called."""
    return Service(store or get_store()).play_processes(_identifiers(processes), timeout=timeout)
