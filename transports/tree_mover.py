"""Whole-tree put and get for the SSH transports: concurrent SFTP transfers, or one tar stream.

A new destination is built under a temporary name and renamed when complete; an existing one
is merged file by file, each file renamed into place. Either way the move is retried from the
start after a reconnect, so an interrupted tree never shows up half-written under its name.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import posixpath
import queue
import shutil
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from . import localfs
from . import tree as trees
from .errors import AlreadyExists, CommandFailed, TransportError
from .meter import Transfer, TransferPart
from .paths import temp_sibling

if TYPE_CHECKING:
    from .ssh_base import SshTransportBase


class TreeMover:
    """Moves trees for one SSH transport, choosing per tree how (see `tree.TreePlan.use_tar`)."""

    def __init__(self, transport: SshTransportBase) -> None:
        self.transport = transport

    async def put(self, local: str, remote: str, *, dereference: bool, transfer: Transfer) -> None:
        plan = await asyncio.to_thread(trees.plan_local_tree, local, dereference=dereference)
        new = not await self.transport.exists(remote)
        if new and plan.use_tar(self.transport.tree_mode):
            transfer.set_total(plan.tar_size)
            part = transfer.part()
            await self.transport.retrying(lambda: self._put_tar(local, remote, dereference, part))
            return
        transfer.set_total(plan.size)
        root = temp_sibling(remote, kind="tree") if new else remote
        try:
            await self._ensure_dir(root)
            for level in plan.dir_levels():
                await asyncio.gather(*(self._ensure_dir(posixpath.join(root, d)) for d in level))
            await asyncio.gather(
                *(
                    self.transport.put_file(
                        os.path.join(local, rel), posixpath.join(root, rel), transfer, atomic=not new, size=size
                    )
                    for rel, size, _ in plan.files
                )
            )
            for rel, target in plan.links:
                await self.transport.put_symlink(target, posixpath.join(root, rel))
            if new:
                await self.transport.rename(root, remote)
        except BaseException:
            if new:
                await self._discard_remote(root)
            raise

    async def get(self, remote: str, local: str, *, dereference: bool, transfer: Transfer) -> None:
        plan = await trees.plan_remote_tree(self.transport, remote, dereference=dereference)
        new = not await asyncio.to_thread(os.path.lexists, local)
        if new and plan.use_tar(self.transport.tree_mode):
            transfer.set_total(plan.tar_size)
            part = transfer.part()
            await self.transport.retrying(lambda: self._get_tar(remote, local, dereference, part))
            return
        transfer.set_total(plan.size)
        root = temp_sibling(local, kind="tree") if new else local
        try:
            await asyncio.to_thread(_make_local_dirs, root, plan.dirs)
            await asyncio.gather(
                *(
                    self.transport.get_file(
                        posixpath.join(remote, rel), os.path.join(root, rel), transfer, atomic=not new, size=size
                    )
                    for rel, size, _ in plan.files
                )
            )
            for rel, target in plan.links:
                await asyncio.to_thread(localfs.replace_with_symlink, target, os.path.join(root, rel))
            if new:
                await asyncio.to_thread(os.rename, root, local)
        except BaseException:
            if new:
                await asyncio.to_thread(shutil.rmtree, root, True)
            raise

    async def _put_tar(self, local: str, remote: str, dereference: bool, part: TransferPart) -> None:
        """One attempt: local `tar c` piped into remote `tar x` in a staging directory."""
        part.restart()
        staging = temp_sibling(remote, kind="tree")
        await self.transport.mkdir(staging)
        packer = await asyncio.create_subprocess_exec(
            *trees.tar_create_argv(local, dereference=dereference),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert packer.stdout is not None and packer.stderr is not None
        try:
            result = await self.transport.stream_in(
                trees.tar_extract_command(staging), _chunks(packer.stdout), part
            )
            packer_errors = (await packer.stderr.read()).decode(errors="replace")
            if await packer.wait() != 0:
                raise CommandFailed(f"Packing {local}", packer.returncode or 1, packer_errors, host="localhost")
            if not result.ok:
                raise CommandFailed(
                    f"Unpacking into {remote}", result.exit_code, result.stderr, host=self.transport.host
                )
            await self.transport.rename(staging, remote)
        except BaseException:
            if packer.returncode is None:
                packer.kill()
                await packer.wait()
            await self._discard_remote(staging)
            raise

    async def _get_tar(self, remote: str, local: str, dereference: bool, part: TransferPart) -> None:
        """One attempt: remote `tar c` streamed into a local, checked unpacking in a thread."""
        part.restart()
        staging = temp_sibling(local, kind="tree")
        await asyncio.to_thread(os.mkdir, staging)
        pipe = ChunkPipe()
        unpacking = asyncio.ensure_future(asyncio.to_thread(_unpack, pipe, staging))
        try:
            command = trees.tar_create_command(remote, dereference=dereference)
            result = await self.transport.stream_out(command, pipe.put, part)
            await pipe.put(None)
            await unpacking
            if result is not None and not result.ok:  # None: the archive ended, tar was stopped
                raise CommandFailed(f"Packing {remote}", result.exit_code, result.stderr, host=self.transport.host)
            await asyncio.to_thread(os.rename, staging, local)
        except BaseException:
            pipe.abort()
            with contextlib.suppress(BaseException):
                await unpacking
            await asyncio.to_thread(shutil.rmtree, staging, True)
            raise

    async def _ensure_dir(self, path: str) -> None:
        with contextlib.suppress(AlreadyExists):
            await self.transport.mkdir(path)

    async def _discard_remote(self, path: str) -> None:
        """Best effort: the connection may be the thing that failed."""
        with contextlib.suppress(TransportError, OSError):
            await self.transport.rmtree(path)


class ChunkPipe(io.RawIOBase):
    """Bytes handed from the event loop to a reading thread, with back-pressure both ways."""

    def __init__(self, depth: int = 32) -> None:
        super().__init__()
        self._queue: queue.Queue[bytes | None] = queue.Queue(depth)
        self._pending = memoryview(b"")
        self._reader_gone = False

    async def put(self, chunk: bytes | None) -> bool:
        """Queue a chunk (None ends the stream); False once the reader has stopped reading."""
        if self._reader_gone:
            return False
        if self._queue.full():
            await asyncio.to_thread(self._queue.put, chunk)
        else:
            self._queue.put_nowait(chunk)
        return not self._reader_gone

    def abort(self) -> None:
        """End the stream now, dropping what is queued, so the reader sees EOF."""
        self.reader_gone()
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(None)

    def reader_gone(self) -> None:
        """Called by the reader when it stops: frees a writer blocked on a full queue."""
        self._reader_gone = True
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            chunk = self._queue.get()
            if chunk is None:
                return 0
            self._pending = memoryview(chunk)
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count


async def _chunks(stream: asyncio.StreamReader) -> AsyncIterator[bytes]:
    while chunk := await stream.read(trees.STREAM_CHUNK):
        yield chunk


def _unpack(pipe: ChunkPipe, target: str) -> None:
    try:
        trees.extract_stream(pipe, target)
    finally:
        pipe.reader_gone()


def _make_local_dirs(root: str, dirs: list[str]) -> None:
    os.makedirs(root, exist_ok=True)
    for directory in dirs:
        os.makedirs(os.path.join(root, directory), exist_ok=True)
