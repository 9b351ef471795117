"""One big file over SFTP: requests pipelined on the event loop, the local disk in a thread.

asyncssh's own `get` and `put` read and write the local file on the event loop, so every
page-cache stall of a 1 GiB copy stalls everything else on the loop. Here the loop only keeps
`requests` SFTP reads or writes in flight; the local file is read ahead or written behind by a
thread of its own, a bounded number of chunks at a time, so memory stays bounded too.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import asyncssh

from .errors import TransportError
from .meter import Progress

T = TypeVar("T")


@dataclass(frozen=True)
class Pipeline:
    """How a big file moves: bytes per SFTP request (0: the server's limit, 255 KiB for
    OpenSSH), requests in flight, bytes per hand-off to the disk thread, hand-offs queued.
    Memory per file: about `disk_chunk * (disk_depth + 1) + block * requests`."""

    block: int = 0
    requests: int = 8
    disk_chunk: int = 4 << 20
    disk_depth: int = 4


PIPELINE = Pipeline()
"""From benchmarks/transports.py --pipelines on a shared, noisy 2-core machine: 8 requests of 255 KiB
moved at least as fast as 4 or 16, or as 128 KiB blocks; 4 MiB hand-offs wake the disk thread a
quarter as often as 1 MiB ones (those took about 5% of the loop's time in P2), no slower."""


async def upload(
    sftp: asyncssh.SFTPClient, local: str, remote: str, transfer: Progress, pipeline: Pipeline = PIPELINE
) -> None:
    """Copy `local` to `remote` (created or truncated), then give it the local file's mode and
    times. Raises OSError (TransportError if it shrinks meanwhile) about the local file,
    asyncssh errors about the remote one."""
    block = _block_size(pipeline.block, sftp.limits.max_write_len)
    chunk = max(block, pipeline.disk_chunk // block * block)
    async with LocalFile.open(local, os.O_RDONLY) as source:
        info = await source.stat()
        async with sftp.open(remote, "wb", block_size=0) as target:
            writes = Requests(pipeline.requests, lambda written: transfer.advance(written))
            offset = 0
            try:
                async for data in read_ahead(source, info.st_size, chunk, pipeline.disk_depth):
                    view = memoryview(data)
                    for start in range(0, len(view), block):
                        await writes.start(_write(target, view[start : start + block], offset + start))
                    offset += len(view)
                await writes.finish()
            finally:
                await writes.cancel()
    await sftp.setstat(remote, local_mode_and_times(info))


async def read_ahead(source: LocalFile, size: int, chunk: int, depth: int) -> AsyncIterator[bytes]:
    """The first `size` bytes of `source` in `chunk`s, read by its disk thread up to `depth` chunks
    ahead of the consumer."""
    ahead: deque[asyncio.Future[bytes]] = deque()
    next_read = 0
    try:
        while ahead or next_read < size:
            while next_read < size and len(ahead) < depth:
                ahead.append(source.read(min(chunk, size - next_read), next_read))
                next_read += chunk
            yield await ahead.popleft()
    finally:
        _abandon(ahead)


async def download(
    sftp: asyncssh.SFTPClient, remote: str, local: str, transfer: Progress, pipeline: Pipeline = PIPELINE
) -> None:
    """Copy `remote` to `local` (created or truncated), then give it the remote file's mode and
    times. Raises OSError about the local file, asyncssh errors about the remote one."""
    block = _block_size(pipeline.block, sftp.limits.max_read_len)
    async with sftp.open(remote, "rb", block_size=0) as source:
        attrs = await source.stat()
        size = attrs.size or 0
        async with LocalFile.open(local, os.O_WRONLY | os.O_CREAT | os.O_TRUNC) as target:
            behind = WriteBehind(target, pipeline.disk_chunk, pipeline.disk_depth)

            async def arrived(result: tuple[int, bytes]) -> None:
                transfer.advance(len(result[1]))
                await behind.add(*result)

            reads = Requests(pipeline.requests, arrived)
            try:
                for offset in range(0, size, block):
                    await reads.start(_read(source, offset, min(block, size - offset)))
                await reads.finish()
                await behind.finish()
            finally:
                await reads.cancel()
                behind.cancel()
            await target.preserve(preserved(attrs))


class Requests:
    """SFTP requests in flight, at most `limit`; `done` gets each result, in offset order among
    those that complete together (results are (offset, ...) tuples or ints)."""

    def __init__(self, limit: int, done: Callable[[Any], object]) -> None:
        self.limit = max(1, limit)
        self._done = done
        self._pending: set[asyncio.Future[Any]] = set()

    async def start(self, request: Coroutine[Any, Any, Any]) -> None:
        """Send one more request, first waiting for a free slot."""
        try:
            while len(self._pending) >= self.limit:
                await self._collect()
        except BaseException:
            request.close()
            raise
        self._pending.add(asyncio.ensure_future(request))

    async def finish(self) -> None:
        """Wait for every request; the first failure is raised."""
        while self._pending:
            await self._collect()

    async def cancel(self) -> None:
        """Give up on what is still in flight (after a failure or cancellation)."""
        pending, self._pending = self._pending, set()
        for request in pending:
            request.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    async def _collect(self) -> None:
        done, self._pending = await asyncio.wait(self._pending, return_when=asyncio.FIRST_COMPLETED)
        failures = [request.exception() for request in done if request.exception() is not None]
        if failures:
            raise failures[0]
        results = [request.result() for request in done]
        for result in sorted(results, key=lambda r: r[0] if isinstance(r, tuple) else 0):
            outcome = self._done(result)
            if asyncio.iscoroutine(outcome):
                await outcome


class WriteBehind:
    """Downloaded blocks gathered into runs of consecutive bytes and written by the disk thread,
    at most `depth` writes queued, so a slow disk slows the download instead of filling memory."""

    def __init__(self, file: LocalFile, chunk: int, depth: int) -> None:
        self.file = file
        self.chunk = chunk
        self.depth = max(1, depth)
        self._start = 0
        self._blocks: list[bytes] = []
        self._size = 0
        self._writes: deque[asyncio.Future[None]] = deque()
        self.end = 0
        """Where the block added last ends: after a stream, how many bytes it brought."""

    async def add(self, offset: int, data: bytes) -> None:
        if self._blocks and offset != self._start + self._size:
            await self._flush()
        if not self._blocks:
            self._start = offset
        self._blocks.append(data)
        self._size += len(data)
        self.end = offset + len(data)
        if self._size >= self.chunk:
            await self._flush()

    async def append(self, data: bytes) -> bool:
        """Add a stream's next bytes, right after the last block; True, so that the stream goes on."""
        await self.add(self.end, data)
        return True

    async def finish(self) -> None:
        await self._flush()
        while self._writes:
            await self._writes.popleft()

    def cancel(self) -> None:
        _abandon(self._writes)
        self._writes.clear()

    async def _flush(self) -> None:
        if not self._blocks:
            return
        while len(self._writes) >= self.depth:
            await self._writes.popleft()
        self._writes.append(self.file.write(self._blocks, self._start))
        self._blocks, self._size = [], 0


class LocalFile:
    """A local file whose system calls all run, in the order asked, on a thread of its own."""

    def __init__(self, path: str, fd: int, executor: ThreadPoolExecutor) -> None:
        self.path = path
        self.fd = fd
        self._executor = executor

    @classmethod
    @contextlib.asynccontextmanager
    async def open(cls, path: str, flags: int) -> AsyncIterator[LocalFile]:
        executor = ThreadPoolExecutor(1, thread_name_prefix="provtop-disk")
        try:
            fd = await asyncio.get_running_loop().run_in_executor(executor, os.open, path, flags, 0o666)
            # Closed after whatever is still queued; waited for (shielded) so a cancelled copy
            # leaves no write running into a file the caller is about to remove.
            try:
                yield cls(path, fd, executor)
            finally:
                await asyncio.shield(asyncio.wrap_future(executor.submit(os.close, fd)))
        finally:
            executor.shutdown(wait=False)

    def _run(self, function: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        return asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    def stat(self) -> asyncio.Future[os.stat_result]:
        return self._run(os.fstat, self.fd)

    def read(self, size: int, offset: int) -> asyncio.Future[bytes]:
        """`size` bytes at `offset`; TransportError if the file ends first (it shrank meanwhile)."""
        return self._run(_pread_exactly, self.path, self.fd, size, offset)

    def write(self, blocks: Sequence[bytes], offset: int) -> asyncio.Future[None]:
        return self._run(_pwrite_all, self.fd, blocks, offset)

    def preserve(self, attrs: asyncssh.SFTPAttrs) -> asyncio.Future[None]:
        """Take the mode and times of `attrs` (as `preserved` leaves them)."""
        return self._run(_set_mode_and_times, self.fd, attrs)


async def _write(file: asyncssh.SFTPClientFile, data: memoryview, offset: int) -> int:
    await file.write(data, offset)  # type: ignore[arg-type]  # asyncssh sends any bytes-like
    return len(data)


async def _read(file: asyncssh.SFTPClientFile, offset: int, size: int) -> tuple[int, bytes]:
    """`size` bytes at `offset`, asking again after a short read (a server may send less)."""
    data = await file.read(size, offset)
    if len(data) == size:
        return offset, data
    parts = [data]
    got = len(data)
    while got < size:
        more = await file.read(size - got, offset + got)
        if not more:
            raise asyncssh.SFTPFailure("The file shrank while it was being copied")
        parts.append(more)
        got += len(more)
    return offset, b"".join(parts)


def _block_size(wanted: int, server_limit: int) -> int:
    return min(wanted, server_limit) if wanted > 0 else server_limit


def preserved(attrs: asyncssh.SFTPAttrs) -> asyncssh.SFTPAttrs:
    """What `preserve=True` keeps in asyncssh: permission bits, access and modification times."""
    return asyncssh.SFTPAttrs(
        permissions=stat.S_IMODE(attrs.permissions) if attrs.permissions is not None else None,
        atime=attrs.atime,
        atime_ns=attrs.atime_ns,
        mtime=attrs.mtime,
        mtime_ns=attrs.mtime_ns,
    )


def local_mode_and_times(info: os.stat_result) -> asyncssh.SFTPAttrs:
    atime, atime_ns = divmod(info.st_atime_ns, 1_000_000_000)
    mtime, mtime_ns = divmod(info.st_mtime_ns, 1_000_000_000)
    return asyncssh.SFTPAttrs(
        permissions=stat.S_IMODE(info.st_mode), atime=atime, atime_ns=atime_ns, mtime=mtime, mtime_ns=mtime_ns
    )


def _abandon(futures: Iterable[asyncio.Future[Any]]) -> None:
    """Cancel disk work nobody waits for any more, and mark its errors as seen."""
    for future in futures:
        future.cancel()
        future.add_done_callback(lambda f: f.cancelled() or f.exception())


def _pread_exactly(path: str, fd: int, size: int, offset: int) -> bytes:
    data = os.pread(fd, size, offset)
    if len(data) == size:
        return data
    parts = [data]
    got = len(data)
    while got < size:
        more = os.pread(fd, size - got, offset + got)
        if not more:
            raise TransportError(f"{path} shrank while it was being copied (at byte {offset + got})", path=path)
        parts.append(more)
        got += len(more)
    return b"".join(parts)


def _pwrite_all(fd: int, blocks: Sequence[bytes], offset: int) -> None:
    views = [memoryview(b) for b in blocks]
    while views:
        written = os.pwritev(fd, views, offset)
        offset += written
        while views and written >= len(views[0]):
            written -= len(views[0])
            views.pop(0)
        if written:
            views[0] = views[0][written:]


def _set_mode_and_times(fd: int, attrs: asyncssh.SFTPAttrs) -> None:
    if attrs.permissions is not None:
        os.fchmod(fd, attrs.permissions)
    if attrs.atime is not None and attrs.mtime is not None:
        os.utime(fd, ns=(_ns(attrs.atime, attrs.atime_ns), _ns(attrs.mtime, attrs.mtime_ns)))


def _ns(seconds: int, nanoseconds: int | None) -> int:
    return seconds * 1_000_000_000 + (nanoseconds or 0)
