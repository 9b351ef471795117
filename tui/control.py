"""The service's kill, force-kill, pause and play as the TUI calls them: a bounded wait, the TUI named as origin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from provtop.backend.service.control_actions import ControlResult

ControlAction = Literal["kill", "force_kill", "pause", "play"]

# How long a control call may wait for the engine before it reports what is still pending.
CONTROL_TIMEOUT = 30.0
# Where a kill came from, as the killed processes' status says it ("Killed from the provtop TUI").
ORIGIN = "from the provtop TUI"


@dataclass(frozen=True)
class ControlReply:
    """The service's one-line answer, and whether everything asked for is done (nothing pending or failed)."""

    message: str
    complete: bool


class ServiceControl:
    """Runs the service's control actions; every call blocks, so callers run it in a worker thread."""

    def __init__(self, service: Any) -> None:
        self.service = service

    def control(self, action: ControlAction, pks: list[int]) -> ControlReply:
        """Run kill, force-kill, pause or play on `pks` (they cascade); returns the service's answer."""
        result: ControlResult
        if action == "pause":
            result = self.service.pause_processes(pks, timeout=CONTROL_TIMEOUT)
        elif action == "play":
            result = self.service.play_processes(pks, timeout=CONTROL_TIMEOUT)
        else:
            result = self.service.kill_processes(
                pks, timeout=CONTROL_TIMEOUT, force=action == "force_kill", origin=ORIGIN
            )
        return ControlReply(result.message, all(outcome.status == "done" for outcome in result.outcomes))
