"""Errors of the engine and of the processes it runs, in provtop's one hierarchy."""

from __future__ import annotations

from ..errors import ProvtopError, RemoteError


class EngineError(ProvtopError):
    """The engine cannot run a process (bad process class, missing computer, ...)."""


class LeaseLost(EngineError):
    """Another engine (or a kill without an engine) took this process over; stop touching it."""


class TransportTaskFailed(RemoteError):
    """A transport step failed on every attempt; the process pauses with this message."""

    def __init__(self, task: str, attempts: int, reason: str) -> None:
        super().__init__(f"{task} failed {attempts} times consecutively: {reason}")
        self.task = task
        self.attempts = attempts
        self.reason = reason


class ReplayMismatch(EngineError):
    """A resumed workflow asked for children that its first run did not; the rule was broken."""


class StashFailed(EngineError):
    """Stashing cannot succeed by retrying (no permission, nothing to stash, target exists)."""
