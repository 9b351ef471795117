"""known_hosts checks shared by both SSH transports, and the pieces `provtop computer trust` needs.

A host key is accepted only when a known_hosts file lists that exact key for the host; an unknown
or changed key raises HostKeyError with the key's SHA256 fingerprint, as OpenSSH shows it.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

import paramiko
from pydantic import BaseModel, ConfigDict

from .errors import HostKeyError
from .ssh_settings import SshSettings


class HostKey(BaseModel):
    """A server's public host key, ready to show (`fingerprint`) or to trust (`known_hosts_line`)."""

    model_config = ConfigDict(frozen=True)

    name: str
    key_type: str
    key_base64: str

    @property
    def blob(self) -> bytes:
        return base64.b64decode(self.key_base64)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.blob)

    @property
    def known_hosts_line(self) -> str:
        return f"{self.name} {self.key_type} {self.key_base64}"


def fingerprint(key_blob: bytes) -> str:
    """OpenSSH's `SHA256:...` fingerprint of a public key blob."""
    digest = base64.b64encode(hashlib.sha256(key_blob).digest()).decode().rstrip("=")
    return f"SHA256:{digest}"


def known_keys(settings: SshSettings) -> list[bytes]:
    """Public key blobs the known_hosts files list for this host (hashed names included)."""
    blobs = []
    for path in settings.known_hosts:
        if not os.path.isfile(path):
            continue
        keys = paramiko.HostKeys()
        try:
            keys.load(path)
        except (OSError, paramiko.SSHException):
            continue
        blobs.extend(key.asbytes() for key in (keys.lookup(settings.known_hosts_name) or {}).values())
    return blobs


def check_host_key(settings: SshSettings, key_blob: bytes, *, label: str | None) -> None:
    """Raise HostKeyError unless known_hosts lists exactly this key for the host."""
    known = known_keys(settings)
    if key_blob in known:
        return
    raise HostKeyError(settings.host, fingerprint=fingerprint(key_blob), label=label, changed=bool(known))


def trust_host_key(key: HostKey, known_hosts: str | os.PathLike[str]) -> None:
    """Append a host key to a known_hosts file (created 0600 with its directory if missing)."""
    path = Path(known_hosts)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    existing = path.read_text() if path.exists() else ""
    separator = "" if not existing or existing.endswith("\n") else "\n"
    with path.open("a") as handle:
        handle.write(f"{separator}{key.known_hosts_line}\n")
    path.chmod(0o600)
