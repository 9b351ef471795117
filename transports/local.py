"""The transport for this machine: file work runs in threads, commands in subprocesses.

Nothing blocks the event loop: each file system call goes through asyncio.to_thread, and each
command is started and awaited in a thread of its own pool, since starting a process costs ~10 ms
of the calling thread (more under load), which a loop running 1000 jobs cannot afford.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from . import localfs
from .base import Transport
from .errors import TransportTimeout, from_os_error
from .meter import Transfer
from .models import DirEntry, ExecResult, FileStat

T = TypeVar("T")

# Commands get their own threads so long ones never starve the file work of the default executor.
_COMMAND_THREADS = ThreadPoolExecutor(max_workers=32, thread_name_prefix="provtop-local-exec")


class LocalTransport(Transport):
    """Files and commands of the machine provtop runs on."""

    kind = "local"

    @property
    def host(self) -> str:
        return "localhost"

    async def _open(self) -> tuple[str, str]:
        return os.path.expanduser("~"), getpass.getuser()

    async def _close(self) -> None:
        pass

    async def _fs(self, path: str, function: Callable[..., T], *args: object, **kwargs: object) -> T:
        """Run a blocking call in a thread, turning OSError into a typed error about `path`."""
        try:
            return await asyncio.to_thread(function, *args, **kwargs)
        except OSError as exc:
            raise from_os_error(exc, exc.filename or path, host=self.host) from None

    async def stat(self, path: str, *, follow_symlinks: bool = True) -> FileStat:
        path = self._abs(path)
        result = await self._fs(path, os.stat, path, follow_symlinks=follow_symlinks)
        return localfs.file_stat(result)

    async def iterdir(self, path: str) -> list[DirEntry]:
        path = self._abs(path)
        return await self._fs(path, _scan, path)

    async def mkdir(self, path: str, *, parents: bool = False) -> None:
        path = self._abs(path)
        if parents:
            await self._fs(path, os.makedirs, path, 0o777, True)
        else:
            await self._fs(path, os.mkdir, path)

    async def remove(self, path: str) -> None:
        path = self._abs(path)
        await self._fs(path, os.remove, path)

    async def rmtree(self, path: str) -> None:
        path = self._abs(path)
        await self._fs(path, shutil.rmtree, path)

    async def rename(self, source: str, destination: str) -> None:
        source, destination = self._abs(source), self._abs(destination)
        await self._fs(source, os.replace, source, destination)

    async def symlink(self, target: str, link: str) -> None:
        link = self._abs(link)
        await self._fs(link, os.symlink, target, link)

    async def chmod(self, path: str, mode: int) -> None:
        path = self._abs(path)
        await self._fs(path, os.chmod, path, mode)

    async def readlink(self, path: str) -> str:
        path = self._abs(path)
        return await self._fs(path, os.readlink, path)

    async def _run(self, command: str, stdin: bytes | None, timeout: float | None) -> ExecResult:
        run = _CommandRun(command, self.home, stdin, timeout)
        future = asyncio.get_running_loop().run_in_executor(_COMMAND_THREADS, run.wait)
        try:
            exit_code, stdout, stderr = await asyncio.shield(future)
        except asyncio.CancelledError:
            run.cancel()
            await asyncio.wait([future], timeout=1.0)  # reaped at once, unless a child left the group
            raise
        except subprocess.TimeoutExpired:
            raise TransportTimeout(f"The command {command!r}", timeout or 0, host=self.host) from None
        return ExecResult(
            exit_code=exit_code, stdout=stdout.decode(errors="replace"), stderr=stderr.decode(errors="replace")
        )

    async def _put(self, local: str, remote: str, *, dereference: bool, transfer: Transfer) -> None:
        await self._fs(local, _metered_copy, local, remote, dereference, transfer)

    async def _get(self, remote: str, local: str, *, dereference: bool, transfer: Transfer) -> None:
        await self._fs(remote, _metered_copy, remote, local, dereference, transfer)

    async def _copy(self, source: str, destination: str, *, dereference: bool, transfer: Transfer) -> None:
        await self._fs(source, _metered_copy, source, destination, dereference, transfer)


def _metered_copy(source: str, destination: str, dereference: bool, transfer: Transfer) -> None:
    transfer.set_total(localfs.size_of(source, dereference=dereference))
    localfs.copy_path(source, destination, dereference=dereference, progress=transfer.advance)


def _scan(path: str) -> list[DirEntry]:
    with os.scandir(path) as entries:
        return [
            DirEntry(name=e.name, path=e.path, stat=localfs.file_stat(e.stat(follow_symlinks=False))) for e in entries
        ]


class _CommandRun:
    """One `/bin/sh -c` command, started and awaited in a worker thread; `cancel` may come from any thread.

    The command leads its own process group, so a timeout or a cancel stops its children too.
    """

    def __init__(self, command: str, cwd: str, stdin: bytes | None, timeout: float | None) -> None:
        self.command, self.cwd, self.stdin, self.timeout = command, cwd, stdin, timeout
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._cancelled = False

    def wait(self) -> tuple[int, bytes, bytes]:
        """Run the command to its end: exit code, stdout, stderr; raises TimeoutExpired after killing it."""
        process = subprocess.Popen(
            ["/bin/sh", "-c", self.command],
            stdin=subprocess.PIPE if self.stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=self.cwd,
            start_new_session=True,
        )
        with self._lock:
            self._process = process
            if self._cancelled:
                _kill_group(process.pid)
        try:
            stdout, stderr = process.communicate(self.stdin, timeout=self.timeout)
        except BaseException:  # TimeoutExpired above all
            _kill_group(process.pid)
            process.wait()  # not communicate: a child that left the group may hold the pipes open
            raise
        finally:
            for pipe in (process.stdin, process.stdout, process.stderr):
                if pipe is not None:
                    pipe.close()
        return (process.returncode if process.returncode is not None else -1), stdout, stderr

    def cancel(self) -> None:
        """Kill the command's process group now, or as soon as it has started."""
        with self._lock:
            self._cancelled = True
            if self._process is not None and self._process.returncode is None:
                _kill_group(self._process.pid)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
