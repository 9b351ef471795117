"""The paramiko transport: every blocking call runs in the connection's own threads.

The event loop never waits on the network: each SFTP request, transfer and command is handed to
the shared connection's thread pool (ssh_pool). Reads prefetch and writes are pipelined.
Idempotent operations and transfers are retried after a reconnect; commands are not.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import posixpath
import shlex
import socket
import stat as statmod
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import paramiko

from . import ssh_pool as pool
from . import tree as trees
from .errors import AlreadyExists, ConnectionLost, TransportError, from_os_error
from .meter import Progress, Transfer, TransferPart
from .models import DirEntry, ExecResult, FileStat
from .paths import temp_sibling
from .shell import quote_args
from .ssh_base import BIG_FILE, SshTransportBase

T = TypeVar("T")


class SshTransport(SshTransportBase[pool.SharedSshConnection]):
    """A computer reached over SSH with paramiko (settings: see SshTransportBase)."""

    kind = "ssh"

    registry = pool.registry

    async def _home_directory(self) -> str:
        return await self.sftp_call(self.host, lambda sftp: sftp.normalize("."))

    async def sftp_call(self, path: str, work: Callable[[paramiko.SFTPClient], T], *, idempotent: bool = True) -> T:
        """Run blocking `work(sftp)` in a thread, mapping errors about `path`; reconnect if the
        connection dropped, and run it again if that is safe (idempotent)."""
        return await self._with_reconnect(path, lambda: self._in_sftp(work), idempotent)

    async def _in_sftp(self, work: Callable[[paramiko.SFTPClient], T]) -> T:
        async with self.shared.sftp() as (client, _):
            return await self.shared.run(work, client)

    async def channel_call(self, work: Callable[[paramiko.Transport], T]) -> T:
        """Run blocking `work(transport)` that opens one channel, within the channel budget."""

        async def attempt() -> T:
            async with self.shared.channels:
                transport, _ = await self.shared.current()
                return await self.shared.run(work, transport)

        return await self._with_reconnect(self.host, attempt, idempotent=False)

    async def _with_reconnect(self, path: str, attempt: Callable[[], Awaitable[T]], idempotent: bool) -> T:
        shared = self.shared
        for _ in range(self.settings.reconnect_attempts + 1):
            _, generation = await shared.current()
            try:
                return await attempt()
            except (OSError, EOFError, paramiko.SSHException) as exc:
                if not shared.is_lost(exc, generation):
                    if isinstance(exc, OSError):
                        raise from_os_error(exc, path, host=self.host) from None
                    raise TransportError(f"{exc} on {self.host}: {path}", host=self.host, path=path) from None
                lost = exc
            await shared.reconnect(generation)
            if not idempotent:
                raise ConnectionLost(
                    self.host, f"dropped during an operation on {path} ({lost}); it may or may not have happened"
                )
        raise ConnectionLost(self.host, "the connection kept dropping", attempts=self.settings.reconnect_attempts)

    # -- file system ------------------------------------------------------------------------

    async def stat(self, path: str, *, follow_symlinks: bool = True) -> FileStat:
        path = self._abs(path)
        attrs = await self.sftp_call(path, lambda sftp: sftp.stat(path) if follow_symlinks else sftp.lstat(path))
        return _file_stat(attrs)

    async def iterdir(self, path: str) -> list[DirEntry]:
        path = self._abs(path)
        entries = await self.sftp_call(path, lambda sftp: sftp.listdir_attr(path))
        return [DirEntry(name=a.filename, path=posixpath.join(path, a.filename), stat=_file_stat(a)) for a in entries]

    async def mkdir(self, path: str, *, parents: bool = False) -> None:
        path = self._abs(path)
        await self.sftp_call(path, lambda sftp: _mkdir(sftp, path, parents), idempotent=parents)

    async def remove(self, path: str) -> None:
        path = self._abs(path)
        await self.sftp_call(path, lambda sftp: sftp.remove(path), idempotent=False)

    async def rename(self, source: str, destination: str) -> None:
        source, destination = self._abs(source), self._abs(destination)
        await self.sftp_call(source, lambda sftp: sftp.posix_rename(source, destination), idempotent=False)

    async def symlink(self, target: str, link: str) -> None:
        link = self._abs(link)
        await self.sftp_call(link, lambda sftp: sftp.symlink(target, link), idempotent=False)

    async def chmod(self, path: str, mode: int) -> None:
        path = self._abs(path)
        await self.sftp_call(path, lambda sftp: sftp.chmod(path, mode))

    async def readlink(self, path: str) -> str:
        path = self._abs(path)
        target = await self.sftp_call(path, lambda sftp: sftp.readlink(path))
        if target is None:
            raise TransportError(f"Not a symlink on {self.host}: {path}", host=self.host, path=path)
        return target

    # -- commands ---------------------------------------------------------------------------

    async def _run_until(self, command: str, stdin: bytes | None, timeout: float | None) -> ExecResult | None:
        return await self.channel_call(lambda transport: _exec(transport, command, stdin, timeout))

    async def stream_in(self, command: str, chunks: AsyncIterator[bytes], transfer: Progress) -> ExecResult:
        async def attempt() -> ExecResult:
            async with self.shared.channels:
                transport, _ = await self.shared.current()
                channel, stderr = await self.shared.run(_start, transport, command)
                try:
                    async for chunk in chunks:
                        await self.shared.run(channel.sendall, chunk)
                        transfer.advance(len(chunk))
                    await self.shared.run(channel.shutdown_write)
                    return await self.shared.run(_finish, channel, stderr, b"")
                finally:
                    channel.close()

        return await self._with_reconnect(self.host, attempt, idempotent=False)

    async def stream_out(
        self, command: str, consume: Callable[[bytes], Awaitable[bool]], transfer: Progress
    ) -> ExecResult | None:
        async def attempt() -> ExecResult | None:
            async with self.shared.channels:
                transport, _ = await self.shared.current()
                channel, stderr = await self.shared.run(_start, transport, command)
                try:
                    await self.shared.run(channel.shutdown_write)
                    while chunk := await self.shared.run(channel.recv, trees.STREAM_CHUNK):
                        transfer.advance(len(chunk))
                        if not await consume(chunk):
                            return None
                    return await self.shared.run(_finish, channel, stderr, b"")
                finally:
                    channel.close()

        return await self._with_reconnect(self.host, attempt, idempotent=False)

    # -- transfers --------------------------------------------------------------------------

    async def put_file(self, local: str, remote: str, transfer: Transfer, *, atomic: bool, size: int) -> None:
        """Upload one file, to a temporary name renamed at the end when `atomic`; retried on loss.

        A big file (ssh_base.BIG_FILE) streams into `cat` on the host: paramiko's SFTP moves about
        a quarter of what scp does, a plain channel as much (benchmarks/transports.py). If the stream
        fails other than by a lost connection, SFTP tries, and reports the error precisely.
        """
        leftovers: list[str] = []  # partial files of attempts the connection dropped under
        part = transfer.part()

        def upload(sftp: paramiko.SFTPClient) -> None:
            part.restart()
            count = part.counter()
            for old in leftovers:
                with contextlib.suppress(OSError):
                    sftp.remove(old)
            partial = temp_sibling(remote) if atomic else remote
            leftovers[:] = [partial]
            sftp.put(local, partial, callback=lambda copied, _total: count(copied), confirm=True)
            sftp.chmod(partial, statmod.S_IMODE(os.stat(local).st_mode))
            if atomic:
                sftp.posix_rename(partial, remote)

        if size >= BIG_FILE and await self.retrying(lambda: self._put_streamed(local, remote, part, atomic)):
            return
        await self.sftp_call(remote, upload)

    async def _put_streamed(self, local: str, remote: str, part: TransferPart, atomic: bool) -> bool:
        """One attempt at `cat > partial` (see `put_streamed`)."""
        partial = temp_sibling(remote) if atomic else remote
        command = f"cat > {shlex.quote(partial)}"

        async def send() -> bool:
            part.restart()
            async with self.shared.big_transfers:
                result = await self.channel_call(lambda t: _send_file(t, command, local, part.counter()))
            return result.ok

        async def keep_mode() -> None:
            await self.chmod(partial, statmod.S_IMODE((await asyncio.to_thread(os.stat, local)).st_mode))

        return await self.put_streamed(remote, partial, send, keep_mode)

    async def get_file(self, remote: str, local: str, transfer: Transfer, *, atomic: bool, size: int) -> None:
        """Download one file, to a temporary name renamed at the end when `atomic`; retried on loss.

        A big file streams out of `cat`, as `put_file` explains; unless exactly `size` bytes came
        (a login script may print), SFTP moves it again.
        """

        part = transfer.part()

        def download(sftp: paramiko.SFTPClient) -> None:
            part.restart()
            count = part.counter()
            partial = temp_sibling(local) if atomic else local
            try:
                sftp.get(remote, partial, callback=lambda copied, _total: count(copied), prefetch=True)
                os.chmod(partial, statmod.S_IMODE(sftp.stat(remote).st_mode or 0o644))
                if atomic:
                    os.replace(partial, local)
            except BaseException:
                if atomic:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(partial)
                raise

        if size >= BIG_FILE and await self.retrying(lambda: self._get_streamed(remote, local, part, atomic, size)):
            return
        await self.sftp_call(remote, download)

    async def _get_streamed(self, remote: str, local: str, part: TransferPart, atomic: bool, size: int) -> bool:
        """One attempt at `cat remote` (see `get_streamed`)."""
        partial = temp_sibling(local) if atomic else local
        command = quote_args(["cat", "--", remote])

        async def receive() -> tuple[bool, int]:
            part.restart()
            async with self.shared.big_transfers:
                result, received = await self.channel_call(
                    lambda t: _receive_file(t, command, partial, part.counter())
                )
            return result.ok, received

        async def finish() -> None:
            mode = (await self.stat(remote)).permissions
            await asyncio.to_thread(_finish_local, partial, mode, local if atomic else None)

        return await self.get_streamed(remote, local, partial, size, receive, finish)

def _send_file(transport: paramiko.Transport, command: str, local: str, count: Callable[[int], None]) -> ExecResult:
    """Run `command` with the file `local` as its stdin (blocking: runs in a thread)."""
    channel, stderr = _start(transport, command)
    try:
        sent = 0
        with open(local, "rb") as source:
            while chunk := source.read(trees.STREAM_CHUNK):
                try:
                    channel.sendall(chunk)
                except OSError:
                    _raise_if_lost(transport)
                    raise
                sent += len(chunk)
                count(sent)
        channel.shutdown_write()
        if channel.recv_exit_status() == -1:
            _raise_if_lost(transport)
        return _finish(channel, stderr, b"")
    finally:
        channel.close()


def _receive_file(
    transport: paramiko.Transport, command: str, local: str, count: Callable[[int], None]
) -> tuple[ExecResult, int]:
    """Run `command`, writing its stdout to `local`; the result and the bytes written."""
    channel, stderr = _start(transport, command)
    try:
        channel.shutdown_write()
        received = 0
        with open(local, "wb") as target:
            while chunk := channel.recv(trees.STREAM_CHUNK):
                target.write(chunk)
                received += len(chunk)
                count(received)
        if channel.recv_exit_status() == -1:  # no exit status: a signal, or the connection died
            _raise_if_lost(transport)
        return _finish(channel, stderr, b""), received
    finally:
        channel.close()


def _raise_if_lost(transport: paramiko.Transport) -> None:
    """EOFError (a lost connection, for the retry) if `transport` is dying: paramiko closes its
    channels a moment before it marks itself inactive, so wait for its thread to end."""
    transport.join(1.0)
    if not transport.is_active():
        raise EOFError("the connection closed during the transfer")


def _finish_local(partial: str, mode: int, final: str | None) -> None:
    os.chmod(partial, mode)
    if final is not None:
        os.replace(partial, final)


def _file_stat(attrs: paramiko.SFTPAttributes) -> FileStat:
    return FileStat(
        size=attrs.st_size or 0,
        mode=attrs.st_mode or 0,
        uid=attrs.st_uid or 0,
        gid=attrs.st_gid or 0,
        atime=float(attrs.st_atime or 0),
        mtime=float(attrs.st_mtime or 0),
    )


def _mkdir(sftp: paramiko.SFTPClient, path: str, parents: bool) -> None:
    """mkdir, or `mkdir -p` with `parents`; SFTP v3 reports an existing directory as "failure"."""
    try:
        sftp.mkdir(path)
        return
    except FileNotFoundError:
        if not parents or path == "/":
            raise
        _mkdir(sftp, posixpath.dirname(path), True)
        sftp.mkdir(path)
    except OSError:
        try:
            existing = sftp.stat(path)
        except FileNotFoundError:
            raise
        if not (parents and statmod.S_ISDIR(existing.st_mode or 0)):
            raise AlreadyExists(path) from None


class _Stderr:
    """A thread collecting a channel's stderr, so a chatty command never stalls the channel."""

    def __init__(self, channel: paramiko.Channel) -> None:
        self.chunks: list[bytes] = []
        self._thread = threading.Thread(target=_drain, args=(channel.recv_stderr, self.chunks), daemon=True)
        self._thread.start()

    def text(self) -> str:
        self._thread.join()
        return b"".join(self.chunks).decode(errors="replace")


def _start(transport: paramiko.Transport, command: str) -> tuple[paramiko.Channel, _Stderr]:
    """Open a channel running `command`."""
    channel = transport.open_session(timeout=30)
    channel.exec_command(command)
    return channel, _Stderr(channel)


def _drain(receive: Callable[[int], bytes], into: list[bytes]) -> None:
    with contextlib.suppress(OSError, EOFError):
        while data := receive(1 << 16):
            into.append(data)


def _finish(channel: paramiko.Channel, stderr: _Stderr, stdout: bytes) -> ExecResult:
    code = channel.recv_exit_status()
    return ExecResult(exit_code=code, stdout=stdout.decode(errors="replace"), stderr=stderr.text())


def _exec(transport: paramiko.Transport, command: str, stdin: bytes | None, timeout: float | None) -> ExecResult | None:
    """Run a command to the end, or until `timeout` (then signal it and return None)."""
    channel, stderr = _start(transport, command)
    try:
        output: list[bytes] = []
        reader = threading.Thread(target=_drain, args=(channel.recv, output), daemon=True)
        reader.start()
        if stdin:
            channel.sendall(stdin)
        channel.shutdown_write()
        if not channel.status_event.wait(timeout):
            _signal(channel, "KILL")
            return None
        reader.join()
        return _finish(channel, stderr, b"".join(output))
    finally:
        channel.close()


def _signal(channel: paramiko.Channel, name: str) -> None:
    """Send an RFC 4254 "signal" request (paramiko has no public call for it)."""
    message = paramiko.Message()
    message.add_byte(paramiko.common.cMSG_CHANNEL_REQUEST)
    message.add_int(channel.remote_chanid)
    message.add_string("signal")
    message.add_boolean(False)
    message.add_string(name)
    with contextlib.suppress(OSError, EOFError, socket.timeout, paramiko.SSHException):
        channel.transport._send_user_message(message)  # noqa: SLF001
