"""Transports: local, ssh (paramiko) and ssh_async (asyncssh) behind one async interface.

This package knows nothing of provtop's backend or TUI; see README.md here for the API.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from .base import Transport
from .errors import (
    AlreadyExists,
    CommandFailed,
    ConnectionLost,
    HostKeyError,
    NotFound,
    PermissionDenied,
    TransportError,
    TransportTimeout,
    UnsafeArchive,
)
from .local import LocalTransport
from .models import DirEntry, ExecResult, FileStat

# Imported on demand, so using the local transport never loads paramiko or asyncssh.
_KINDS = {
    "local": ("local", "LocalTransport"),
    "ssh": ("ssh", "SshTransport"),
    "ssh_async": ("ssh_async", "AsyncSshTransport"),
}

KINDS = tuple(_KINDS)


def transport_class(kind: str) -> type[Transport]:
    """The Transport class for a kind name; ValueError lists the known kinds."""
    try:
        module_name, class_name = _KINDS[kind]
    except KeyError:
        raise ValueError(f"Unknown transport {kind!r}; use one of {', '.join(KINDS)}") from None
    module = importlib.import_module(f"{__name__}.{module_name}")
    return getattr(module, class_name)


def transport_for(kind: str, settings: Mapping[str, Any] | None = None) -> Transport:
    """A new, not yet opened transport of `kind` built from keyword `settings`."""
    return transport_class(kind)(**dict(settings or {}))


def open_transport(kind: str, **settings: Any) -> Transport:
    """Same as `transport_for`, for `async with open_transport("ssh_async", host="hpc") as t:`."""
    return transport_for(kind, settings)


__all__ = [
    "KINDS",
    "AlreadyExists",
    "CommandFailed",
    "ConnectionLost",
    "DirEntry",
    "ExecResult",
    "FileStat",
    "HostKeyError",
    "LocalTransport",
    "NotFound",
    "PermissionDenied",
    "Transport",
    "TransportError",
    "TransportTimeout",
    "UnsafeArchive",
    "open_transport",
    "transport_class",
    "transport_for",
]
