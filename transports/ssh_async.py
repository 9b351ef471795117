"""The asyncssh transport: everything runs on the caller's event loop, nothing blocks it.

Transports to the same (host, port, user) share one connection (ssh_async_pool); file
operations use its SFTP client, commands open channels within the shared budget. Idempotent
operations and transfers are retried after a reconnect; commands are not (they may have run).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import posixpath
import shlex
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import asyncssh

from . import localfs, sftp_big_file
from . import ssh_async_pool as pool
from . import tree as trees
from .errors import AlreadyExists, ConnectionLost, NotFound, PermissionDenied, TransportError, from_os_error
from .meter import Progress, Transfer, TransferPart
from .models import DirEntry, ExecResult, FileStat
from .paths import temp_sibling
from .shell import quote_args
from .ssh_base import BIG_FILE, SshTransportBase

T = TypeVar("T")
Call = Callable[[asyncssh.SSHClientConnection, asyncssh.SFTPClient], Awaitable[T]]

MAX_REQUESTS = 8
"""SFTP requests in flight per file (of the server's largest block, 255 KiB for OpenSSH): asyncssh
asks for 16; 8 moved as fast in benchmarks/transports.py and queue less ahead of other requests."""
WRITE_SLICE = trees.STREAM_CHUNK
"""Bytes handed to a channel at once, the loop yielding between two. asyncssh encrypts and sends
all that the window takes in the write call itself: a 4 MiB read-ahead chunk written whole held
the loop for up to 12 ms, and for 20 to 30 ms at a time while a download shared it."""


class AsyncSshTransport(SshTransportBase[pool.SharedConnection]):
    """A computer reached over SSH with asyncssh (settings: see SshTransportBase)."""

    kind = "ssh_async"

    pipeline: sftp_big_file.Pipeline | None = sftp_big_file.PIPELINE
    """How big files move; None: through asyncssh's own get and put, which touch the local disk
    on the event loop (kept as the reference for benchmarks/transports.py --pipelines)."""

    stream_big_files = True
    """Big files through `cat` (see `put_file`); False: through SFTP, for benchmarks/transports.py --pipelines."""

    registry = pool.registry

    async def _home_directory(self) -> str:
        return await self.call(self.host, lambda _, sftp: sftp.realpath("."))

    async def call(self, path: str, operation: Call[T], *, idempotent: bool = True) -> T:
        """Run `operation(conn, sftp)`, mapping errors about `path`; reconnect if the connection
        dropped, and run it again if it is safe to (idempotent)."""
        shared = self.shared
        for _ in range(self.settings.reconnect_attempts + 1):
            conn, sftp, generation = await shared.current()
            try:
                return await operation(conn, sftp)
            except ConnectionLost as exc:  # from a nested call, which reconnected already
                if not idempotent:
                    raise
                lost: BaseException = exc
                continue
            except asyncssh.SFTPError as exc:
                if not shared.is_lost(exc, generation):
                    raise self.sftp_error(exc, path) from None
                lost = exc
            except asyncssh.ChannelOpenError as exc:
                if not shared.is_lost(exc, generation):
                    raise TransportError(
                        f"{self.host} refused a channel ({exc.reason}); lower max_sessions", host=self.host
                    ) from None
                await shared.reconnect(generation)
                continue  # the channel never opened, so nothing ran: safe to run again even if not idempotent
            except pool.CONNECTION_ERRORS as exc:
                if not shared.is_lost(exc, generation):
                    if isinstance(exc, OSError):
                        raise from_os_error(exc, exc.filename or path, host=self.host) from None
                    raise
                lost = exc
            except asyncssh.Error as exc:  # any other asyncssh error: a loss, or one about this operation
                if not shared.is_lost(exc, generation):
                    raise TransportError(f"{exc.reason} on {self.host}: {path}", host=self.host, path=path) from None
                lost = exc
            await shared.reconnect(generation)
            if not idempotent:
                raise ConnectionLost(
                    self.host, f"dropped during an operation on {path} ({lost}); it may or may not have happened"
                )
        raise ConnectionLost(self.host, "the connection kept dropping", attempts=self.settings.reconnect_attempts)

    def sftp_error(self, exc: asyncssh.SFTPError, path: str) -> TransportError:
        if isinstance(exc, asyncssh.SFTPNoSuchFile):
            return NotFound(path, host=self.host)
        if isinstance(exc, asyncssh.SFTPPermissionDenied):
            return PermissionDenied(path, host=self.host)
        if isinstance(exc, asyncssh.SFTPFileAlreadyExists):
            return AlreadyExists(path, host=self.host)
        return TransportError(f"{exc.reason} on {self.host}: {path}", host=self.host, path=path)

    # -- file system ------------------------------------------------------------------------

    async def stat(self, path: str, *, follow_symlinks: bool = True) -> FileStat:
        path = self._abs(path)
        attrs = await self.call(path, lambda _, sftp: sftp.stat(path) if follow_symlinks else sftp.lstat(path))
        return _file_stat(attrs)

    async def iterdir(self, path: str) -> list[DirEntry]:
        path = self._abs(path)
        names = await self.call(path, lambda _, sftp: sftp.readdir(path))
        return [
            DirEntry(name=n.filename, path=posixpath.join(path, n.filename), stat=_file_stat(n.attrs))
            for n in names
            if n.filename not in (".", "..")
        ]

    async def mkdir(self, path: str, *, parents: bool = False) -> None:
        path = self._abs(path)
        if parents:
            await self.call(path, lambda _, sftp: sftp.makedirs(path, exist_ok=True))
            return
        try:
            await self.call(path, lambda _, sftp: sftp.mkdir(path), idempotent=False)
        except (NotFound, PermissionDenied, ConnectionLost):
            raise
        except TransportError:  # SFTP v3 says only "failure" for an existing directory
            if await self.exists(path):
                raise AlreadyExists(path, host=self.host) from None
            raise

    async def remove(self, path: str) -> None:
        path = self._abs(path)
        await self.call(path, lambda _, sftp: sftp.remove(path), idempotent=False)

    async def rename(self, source: str, destination: str) -> None:
        source, destination = self._abs(source), self._abs(destination)
        await self.call(source, lambda _, sftp: sftp.posix_rename(source, destination), idempotent=False)

    async def symlink(self, target: str, link: str) -> None:
        link = self._abs(link)
        await self.call(link, lambda _, sftp: sftp.symlink(target, link), idempotent=False)

    async def chmod(self, path: str, mode: int) -> None:
        path = self._abs(path)
        await self.call(path, lambda _, sftp: sftp.chmod(path, mode))

    async def readlink(self, path: str) -> str:
        path = self._abs(path)
        return await self.call(path, lambda _, sftp: sftp.readlink(path))

    # -- commands ---------------------------------------------------------------------------

    async def _run_until(self, command: str, stdin: bytes | None, timeout: float | None) -> ExecResult | None:
        async def run(conn: asyncssh.SSHClientConnection, _: asyncssh.SFTPClient) -> ExecResult | None:
            async with self.shared.channels:
                process = await conn.create_process(command, encoding=None)
                try:
                    if stdin:
                        process.stdin.write(stdin)
                    process.stdin.write_eof()
                    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout)
                except TimeoutError:
                    process.send_signal("KILL")
                    return None
                finally:
                    process.close()
                return _result(process.exit_status, stdout, stderr)

        return await self.call(self.host, run, idempotent=False)

    async def stream_in(self, command: str, chunks: AsyncIterator[bytes], transfer: Progress) -> ExecResult:
        async def run(conn: asyncssh.SSHClientConnection, _: asyncssh.SFTPClient) -> ExecResult:
            async with self.shared.channels:
                process = await conn.create_process(command, encoding=None)
                try:
                    async for chunk in chunks:
                        view = memoryview(chunk)
                        for start in range(0, len(view), WRITE_SLICE):
                            piece = view[start : start + WRITE_SLICE]
                            process.stdin.write(piece)  # type: ignore[arg-type]  # copied into its buffer
                            await process.stdin.drain()
                            await asyncio.sleep(0)  # drain returns at once while the window is open
                            transfer.advance(len(piece))
                    process.stdin.write_eof()
                    await process.wait_closed()
                finally:
                    process.close()
                return _result(process.exit_status, *process.collect_output())

        return await self.call(self.host, run, idempotent=False)

    async def stream_out(
        self, command: str, consume: Callable[[bytes], Awaitable[bool]], transfer: Progress
    ) -> ExecResult | None:
        async def run(conn: asyncssh.SSHClientConnection, _: asyncssh.SFTPClient) -> ExecResult | None:
            async with self.shared.channels:
                process = await conn.create_process(command, encoding=None)
                try:
                    process.stdin.write_eof()
                    while chunk := await _read_up_to(process.stdout, trees.STREAM_CHUNK):
                        transfer.advance(len(chunk))
                        if not await consume(chunk):
                            return None
                    await process.wait_closed()
                finally:
                    process.close()
                return _result(process.exit_status, b"", await process.stderr.read())

        return await self.call(self.host, run, idempotent=False)

    async def put_file(self, local: str, remote: str, transfer: Transfer, *, atomic: bool, size: int) -> None:
        """Upload one file, to a temporary name renamed at the end when `atomic`; retried on loss.

        A big file (ssh_base.BIG_FILE) streams into `cat` on the host: a plain channel costs the
        loop about a quarter less CPU per byte than SFTP requests (benchmarks/transports.py), and
        that CPU is what bounds a transfer. If the stream fails other than by a lost connection,
        SFTP tries (`_copy_file`), and reports the error precisely.
        """
        part = transfer.part()
        if size >= BIG_FILE and self.stream_big_files:
            if await self.retrying(lambda: self._put_streamed(local, remote, part, atomic)):
                return

        leftovers: list[str] = []  # partial files of attempts the connection dropped under

        async def upload(conn: asyncssh.SSHClientConnection, sftp: asyncssh.SFTPClient) -> None:
            part.restart()
            for old in leftovers:
                with contextlib.suppress(asyncssh.SFTPError):
                    await sftp.remove(old)
            partial = temp_sibling(remote) if atomic else remote
            leftovers[:] = [partial]
            async with self.shared.transfers:
                await self._copy_file(conn, sftp, local, partial, part, size=size, upload=True)
            if atomic:
                await sftp.posix_rename(partial, remote)

        await self.call(remote, upload)

    async def get_file(self, remote: str, local: str, transfer: Transfer, *, atomic: bool, size: int) -> None:
        """Download one file, to a temporary name renamed at the end when `atomic`; retried on loss.

        A big file streams out of `cat`, as `put_file` explains; unless exactly `size` bytes came
        (a login script may print), SFTP moves it again."""
        part = transfer.part()
        if size >= BIG_FILE and self.stream_big_files:
            if await self.retrying(lambda: self._get_streamed(remote, local, part, atomic, size)):
                return

        async def download(conn: asyncssh.SSHClientConnection, sftp: asyncssh.SFTPClient) -> None:
            part.restart()
            partial = temp_sibling(local) if atomic else local
            try:
                async with self.shared.transfers:
                    await self._copy_file(conn, sftp, remote, partial, part, size=size, upload=False)
                if atomic:
                    await asyncio.to_thread(os.replace, partial, local)
            except BaseException:
                if atomic:
                    await asyncio.to_thread(localfs.unlink_quietly, partial)
                raise

        try:
            await self.call(remote, download)
        except OSError as exc:  # writing the local file
            raise TransportError(f"Could not write {local}: {exc.strerror or exc}", path=local) from None

    async def _put_streamed(self, local: str, remote: str, part: TransferPart, atomic: bool) -> bool:
        """One attempt at `cat > partial`, the local file read ahead by a thread (see `put_streamed`)."""
        partial = temp_sibling(remote) if atomic else remote
        pipeline = self.pipeline or sftp_big_file.PIPELINE

        async def send() -> bool:
            part.restart()
            async with sftp_big_file.LocalFile.open(local, os.O_RDONLY) as source:
                info = await source.stat()
                chunks = sftp_big_file.read_ahead(source, info.st_size, pipeline.disk_chunk, pipeline.disk_depth)
                return (await self.stream_in(f"cat > {shlex.quote(partial)}", chunks, part)).ok

        async def keep_mode() -> None:  # and times, as the SFTP path does
            attrs = sftp_big_file.local_mode_and_times(await asyncio.to_thread(os.stat, local))
            await self.call(partial, lambda _, sftp: sftp.setstat(partial, attrs))

        return await self.put_streamed(remote, partial, send, keep_mode)

    async def _get_streamed(self, remote: str, local: str, part: TransferPart, atomic: bool, size: int) -> bool:
        """One attempt at `cat remote`, written behind by a thread (see `get_streamed`)."""
        partial = temp_sibling(local) if atomic else local
        pipeline = self.pipeline or sftp_big_file.PIPELINE

        async def receive() -> tuple[bool, int]:
            part.restart()
            attrs = await self.call(remote, lambda _, sftp: sftp.stat(remote))
            async with sftp_big_file.LocalFile.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC) as target:
                behind = sftp_big_file.WriteBehind(target, pipeline.disk_chunk, pipeline.disk_depth)
                try:
                    result = await self.stream_out(quote_args(["cat", "--", remote]), behind.append, part)
                    await behind.finish()
                finally:
                    behind.cancel()
                await target.preserve(sftp_big_file.preserved(attrs))
            return result is not None and result.ok, behind.end

        async def finish() -> None:
            if atomic:
                await asyncio.to_thread(os.replace, partial, local)

        return await self.get_streamed(remote, local, partial, size, receive, finish)

    async def _copy_file(
        self,
        conn: asyncssh.SSHClientConnection,
        sftp: asyncssh.SFTPClient,
        source: str,
        target: str,
        transfer: Progress,
        *,
        size: int,
        upload: bool,
    ) -> None:
        """One file through the shared SFTP client; a big one (ssh_base.BIG_FILE) through an SFTP
        channel of its own (SharedConnection.own_sftp) and, unless `pipeline` is None, our own
        copy loop."""
        if size < BIG_FILE:
            await (sftp.put if upload else sftp.get)(source, target, **_copy_options(transfer))
            return
        async with self.shared.own_sftp(conn) as own:
            if self.pipeline is None:
                await (own.put if upload else own.get)(source, target, **_copy_options(transfer))
            else:
                move = sftp_big_file.upload if upload else sftp_big_file.download
                await move(own, source, target, transfer, self.pipeline)


def _copy_options(transfer: Progress) -> dict[str, Any]:
    """What every file transfer passes to asyncssh's put and get."""
    return {
        "preserve": True,
        "follow_symlinks": True,
        "max_requests": MAX_REQUESTS,
        "progress_handler": _handler(transfer),
    }


def _handler(transfer: Progress) -> Callable[[bytes, bytes, int, int], None]:
    """An asyncssh progress handler feeding the meter."""
    count = transfer.counter()
    return lambda _source, _target, copied, _total: count(copied)


def _file_stat(attrs: asyncssh.SFTPAttrs) -> FileStat:
    return FileStat(
        size=attrs.size or 0,
        mode=attrs.permissions or 0,
        uid=attrs.uid or 0,
        gid=attrs.gid or 0,
        atime=float(attrs.atime or 0),
        mtime=float(attrs.mtime or 0),
    )


def _result(exit_status: int | None, stdout: bytes | str, stderr: bytes | str) -> ExecResult:
    return ExecResult(
        exit_code=exit_status if exit_status is not None else -1,
        stdout=stdout.decode(errors="replace") if isinstance(stdout, bytes) else stdout,
        stderr=stderr.decode(errors="replace") if isinstance(stderr, bytes) else stderr,
    )


async def _read_up_to(stream: asyncssh.SSHReader[bytes], size: int) -> bytes:
    """`size` bytes, fewer only at the end: big chunks cost fewer hand-offs than 32 KiB packets."""
    try:
        return await stream.readexactly(size)
    except asyncio.IncompleteReadError as end:
        return end.partial
