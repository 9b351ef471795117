"""The service's process-control and dump actions as the TUI calls them, present or honestly absent.

Kill, pause, play and dump come from other parts of provtop. The TUI binds their keys always and,
while the service lacks a method, says so instead of pretending; nothing here fakes a result.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

Action = Literal["kill", "force_kill", "pause", "play", "dump_plan", "dump_run"]

# Service method names to look for, in order of preference.
METHOD_NAMES: dict[str, tuple[str, ...]] = {
    "kill": ("kill_processes", "kill"),
    "force_kill": ("kill_processes", "kill"),
    "pause": ("pause_processes", "pause"),
    "play": ("play_processes", "play"),
    "dump_plan": ("plan_group_dump",),
    "dump_run": ("run_dump",),
}

WHAT_IS_MISSING = {
    "kill": "killing processes",
    "force_kill": "force-killing processes",
    "pause": "pausing processes",
    "play": "resuming processes",
    "dump_plan": "dumping groups",
    "dump_run": "dumping groups",
}

# How long a control call may wait for the engine before it reports what is still pending.
CONTROL_TIMEOUT = 30.0
# Where a kill came from, as the killed processes' status says it ("Killed from the provtop TUI").
ORIGIN = "from the provtop TUI"


@dataclass(frozen=True)
class ControlReply:
    """The service's one-line answer, and whether everything asked for is done (nothing pending or failed)."""

    message: str
    complete: bool


class NotAvailable(Exception):
    """This provtop has no such action yet."""

    def __init__(self, action: Action) -> None:
        super().__init__(f"{WHAT_IS_MISSING[action]} is not available yet in this provtop")
        self.action = action


class ServiceControl:
    """Finds the service's action methods; every call blocks, so callers run it in a worker thread."""

    def __init__(self, service: Any) -> None:
        self.service = service

    def method(self, action: Action) -> Callable[..., Any] | None:
        for name in METHOD_NAMES[action]:
            candidate = getattr(self.service, name, None)
            if callable(candidate):
                if action == "force_kill" and not _accepts(candidate, "force"):
                    continue
                return candidate
        return None

    def available(self, action: Action) -> bool:
        return self.method(action) is not None

    def control(self, action: Literal["kill", "force_kill", "pause", "play"], pks: list[int]) -> ControlReply:
        """Run kill, force-kill, pause or play on `pks` (they cascade); returns the service's answer."""
        method = self.method(action)
        if method is None:
            raise NotAvailable(action)
        kwargs: dict[str, Any] = {}
        if action == "force_kill":
            kwargs["force"] = True
        if action in ("kill", "force_kill") and _accepts(method, "origin"):
            kwargs["origin"] = ORIGIN
        if _accepts(method, "timeout"):
            kwargs["timeout"] = CONTROL_TIMEOUT
        result = method(pks, **kwargs)
        outcomes = getattr(result, "outcomes", [])
        return ControlReply(_message(result), all(getattr(o, "status", "done") == "done" for o in outcomes))


def _accepts(method: Callable[..., Any], name: str) -> bool:
    try:
        parameters = inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False
    return name in parameters or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())


def _message(result: Any) -> str:
    if isinstance(result, str):
        return result
    message = getattr(result, "message", None)
    if message:
        return str(message)
    if isinstance(result, (list, tuple)):
        return "; ".join(_message(item) for item in result)
    return str(result)
