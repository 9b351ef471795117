"""Errors of the dump: each names the path or node at fault and what to do about it."""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import InputError, ProvtopError

CLI_REMEDIES = {
    "path": "choose another --path",
    "overwrite": "pass --overwrite",
    "dump_unsealed": "pass --dump-unsealed",
}
"""How the command line words the options a remedy names."""


class DumpError(ProvtopError):
    """A dump cannot start or cannot finish.

    The `remedy` names options as {path}, {overwrite} or {dump_unsealed}, so that the CLI shows
    its flags and the TUI its own controls (`explain`).
    """

    def __init__(self, problem: str, remedy: str = "") -> None:
        self.problem = problem
        self.remedy = remedy
        super().__init__(self.explain(CLI_REMEDIES))

    def explain(self, controls: Mapping[str, str]) -> str:
        return f"{self.problem}; {self.remedy.format_map(controls)}" if self.remedy else self.problem


class UnsafeTargetError(DumpError):
    """The target directory is not one that provtop made, or a path would leave it."""


class UnsealedProcessError(DumpError):
    """A selected process is still running, so its record may still change."""


class DumpStateError(DumpError):
    """The dump log of an earlier run is unreadable or was made by another kind of dump."""


class DumpOptionError(InputError):
    """Options that contradict each other or name nothing that exists."""
