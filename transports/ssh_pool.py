"""One paramiko connection per (host, port, user) and event loop, shared by every transport to it.

paramiko blocks, so each shared connection has its own thread pool: a slow transfer can never
take the threads the rest of the program (or another host) needs. Channels are budgeted below
the server's MaxSessions: half for SFTP clients (kept and reused), half for commands.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import socket
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import paramiko

from .errors import ConnectionLost, HostKeyError, PermissionDenied
from .host_keys import check_host_key
from .pooling import ConnectionRegistry
from .ssh_settings import SshSettings, default_identities

T = TypeVar("T")

LOST_ERRORS = (EOFError, ConnectionError, socket.timeout, paramiko.SSHException)

CLIENT_REKEY_BYTES = 1 << 34
"""After how many bytes either way paramiko asks for new keys itself (its default: 512 MiB).

When a channel closes just after paramiko asked for a key exchange, its transport thread
answers the close by waiting for that exchange, which only that thread can complete: everything
on the connection stalls for 30 s and then fails (paramiko issue #822; here, 1 GiB up and down at
once with `cat` took 36 s instead of 4.5). An OpenSSH server renews the keys itself (RekeyLimit:
1 to 4 GiB depending on the cipher) and sends nothing else meanwhile, so that exchange has no
such race; the client still asks after 16 GiB, for a server that never does."""

PREFERRED_CIPHERS = ("aes128-gcm@openssh.com", "aes256-gcm@openssh.com")
"""Asked for before paramiko's default (aes128-ctr with a separate HMAC): one AES-GCM call per
packet instead of two passes in Python roughly doubles what one connection moves
(benchmarks/transports.py). A server without them gets the usual choices."""


class SharedSshConnection:
    """A paramiko Transport, its idle SFTP clients and budgets, reopened with backoff on loss."""

    def __init__(self, settings: SshSettings, label: str | None) -> None:
        self.settings = settings
        self.label = label
        sftp_slots = max(1, settings.max_sessions // 2)
        self.channels = asyncio.Semaphore(settings.max_sessions - sftp_slots)
        self.big_transfers = asyncio.Semaphore(max(1, settings.max_sessions // 4))
        """Big files streaming over channels of their own: few, so commands keep most channels."""
        self._sftp_slots = asyncio.Semaphore(sftp_slots)
        self._idle_sftp: list[paramiko.SFTPClient] = []
        self.executor = ThreadPoolExecutor(settings.max_sessions + 2, thread_name_prefix=f"provtop-ssh-{settings.host}")
        self.generation = 0
        self.users = 0
        self._transport: paramiko.Transport | None = None
        self._hops: list[paramiko.Transport] = []
        self._lock = asyncio.Lock()

    async def run(self, function: Callable[..., T], *args: object) -> T:
        """Run blocking paramiko work in this connection's threads."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, functools.partial(function, *args))

    async def current(self) -> tuple[paramiko.Transport, int]:
        if self._transport is None or not self._transport.is_active():
            await self.reconnect(self.generation)
        assert self._transport is not None
        return self._transport, self.generation

    @contextlib.asynccontextmanager
    async def sftp(self) -> AsyncIterator[tuple[paramiko.SFTPClient, int]]:
        """An SFTP client of its own for the duration, and the generation it belongs to."""
        async with self._sftp_slots:
            transport, generation = await self.current()
            client = (
                self._idle_sftp.pop()
                if self._idle_sftp
                else await self.run(paramiko.SFTPClient.from_transport, transport)
            )
            try:
                yield client, generation
            finally:
                channel = client.get_channel()
                if generation == self.generation and channel is not None and not channel.closed:
                    self._idle_sftp.append(client)
                else:
                    client.close()

    @property
    def local_port(self) -> int | None:
        """The client side's TCP port, to find this connection in `ss` or /proc."""
        sock = self._transport.sock if self._transport is not None else None
        return sock.getsockname()[1] if isinstance(sock, socket.socket) else None

    def is_lost(self, exc: BaseException, generation: int) -> bool:
        if generation != self.generation or self._transport is None or not self._transport.is_active():
            return True
        return isinstance(exc, LOST_ERRORS) and not isinstance(exc, paramiko.AuthenticationException)

    async def reconnect(self, failed_generation: int) -> None:
        """Replace a lost connection, waiting with exponential backoff between attempts."""
        async with self._lock:
            if failed_generation != self.generation and self._transport is not None and self._transport.is_active():
                return
            await self.run(self._drop)
            reason = "no attempt made"
            for delay in self.settings.backoff_delays():
                await asyncio.sleep(delay)
                try:
                    self._transport, self._hops = await self.run(_connect_chain, self.settings, self.label)
                except (HostKeyError, PermissionDenied):
                    raise
                except (OSError, EOFError, paramiko.SSHException) as exc:
                    reason = str(exc) or type(exc).__name__
                    continue
                self.generation += 1
                return
            raise ConnectionLost(self.settings.host, reason, attempts=self.settings.reconnect_attempts)

    async def close(self) -> None:
        async with self._lock:
            await self.run(self._drop)
        self.executor.shutdown(wait=False)

    def _drop(self) -> None:
        # Closing an SFTP client sends a message, which fails on a connection that just died.
        for client in self._idle_sftp:
            with contextlib.suppress(*LOST_ERRORS, OSError):
                client.close()
        for transport in [self._transport, *reversed(self._hops)]:
            if transport is not None:
                transport.close()
        self._idle_sftp, self._transport, self._hops = [], None, []


registry = ConnectionRegistry(SharedSshConnection)
"""The SharedSshConnections open on each event loop."""


def _connect_chain(settings: SshSettings, label: str | None) -> tuple[paramiko.Transport, list[paramiko.Transport]]:
    """Connect through each ProxyJump hop (a direct-tcpip channel as the next socket)."""
    hops: list[paramiko.Transport] = []
    try:
        for hop in settings.proxy_jump:
            hops.append(_connect_one(hop, label, _forward(hops[-1], hop) if hops else None))
        return _connect_one(settings, label, _forward(hops[-1], settings) if hops else None), hops
    except BaseException:
        for transport in hops:
            transport.close()
        raise


def _forward(via: paramiko.Transport, target: SshSettings) -> paramiko.Channel:
    return via.open_channel("direct-tcpip", (target.hostname, target.port), ("127.0.0.1", 0))


def _connect_one(settings: SshSettings, label: str | None, sock: paramiko.Channel | None) -> paramiko.Transport:
    if sock is None:
        raw = socket.create_connection((settings.hostname, settings.port), timeout=settings.connect_timeout)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # else Nagle adds ~40 ms per command
        transport = paramiko.Transport(raw)
    else:
        transport = paramiko.Transport(sock)
    options = transport.get_security_options()
    options.ciphers = _preferred_first(options.ciphers)
    transport.packetizer.REKEY_BYTES = CLIENT_REKEY_BYTES
    try:
        transport.start_client(timeout=settings.connect_timeout)
        check_host_key(settings, transport.get_remote_server_key().asbytes(), label=label)
        _authenticate(transport, settings)
        transport.set_keepalive(15)
        return transport
    except BaseException:
        transport.close()
        raise


def _preferred_first(available: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(c for c in PREFERRED_CIPHERS if c in available) + tuple(
        c for c in available if c not in PREFERRED_CIPHERS
    )


def _authenticate(transport: paramiko.Transport, settings: SshSettings) -> None:
    """Try the agent's keys, then each identity file, as ssh does."""
    problems = []
    keys: list[paramiko.PKey] = list(paramiko.Agent().get_keys())
    for path in settings.identity_files or default_identities():
        try:
            keys.append(paramiko.PKey.from_path(path))
        except (OSError, paramiko.SSHException) as exc:
            problems.append(f"{path}: {exc}")
    for key in keys:
        try:
            transport.auth_publickey(settings.username, key)
        except paramiko.AuthenticationException:
            continue
        if transport.is_authenticated():
            return
    problems.append(f"no key accepted for {settings.username}")
    raise PermissionDenied(None, host=settings.host, detail="; ".join(problems))
