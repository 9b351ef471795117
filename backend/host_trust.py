"""`computer trust`: show a computer's SSH host key and, once the user agrees, add it to known_hosts."""

from __future__ import annotations

import inspect
from pathlib import Path

from pydantic import BaseModel

from provtop.transports import TransportError
from provtop.transports.host_keys import HostKey, known_keys, trust_host_key
from provtop.transports.ssh_async_pool import scan_host_key
from provtop.transports.ssh_settings import SshSettings, resolve_ssh_settings

from . import event_loop
from .entities.computers import Computer
from .errors import InputError, RemoteError

_SETTING_NAMES = set(inspect.signature(resolve_ssh_settings).parameters) - {"host"}


class HostKeyCheck(BaseModel):
    """What the server presented, and how it compares with known_hosts."""

    computer: str
    host: str
    key_type: str
    fingerprint: str
    known_hosts: str
    status: str  # "trusted", "unknown" or "changed"
    key: HostKey


def _ssh_settings(computer: Computer) -> SshSettings:
    if computer.transport_type == "local":
        raise InputError(f"computer '{computer.label}' uses the local transport: there is no host key to trust")
    overrides = {key: value for key, value in computer.transport_settings.items() if key in _SETTING_NAMES}
    return resolve_ssh_settings(computer.hostname, **overrides)


def check_host_key(computer: Computer) -> HostKeyCheck:
    settings = _ssh_settings(computer)
    try:
        key = event_loop.run(scan_host_key(settings))
    except TransportError as exc:
        raise RemoteError(f"computer '{computer.label}': {exc}") from None
    known = known_keys(settings)
    status = "trusted" if key.blob in known else ("changed" if known else "unknown")
    return HostKeyCheck(
        computer=computer.label,
        host=settings.known_hosts_name,
        key_type=key.key_type,
        fingerprint=key.fingerprint,
        known_hosts=str(Path(settings.known_hosts[0]).expanduser()) if settings.known_hosts else "~/.ssh/known_hosts",
        status=status,
        key=key,
    )


def trust(check: HostKeyCheck) -> None:
    """Record the scanned key; a changed key must be removed by the user first, on purpose."""
    if check.status == "changed":
        raise InputError(
            f"the host key of {check.host} changed; if that is expected, remove the old one with "
            f"`ssh-keygen -R '{check.host}' -f {check.known_hosts}` and run trust again"
        )
    if check.status == "unknown":
        trust_host_key(check.key, Path(check.known_hosts).expanduser())
