"""Carry out a DumpPlan: moves, removals, directories, then files in a thread pool.

Blocking throughout, so the TUI calls it with asyncio.to_thread; progress goes to a
callback in the calling thread. Files new to a directory are written in place (an
interruption is undone by the journal); files that replace an earlier version are written
to a temporary name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import stat
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from pathlib import Path

from pydantic import BaseModel

from ..store.repository import FileRepository
from .errors import DumpError, UnsafeTargetError
from .guard import TargetGuard, check_link_target, prepare_root
from .journal import TEMPORARY_PREFIX, clear_root, journal_for, remove_journal, write_journal
from .plan import DumpPlan, WriteFile
from .state import SAFEGUARD_FILE, save_state

WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
DEFAULT_WORKERS = 4
PROGRESS_INTERVAL = 0.05


class DumpProgress(BaseModel):
    """Counts for a progress bar: processes and bytes, and the phase being worked on."""

    phase: str
    nodes_done: int = 0
    nodes_total: int = 0
    files_done: int = 0
    files_total: int = 0
    bytes_done: int = 0
    bytes_total: int = 0


ProgressCallback = Callable[[DumpProgress], None]


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _copy(source: str, fd_out: int, size: int) -> None:
    """Copy in the kernel where it can (copy_file_range), else through a buffer."""
    try:
        fd_in = os.open(source, os.O_RDONLY)
    except FileNotFoundError:
        raise DumpError(f"the repository object {source} is missing; run 'provtop storage maintain'") from None
    try:
        copied = 0
        while copied < size:
            try:
                count = os.copy_file_range(fd_in, fd_out, size - copied)
            except OSError:
                break
            if count == 0:
                break
            copied += count
        if copied < size:
            while chunk := os.read(fd_in, 1 << 20):
                _write_all(fd_out, chunk)
    finally:
        os.close(fd_in)


class PlanExecutor:
    def __init__(
        self,
        plan: DumpPlan,
        repository: FileRepository,
        *,
        progress: ProgressCallback | None = None,
        workers: int = DEFAULT_WORKERS,
    ) -> None:
        self.plan = plan
        self.repository = repository
        self.root = Path(plan.target)
        self.guard = TargetGuard(self.root)
        self.callback = progress
        self.workers = workers
        self.notes: list[str] = []
        self.status = DumpProgress(
            phase="preparing",
            nodes_total=len({item.slot for item in plan.files}),
            files_total=len(plan.files),
            bytes_total=plan.totals.bytes,
        )
        self._last_report = 0.0

    def _report(self, phase: str | None = None, *, force: bool = False) -> None:
        if phase is not None:
            self.status.phase = phase
            force = True
        if self.callback is None:
            return
        now = time.monotonic()
        if force or now - self._last_report >= PROGRESS_INTERVAL:
            self._last_report = now
            self.callback(self.status.model_copy())

    def run(self) -> list[str]:
        """Execute the plan and save the new dump log; returns notes for the user."""
        plan = self.plan
        prepare_root(self.root)
        if plan.has_changes:
            write_journal(self.root, journal_for(plan))
        self._report("removing")
        if plan.clear_target:
            clear_root(self.root)
        for move in plan.moves:
            self._move(move.source, move.destination)
        for removal in plan.removals:
            self._remove(removal.path, removal.what)
        for path in plan.prunes:
            self._prune(path)
        self._report("directories")
        for directory in plan.directories:
            self.guard.make_directory(directory.path, safeguard=directory.safeguard)
        self._report("files")
        self._write_files()
        self._report("links")
        for link in plan.symlinks:
            self._symlink(link.path, link.target)
        self._report("finishing")
        if plan.state is not None:
            save_state(self.root, plan.state)
        remove_journal(self.root)
        self._report("done")
        return self.notes

    # -- structure -----------------------------------------------------------------------------

    def _move(self, source: str, destination: str) -> None:
        origin, target = self.guard.absolute(source), self.guard.absolute(destination)
        if not os.path.lexists(origin) and target.is_dir():
            return  # an interrupted run moved it already
        self.guard.verify_directory(source)
        if not self.guard.has_safeguard(source):
            raise UnsafeTargetError(f"refusing to move {origin}: it lacks provtop's {SAFEGUARD_FILE}")
        self.guard.make_parents(destination)
        self.guard.verify_directory(destination.rpartition("/")[0] or ".")
        os.rename(origin, target)
        self.guard.forget(source)

    def _remove(self, path: str, what: str) -> None:
        location = self.guard.absolute(path)
        if not self.guard.parent_exists(path):
            return  # removed with its directory already (an interrupted run got that far)
        try:
            mode = os.lstat(location).st_mode
        except FileNotFoundError:
            return
        if stat.S_ISLNK(mode) or (what == "file" and stat.S_ISREG(mode)):
            location.unlink()
        elif what == "tree" and stat.S_ISDIR(mode) and self.guard.has_safeguard(path):
            shutil.rmtree(location)
            self.guard.forget(path)
        else:
            self.notes.append(f"kept {location}: provtop did not make it, so it does not delete it")

    def _prune(self, path: str) -> None:
        location = self.guard.absolute(path)
        if not self.guard.parent_exists(path):
            return
        try:
            if not stat.S_ISDIR(os.lstat(location).st_mode):
                return
            location.rmdir()
        except FileNotFoundError:
            return
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
            self.notes.append(f"kept {location}: it holds files that provtop did not write")
            return
        self.guard.forget(path)

    def _symlink(self, path: str, target: str) -> None:
        check_link_target(path, target)
        location = self.guard.absolute(path)
        self.guard.verify_directory(path.rpartition("/")[0] or ".")
        if os.path.lexists(location) and not location.is_symlink():
            raise UnsafeTargetError(
                f"cannot create the symlink {location}: something else is there; remove it and rerun"
            )
        temporary = location.with_name(TEMPORARY_PREFIX + hashlib.sha1(location.name.encode()).hexdigest()[:12])
        temporary.unlink(missing_ok=True)
        os.symlink(target, temporary)
        os.replace(temporary, location)

    # -- files -----------------------------------------------------------------------------------

    def _write_files(self) -> None:
        by_slot: dict[str, list[WriteFile]] = defaultdict(list)
        for item in self.plan.files:
            by_slot[item.slot].append(item)
        for directory in {item.path.rpartition("/")[0] or "." for item in self.plan.files}:
            self.guard.verify_directory(directory)
        if not by_slot:
            return
        pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="provtop-dump")
        try:
            pending: set[Future[tuple[int, int]]] = {pool.submit(self._write_slot, items) for items in by_slot.values()}
            while pending:
                done, pending = wait(pending, timeout=PROGRESS_INTERVAL, return_when=FIRST_EXCEPTION)
                for future in done:
                    files, size = future.result()  # re-raises a worker's error; the journal covers the rest
                    self.status.nodes_done += 1
                    self.status.files_done += files
                    self.status.bytes_done += size
                self._report()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _write_slot(self, items: list[WriteFile]) -> tuple[int, int]:
        size = 0
        for item in items:
            self._write(item)
            size += item.size
        return len(items), size

    def _write(self, item: WriteFile) -> None:
        location = self.guard.absolute(item.path)
        destination = location
        if item.replace:
            destination = location.with_name(TEMPORARY_PREFIX + hashlib.sha1(location.name.encode()).hexdigest()[:12])
        try:
            fd = os.open(destination, WRITE_FLAGS, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise UnsafeTargetError(
                    f"refusing to write through the symlink {location}; remove it and rerun"
                ) from None
            raise DumpError(f"cannot write {location}: {exc.strerror}") from None
        try:
            if item.data is not None:
                _write_all(fd, item.data)
            elif item.key is not None:
                _copy(str(self.repository.object_path(item.key)), fd, item.size)
        finally:
            os.close(fd)
        if item.replace:
            os.replace(destination, location)


def execute_plan(
    plan: DumpPlan,
    repository: FileRepository,
    *,
    progress: ProgressCallback | None = None,
    workers: int = DEFAULT_WORKERS,
) -> list[str]:
    """Write the plan to disk (blocking; call from a thread in async code). Returns notes."""
    return PlanExecutor(plan, repository, progress=progress, workers=workers).run()
