"""One asyncssh connection per (host, port, user) and event loop, shared by every transport to it.

The shared connection owns the channel budget (so all users together stay below the server's
MaxSessions), checks host keys against known_hosts, and reconnects with exponential backoff when
the connection drops; a generation number lets many failing callers trigger one reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
from collections.abc import AsyncIterator

import asyncssh
from asyncssh.encryption import get_default_encryption_algs
from asyncssh.public_key import decode_ssh_public_key

from .errors import ConnectionLost, HostKeyError, PermissionDenied, TransportError
from .host_keys import HostKey, check_host_key, known_keys
from .pooling import ConnectionRegistry
from .ssh_async_ignore import drop_needless_ignores
from .ssh_settings import SshSettings

CONNECTION_ERRORS = (asyncssh.DisconnectError, asyncssh.SFTPConnectionLost, asyncssh.SFTPNoConnection, OSError)

PREFERRED_CIPHERS = ("aes128-gcm@openssh.com", "aes256-gcm@openssh.com")
"""Asked for before asyncssh's default (chacha20-poly1305): with AES instructions they cost both
ends about half the CPU, which on a busy machine is most of the throughput (benchmarks/transports.py)
and keeps the event loop free. A server without them gets the usual choices."""


class SharedConnection:
    """An asyncssh connection and its SFTP client, reopened on loss, with concurrency budgets.

    `channels` bounds open exec channels (the SFTP client holds one more); `transfers` bounds
    file transfers in flight on the SFTP channel, so a big tree cannot starve other requests.
    `big_transfers` bounds the big files that get an SFTP channel of their own (`own_sftp`), so
    they leave most of the channel budget to commands.
    """

    def __init__(self, settings: SshSettings, label: str | None) -> None:
        self.settings = settings
        self.label = label
        self.channels = asyncio.Semaphore(settings.max_sessions - 1)
        self.transfers = asyncio.Semaphore(settings.max_sessions)
        self.big_transfers = asyncio.Semaphore(max(1, settings.max_sessions // 4))
        self.generation = 0
        self.users = 0
        self._conn: asyncssh.SSHClientConnection | None = None
        self._sftp: asyncssh.SFTPClient | None = None
        self._hops: list[asyncssh.SSHClientConnection] = []
        self._lock = asyncio.Lock()

    async def current(self) -> tuple[asyncssh.SSHClientConnection, asyncssh.SFTPClient, int]:
        """The open connection, its SFTP client and generation; connects if needed."""
        if self._conn is None or self._sftp is None:
            await self.reconnect(self.generation)
        assert self._conn is not None and self._sftp is not None
        return self._conn, self._sftp, self.generation

    async def reconnect(self, failed_generation: int) -> None:
        """Replace a lost connection, waiting with exponential backoff between attempts.

        Callers pass the generation they saw fail; if another caller reconnected meanwhile, this
        returns at once. Host key and login refusals are not retried.
        """
        async with self._lock:
            if failed_generation != self.generation and self._conn is not None:
                return
            await self._drop()
            reason = "no attempt made"
            for delay in self.settings.backoff_delays():
                await asyncio.sleep(delay)
                try:
                    self._conn, self._hops = await _connect_chain(self.settings, self.label)
                    self._sftp = await self._conn.start_sftp_client()
                except (HostKeyError, PermissionDenied):
                    raise
                except (TimeoutError, asyncssh.Error, OSError) as exc:
                    reason = _describe(exc)
                    await self._drop()
                    continue
                self.generation += 1
                return
            raise ConnectionLost(self.settings.host, reason, attempts=self.settings.reconnect_attempts)

    @property
    def local_port(self) -> int | None:
        """The client side's TCP port, to find this connection in `ss` or /proc."""
        sockname = self._conn.get_extra_info("sockname") if self._conn is not None else None
        return int(sockname[1]) if sockname else None

    def is_lost(self, exc: BaseException, generation: int) -> bool:
        """Whether `exc`, seen on `generation`, means the connection is gone (not a file error)."""
        if generation != self.generation:
            return True
        if isinstance(exc, (asyncssh.SFTPConnectionLost, asyncssh.SFTPNoConnection, asyncssh.DisconnectError)):
            return True
        if isinstance(exc, (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)):
            return True
        return self._conn is None or self._conn.is_closed()

    @contextlib.asynccontextmanager
    async def channel(self) -> AsyncIterator[asyncssh.SSHClientConnection]:
        """The connection, while holding one slot of the channel budget."""
        async with self.channels:
            conn, _, _ = await self.current()
            yield conn

    @contextlib.asynccontextmanager
    async def own_sftp(self, conn: asyncssh.SSHClientConnection) -> AsyncIterator[asyncssh.SFTPClient]:
        """An SFTP client on a channel of its own, for one big file.

        The server runs one sftp-server per channel, so a big upload and a big download each get
        their own instead of queueing in one; measured up to 1.3x faster than sharing one client.
        """
        async with self.big_transfers, self.channels:
            try:
                sftp = await conn.start_sftp_client()
            except asyncssh.ChannelOpenError as exc:
                if conn.is_closed():
                    raise asyncssh.SFTPConnectionLost(exc.reason) from None
                raise TransportError(
                    f"{self.settings.host} refused an SFTP channel ({exc.reason}); lower max_sessions",
                    host=self.settings.host,
                ) from None
            try:
                yield sftp
            finally:
                sftp.exit()
                with contextlib.suppress(Exception):
                    await sftp.wait_closed()

    async def close(self) -> None:
        async with self._lock:
            await self._drop()

    async def _drop(self) -> None:
        if self._sftp is not None:
            self._sftp.exit()
        for conn in [self._conn, *reversed(self._hops)]:
            if conn is not None:
                conn.close()
                with contextlib.suppress(Exception):
                    await conn.wait_closed()
        self._conn, self._sftp, self._hops = None, None, []


registry = ConnectionRegistry(SharedConnection)
"""The SharedConnections open on each event loop."""


async def scan_host_key(settings: SshSettings) -> HostKey:
    """The key the server presents, for `provtop computer trust` to show and store."""
    hops: list[asyncssh.SSHClientConnection] = []
    try:
        for hop in settings.proxy_jump:
            hops.append(await _connect_one(hop, None, hops[-1] if hops else None))
        return await _server_key(settings, hops[-1] if hops else None)
    except (asyncssh.Error, OSError) as exc:
        raise ConnectionLost(settings.host, _describe(exc)) from None
    finally:
        for conn in reversed(hops):
            conn.close()


async def _server_key(settings: SshSettings, tunnel: asyncssh.SSHClientConnection | None) -> HostKey:
    key = await asyncssh.get_server_host_key(settings.hostname, settings.port, tunnel=tunnel or (), config=[])
    if key is None:
        raise TransportError(f"{settings.host} presented no host key", host=settings.host)
    key_type, key_base64 = key.export_public_key("openssh").decode().split()[:2]
    return HostKey(name=settings.known_hosts_name, key_type=key_type, key_base64=key_base64)


async def _connect_chain(
    settings: SshSettings, label: str | None
) -> tuple[asyncssh.SSHClientConnection, list[asyncssh.SSHClientConnection]]:
    """Connect through each ProxyJump hop in turn, then to the host itself."""
    hops: list[asyncssh.SSHClientConnection] = []
    tunnel = None
    try:
        for hop in settings.proxy_jump:
            tunnel = await _connect_one(hop, label, tunnel)
            hops.append(tunnel)
        return await _connect_one(settings, label, tunnel), hops
    except BaseException:
        for conn in hops:
            conn.close()
        raise


async def _connect_one(
    settings: SshSettings, label: str | None, tunnel: asyncssh.SSHClientConnection | None
) -> asyncssh.SSHClientConnection:
    trusted = [decode_ssh_public_key(blob) for blob in known_keys(settings)]
    try:
        conn = await asyncssh.connect(
            settings.hostname,
            settings.port,
            username=settings.username,
            client_keys=list(settings.identity_files) or (),
            known_hosts=(trusted, [], []),
            config=[],  # settings are resolved already; asyncssh must not re-read ~/.ssh/config
            tunnel=tunnel or (),
            connect_timeout=settings.connect_timeout,
            encryption_algs=_cipher_preference(),
            keepalive_interval=15,
            keepalive_count_max=4,
        )
    except asyncssh.HostKeyNotVerifiable:
        try:
            key = await _server_key(settings, tunnel)
        except (asyncssh.Error, OSError):
            raise HostKeyError(settings.host, fingerprint=None, label=label, changed=bool(trusted)) from None
        check_host_key(settings, key.blob, label=label)
        raise  # the key is listed after all, so the refusal was about something else
    except asyncssh.PermissionDenied as exc:
        raise PermissionDenied(None, host=settings.host, detail=str(exc.reason)) from None
    drop_needless_ignores(conn)
    return conn


def _cipher_preference() -> list[str]:
    defaults = [name.decode() for name in get_default_encryption_algs()]
    return [c for c in PREFERRED_CIPHERS if c in defaults] + [c for c in defaults if c not in PREFERRED_CIPHERS]


def _describe(exc: BaseException) -> str:
    if isinstance(exc, asyncssh.DisconnectError):
        return exc.reason or type(exc).__name__
    if isinstance(exc, OSError) and exc.errno is not None:
        return f"{exc.strerror or errno.errorcode.get(exc.errno, exc.errno)}"
    if isinstance(exc, asyncio.TimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__
