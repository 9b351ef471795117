"""SSH connection settings: a host alias looked up in ~/.ssh/config, then explicit values on top.

Both SSH transports resolve settings here, so `--hostname myhpc` means the same to each:
HostName, User, Port, IdentityFile, ProxyJump, UserKnownHostsFile and ConnectTimeout come from
the config file, and anything given explicitly wins.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import paramiko
from pydantic import BaseModel, ConfigDict, Field

DEFAULT_CONFIG = "~/.ssh/config"
DEFAULT_KNOWN_HOSTS = ("~/.ssh/known_hosts", "~/.ssh/known_hosts2")
GLOBAL_KNOWN_HOSTS = ("/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2")
DEFAULT_IDENTITIES = ("~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa")


class SshSettings(BaseModel):
    """Everything needed to reach one host; `host` is what the user typed (alias or name)."""

    model_config = ConfigDict(frozen=True)

    host: str
    hostname: str
    port: int = 22
    username: str
    identity_files: tuple[str, ...] = ()
    proxy_jump: tuple[SshSettings, ...] = ()
    known_hosts: tuple[str, ...] = ()
    connect_timeout: float = 30.0
    max_sessions: int = Field(8, ge=2)
    """Channels this client may have open at once: keep it below the server's MaxSessions."""
    reconnect_attempts: int = Field(5, ge=1)
    backoff: float = Field(0.5, ge=0)
    """First wait before reconnecting; each further attempt waits twice as long (at most 30 s)."""

    def backoff_delays(self) -> list[float]:
        """Seconds to wait before each connection attempt: none before the first."""
        return [0.0] + [min(30.0, self.backoff * 2**i) for i in range(self.reconnect_attempts - 1)]

    @property
    def known_hosts_name(self) -> str:
        """The host's name as known_hosts writes it: `name`, or `[name]:port` off port 22."""
        return self.hostname if self.port == 22 else f"[{self.hostname}]:{self.port}"

    @property
    def pool_key(self) -> tuple[str, int, str]:
        """Transports with the same key share one connection."""
        return (self.hostname, self.port, self.username)


def resolve_ssh_settings(
    host: str,
    *,
    hostname: str | None = None,
    port: int | None = None,
    username: str | None = None,
    identity_files: list[str] | tuple[str, ...] | str | None = None,
    proxy_jump: str | None = None,
    known_hosts: list[str] | tuple[str, ...] | str | None = None,
    connect_timeout: float | None = None,
    max_sessions: int = 8,
    reconnect_attempts: int = 5,
    backoff: float = 0.5,
    ssh_config: str | os.PathLike[str] | None = None,
) -> SshSettings:
    """Settings for `host`: ssh config entries for the alias, overridden by explicit arguments.

    `ssh_config` defaults to ~/.ssh/config (ignored if missing). ProxyJump hosts are resolved the
    same way, hop by hop.
    """
    config_path = Path(os.path.expanduser(ssh_config or DEFAULT_CONFIG))
    entry = _lookup(config_path, host)
    identities = _as_tuple(identity_files) or tuple(entry.get("identityfile", ()))
    jumps = proxy_jump if proxy_jump is not None else entry.get("proxyjump")
    user_files = _as_tuple(known_hosts) or tuple(entry.get("userknownhostsfile", "").split()) or DEFAULT_KNOWN_HOSTS
    global_files = tuple(entry.get("globalknownhostsfile", "").split()) or GLOBAL_KNOWN_HOSTS
    timeout = connect_timeout or float(entry.get("connecttimeout", 30))
    return SshSettings(
        host=host,
        hostname=hostname or entry.get("hostname", host),
        port=port or int(entry.get("port", 22)),
        username=username or entry.get("user") or getpass.getuser(),
        identity_files=tuple(_expand(p) for p in identities),
        proxy_jump=_resolve_jumps(jumps, config_path, timeout),
        known_hosts=tuple(_expand(p) for p in user_files + global_files),
        connect_timeout=timeout,
        max_sessions=max_sessions,
        reconnect_attempts=reconnect_attempts,
        backoff=backoff,
    )


def default_identities() -> tuple[str, ...]:
    """The keys ssh tries when neither settings nor config name one."""
    return tuple(p for p in (_expand(i) for i in DEFAULT_IDENTITIES) if os.path.exists(p))


def _resolve_jumps(value: str | None, config_path: Path, timeout: float) -> tuple[SshSettings, ...]:
    """`user@host:port,host2` as a chain of settings, the first hop first."""
    if not value or value.lower() == "none":
        return ()
    hops = []
    for spec in value.split(","):
        user, _, rest = spec.strip().rpartition("@")
        name, _, port = rest.partition(":")
        hop = resolve_ssh_settings(
            name,
            username=user or None,
            port=int(port) if port else None,
            proxy_jump="none",
            connect_timeout=timeout,
            ssh_config=config_path,
        )
        hops.append(hop)
    return tuple(hops)


def _lookup(config_path: Path, host: str) -> dict[str, object]:
    if not config_path.is_file():
        return {}
    return dict(paramiko.SSHConfig.from_path(str(config_path)).lookup(host))


def _as_tuple(value: list[str] | tuple[str, ...] | str | os.PathLike[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, os.PathLike)):
        return (os.fspath(value),)
    return tuple(os.fspath(v) for v in value)


def _expand(path: str) -> str:
    return os.path.expandvars(os.path.expanduser(path))
