"""Errors of the dump: each names the path or node at fault and what to do about it."""

from __future__ import annotations

from ..errors import InputError, ProvtopError


class DumpError(ProvtopError):
    """A dump cannot start or cannot finish."""


class UnsafeTargetError(DumpError):
    """The target directory is not one that provtop made, or a path would leave it."""


class UnsealedProcessError(DumpError):
    """A selected process is still running, so its record may still change."""


class DumpStateError(DumpError):
    """The dump log of an earlier run is unreadable or was made by another kind of dump."""


class DumpOptionError(InputError):
    """Options that contradict each other or name nothing that exists."""
