"""What the two SSH transports share: settings, transfer dispatch, host-side copies, timed commands.

Each SSH transport (paramiko, asyncssh) supplies only the primitives that touch its library:
file operations, one-file transfers, and commands with streamed stdin or stdout.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, ClassVar, Generic, TypeVar

from . import localfs
from . import tree as trees
from .base import Transport
from .errors import ConnectionLost, NotFound, TransportError, TransportTimeout
from .meter import Progress, Transfer, TransferMeter
from .models import ExecResult
from .paths import temp_sibling
from .pooling import ConnectionRegistry, SharedConnection
from .shell import kill_marked, marked, quote_args
from .ssh_settings import resolve_ssh_settings
from .tree_mover import TreeMover

T = TypeVar("T")
S = TypeVar("S", bound=SharedConnection)
logger = logging.getLogger(__name__)

BIG_FILE = 4 << 20
"""Files of this many bytes or more take the SSH transports' fast path for one big file (each
transport's `put_file`/`get_file` says which); smaller ones are not worth a channel of their own."""


class SshTransportBase(Transport, Generic[S]):
    """A computer reached over SSH.

    `host` is an ssh config alias or a host name; other settings (hostname, port, username,
    identity_files, proxy_jump, known_hosts, connect_timeout, max_sessions, reconnect_attempts,
    backoff, ssh_config) override the config file. `tree_mode` picks how trees move:
    "auto" (by size and count), "tar" (one stream) or "sftp" (file by file, concurrently).
    `login_shell`: see Transport.
    """

    def __init__(
        self,
        host: str,
        *,
        label: str | None = None,
        meter: TransferMeter | None = None,
        tree_mode: trees.TreeMode = "auto",
        login_shell: bool = False,
        **settings: Any,
    ) -> None:
        super().__init__(label=label, meter=meter, login_shell=login_shell)
        self.settings = resolve_ssh_settings(host, **settings)
        self.tree_mode = tree_mode
        self._trees = TreeMover(self)
        self._shared: S | None = None

    @property
    def host(self) -> str:
        return self.settings.host

    @property
    def shared(self) -> S:
        """The connection this transport shares with every other one to the same host and user."""
        if self._shared is None:
            raise TransportError(f"The {self.kind} transport to {self.host} is not open; call open() first")
        return self._shared

    async def _open(self) -> tuple[str, str]:
        self._shared = await self.registry.acquire(self.settings, self.label)
        return await self._home_directory(), self.settings.username

    async def _close(self) -> None:
        shared, self._shared = self._shared, None
        if shared is not None:
            await self.registry.release(shared)

    # -- primitives each SSH library provides ---------------------------------------------------

    registry: ClassVar[ConnectionRegistry[Any]]

    @abc.abstractmethod
    async def _home_directory(self) -> str: ...

    @abc.abstractmethod
    async def put_file(self, local: str, remote: str, transfer: Transfer, *, atomic: bool, size: int) -> None:
        """Upload one file of `size` bytes, under a temporary name renamed at the end when
        `atomic`; retried on loss."""

    @abc.abstractmethod
    async def get_file(self, remote: str, local: str, transfer: Transfer, *, atomic: bool, size: int) -> None:
        """Download one file of `size` bytes (as stat saw it), the same way."""

    @abc.abstractmethod
    async def stream_in(self, command: str, chunks: AsyncIterator[bytes], transfer: Progress) -> ExecResult:
        """Run `command` with `chunks` as its stdin; ConnectionLost (after reconnecting) if cut."""

    @abc.abstractmethod
    async def stream_out(
        self, command: str, consume: Callable[[bytes], Awaitable[bool]], transfer: Progress
    ) -> ExecResult | None:
        """Run `command`, handing its stdout to `consume` chunk by chunk; None if `consume`
        returned False and the command was stopped."""

    @abc.abstractmethod
    async def _run_until(self, command: str, stdin: bytes | None, timeout: float | None) -> ExecResult | None:
        """Run a command; None if it outlived `timeout` (it was signalled and its channel closed)."""

    # -- shared behaviour -----------------------------------------------------------------------

    async def put_streamed(
        self,
        remote: str,
        partial: str,
        send: Callable[[], Awaitable[bool]],
        keep_mode: Callable[[], Awaitable[None]],
    ) -> bool:
        """One attempt at a big upload through `cat > partial`: `send` streams the file and says
        whether cat succeeded; then `keep_mode` gives `partial` the local file's mode, and it is
        renamed to `remote` (unless it is `remote`). False, with `partial` gone, if the host refused
        it (SFTP then tries, and names any problem precisely); a lost connection raises ConnectionLost."""
        try:
            if await send():
                await keep_mode()
                if partial != remote:
                    await self.rename(partial, remote)
                return True
        except ConnectionLost:
            with contextlib.suppress(TransportError):
                await self.remove(partial)
            raise
        except (TransportError, OSError):
            pass
        with contextlib.suppress(TransportError):
            await self.remove(partial)
        return False

    async def get_streamed(
        self,
        remote: str,
        local: str,
        partial: str,
        size: int,
        receive: Callable[[], Awaitable[tuple[bool, int]]],
        finish: Callable[[], Awaitable[None]],
    ) -> bool:
        """One attempt at a big download through `cat`: `receive` writes `partial` (for `local`) and
        says whether cat succeeded and how many bytes came; then `finish` gives the file its mode
        and name. False, with `partial` gone, if cat failed or sent other than `size` bytes (a login
        script may print); a lost connection raises ConnectionLost."""
        try:
            ok, received = await receive()
            if ok and received == size:
                await finish()
                return True
            if ok:
                logger.warning("cat %s on %s sent %d bytes, not %d; trying SFTP", remote, self.host, received, size)
        except OSError as exc:  # writing the local file
            await asyncio.to_thread(localfs.unlink_quietly, partial)
            raise TransportError(f"Could not write {local}: {exc.strerror or exc}", path=local) from None
        except TransportError as exc:
            await asyncio.to_thread(localfs.unlink_quietly, partial)
            if isinstance(exc, ConnectionLost):
                raise
        await asyncio.to_thread(localfs.unlink_quietly, partial)
        return False

    async def retrying(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """Run a restartable multi-step `attempt` again after each dropped connection."""
        for _ in range(self.settings.reconnect_attempts):
            try:
                return await attempt()
            except ConnectionLost:
                continue
        return await attempt()

    async def _run(self, command: str, stdin: bytes | None, timeout: float | None) -> ExecResult:
        if timeout is None:
            result = await self._run_until(command, stdin, None)
            assert result is not None
            return result
        text, mark = marked(command)
        result = await self._run_until(text, stdin, timeout)
        if result is None:
            # sshd refuses signal requests without privilege separation: find the session instead.
            await self._run_until(kill_marked(mark), None, None)
            raise TransportTimeout(f"The command {command!r}", timeout, host=self.host)
        return result

    async def rmtree(self, path: str) -> None:
        path = self._abs(path)
        if not await self.exists(path):
            raise NotFound(path, host=self.host)
        result = await self._run(quote_args(["rm", "-rf", "--", path]), None, None)
        if not result.ok:
            raise TransportError(f"Could not remove {path} on {self.host}: {result.stderr.strip()}", host=self.host)

    async def put_symlink(self, target: str, link: str) -> None:
        """Create or replace a symlink in one step (a new one renamed over the old)."""
        partial = temp_sibling(link, kind="link")
        await self.symlink(target, partial)
        await self.rename(partial, link)

    async def _put(self, local: str, remote: str, *, dereference: bool, transfer: Transfer) -> None:
        if await asyncio.to_thread(_is_tree, local, dereference):
            await self._trees.put(local, remote, dereference=dereference, transfer=transfer)
        elif not dereference and await asyncio.to_thread(os.path.islink, local):
            await self.put_symlink(await asyncio.to_thread(os.readlink, local), remote)
        else:
            size = await asyncio.to_thread(os.path.getsize, local)
            transfer.set_total(size)
            await self.put_file(local, remote, transfer, atomic=True, size=size)

    async def _get(self, remote: str, local: str, *, dereference: bool, transfer: Transfer) -> None:
        info = await self.stat(remote, follow_symlinks=dereference)
        if info.is_dir:
            await self._trees.get(remote, local, dereference=dereference, transfer=transfer)
        elif info.is_symlink:
            await asyncio.to_thread(localfs.replace_with_symlink, await self.readlink(remote), local)
        else:
            transfer.set_total(info.size)
            await self.get_file(remote, local, transfer, atomic=True, size=info.size)

    async def _copy(self, source: str, destination: str, *, dereference: bool, transfer: Transfer) -> None:
        """`cp` on the host: the bytes never cross the network, so the meter records none."""
        flags = "-RfpL" if dereference else "-RfpP"
        result = await self._run(quote_args(["cp", flags, "--", source, destination]), None, None)
        if not result.ok:
            raise TransportError(f"Copying {source} on {self.host} failed: {result.stderr.strip()}", host=self.host)


def _is_tree(path: str, dereference: bool) -> bool:
    return os.path.isdir(path) and (dereference or not os.path.islink(path))
