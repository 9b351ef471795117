"""The one async interface every transport implements (local, ssh, ssh_async).

Subclasses provide the primitives (stat, iterdir, file operations, running a command, moving one
file or tree); this class builds the rest on them once: glob expansion, `cp -r`-style destination
rules for put/get/copy, size on disk, compress and extract. Remote paths are POSIX strings; a
relative one is taken relative to the user's home directory.
"""

from __future__ import annotations

import abc
import asyncio
import glob as localglob
import logging
import os
import posixpath
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from types import TracebackType
from typing import ClassVar, Literal

from . import archive as tar
from .errors import CommandFailed, NotFound, TransportError, UnsafeArchive
from .meter import Operation, Transfer, TransferMeter
from .models import DirEntry, ExecResult, FileStat
from .paths import glob_matches, has_magic, temp_sibling
from .shell import command_text, quote_args

logger = logging.getLogger(__name__)

SizeMethod = Literal["du", "stat"]


class Transport(abc.ABC):
    """Async access to one computer's files and commands.

    Use as `async with transport:` or call `open()`/`close()`. `label` names the computer in
    messages and meter figures; `meter` (shared or not) counts every byte put, got or copied.
    `login_shell` runs `exec` commands under `bash -l -c` (for profiles that set up modules or
    PATH); off by default, since profiles can print or slow every command down.
    """

    kind: ClassVar[str]

    def __init__(
        self, *, label: str | None = None, meter: TransferMeter | None = None, login_shell: bool = False
    ) -> None:
        self.label = label
        self.meter = meter or TransferMeter()
        self.login_shell = login_shell
        self._home: str | None = None
        self._username: str | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    async def open(self) -> None:
        """Connect (where there is anything to connect to) and learn the home directory and user."""
        if self.is_open:
            return
        self._home, self._username = await self._open()

    async def close(self) -> None:
        if self.is_open:
            await self._close()
            self._home = self._username = None

    async def __aenter__(self) -> Transport:
        await self.open()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @property
    def is_open(self) -> bool:
        return self._home is not None

    @property
    def home(self) -> str:
        """The user's home directory on the host."""
        return self._opened(self._home)

    @property
    def username(self) -> str:
        return self._opened(self._username)

    @property
    @abc.abstractmethod
    def host(self) -> str:
        """The host's name as messages show it."""

    def _opened(self, value: str | None) -> str:
        if value is None:
            raise TransportError(f"The {self.kind} transport to {self.host} is not open; call open() first")
        return value

    def _abs(self, path: str) -> str:
        """An absolute, normalised remote path; relative paths start at the home directory."""
        return posixpath.normpath(posixpath.join(self.home, os.fspath(path)))

    # -- primitives each transport provides ---------------------------------------------------

    @abc.abstractmethod
    async def _open(self) -> tuple[str, str]:
        """Connect; return (home directory, user name)."""

    @abc.abstractmethod
    async def _close(self) -> None: ...

    @abc.abstractmethod
    async def stat(self, path: str, *, follow_symlinks: bool = True) -> FileStat: ...

    @abc.abstractmethod
    async def iterdir(self, path: str) -> list[DirEntry]:
        """The entries of a directory with their lstat, in no particular order."""

    @abc.abstractmethod
    async def mkdir(self, path: str, *, parents: bool = False) -> None:
        """Create a directory; with `parents`, also its missing parents and no error if it exists."""

    @abc.abstractmethod
    async def remove(self, path: str) -> None:
        """Remove a file or symlink (not a directory)."""

    @abc.abstractmethod
    async def rmtree(self, path: str) -> None:
        """Remove a directory and everything in it."""

    @abc.abstractmethod
    async def rename(self, source: str, destination: str) -> None:
        """Rename, replacing an existing file at `destination` atomically."""

    @abc.abstractmethod
    async def symlink(self, target: str, link: str) -> None:
        """Create `link` pointing at `target` (which is stored as given, relative or not)."""

    @abc.abstractmethod
    async def chmod(self, path: str, mode: int) -> None: ...

    @abc.abstractmethod
    async def readlink(self, path: str) -> str:
        """The target a symlink stores."""

    @abc.abstractmethod
    async def _run(self, command: str, stdin: bytes | None, timeout: float | None) -> ExecResult:
        """Run shell text on the host."""

    @abc.abstractmethod
    async def _put(self, local: str, remote: str, *, dereference: bool, transfer: Transfer) -> None:
        """Upload one file or tree to exactly `remote` (a tree merges into an existing directory),
        reporting its size and progress to `transfer`."""

    @abc.abstractmethod
    async def _get(self, remote: str, local: str, *, dereference: bool, transfer: Transfer) -> None:
        """Download one file or tree to exactly `local`."""

    @abc.abstractmethod
    async def _copy(self, source: str, destination: str, *, dereference: bool, transfer: Transfer) -> None:
        """Copy one file or tree on the host to exactly `destination`."""

    # -- queries built on the primitives --------------------------------------------------------

    async def listdir(self, path: str, pattern: str | None = None) -> list[str]:
        """Sorted names in a directory, optionally only those matching a glob `pattern`."""
        names = (entry.name for entry in await self.iterdir(path))
        return sorted(n for n in names if pattern is None or glob_matches(n, pattern))

    async def exists(self, path: str) -> bool:
        """Whether a path exists (a dangling symlink counts)."""
        try:
            await self.stat(path, follow_symlinks=False)
        except NotFound:
            return False
        return True

    async def glob(self, pattern: str) -> list[str]:
        """Sorted absolute paths matching a shell-style pattern; empty if nothing matches."""
        path = self._abs(pattern)
        candidates = ["/"]
        for part in path.split("/")[1:]:
            if has_magic(part):
                listings = await asyncio.gather(*(self._names_or_empty(c) for c in candidates))
                candidates = [
                    posixpath.join(c, n)
                    for c, names in zip(candidates, listings, strict=True)
                    for n in names
                    if glob_matches(n, part)
                ]
            else:
                candidates = [posixpath.join(c, part) for c in candidates]
        found = await asyncio.gather(*(self.exists(c) for c in candidates))
        return sorted(c for c, ok in zip(candidates, found, strict=True) if ok)

    async def _names_or_empty(self, directory: str) -> list[str]:
        try:
            return [entry.name for entry in await self.iterdir(directory)]
        except TransportError:
            return []

    async def exec(
        self,
        command: str | Sequence[str],
        *,
        stdin: str | bytes | None = None,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
        timeout: float | None = None,
    ) -> ExecResult:
        """Run a command on the host and wait for it.

        A string is shell text; a sequence is an argument vector and is quoted. A non-zero exit is
        a result, not an error; exceeding `timeout` stops the command and raises TransportTimeout.
        With `login_shell`, the command runs under `bash -l -c`.
        """
        text = command_text(command, env=env, cwd=self._abs(cwd) if cwd is not None else None)
        if self.login_shell:
            text = quote_args(["bash", "-l", "-c", text])
        data = stdin.encode() if isinstance(stdin, str) else stdin
        return await self._run(text, data, timeout)

    # -- transfers --------------------------------------------------------------------------

    async def put(self, local: str | os.PathLike[str], remote: str, *, dereference: bool = False) -> None:
        """Upload files or trees; `local` may be a glob.

        Like `cp -r`: into `remote` if it is an existing directory (or several sources match),
        else as `remote`. Each file is written under a temporary name and renamed at the end.
        """
        sources = await asyncio.to_thread(_local_glob, os.path.abspath(local))
        remote = self._abs(remote)
        into = len(sources) > 1 or await self._is_dir(remote)
        if len(sources) > 1:
            await self.mkdir(remote, parents=True)
        for source in sources:
            target = posixpath.join(remote, os.path.basename(source)) if into else remote
            with self._track("put", target) as transfer:
                await self._put(source, target, dereference=dereference, transfer=transfer)

    async def get(self, remote: str, local: str | os.PathLike[str], *, dereference: bool = False) -> None:
        """Download files or trees; `remote` may be a glob. Same destination rules as `put`."""
        sources = await self._remote_sources(remote)
        local = os.path.abspath(local)
        into = len(sources) > 1 or os.path.isdir(local)
        if len(sources) > 1:
            await asyncio.to_thread(os.makedirs, local, exist_ok=True)
        for source in sources:
            target = os.path.join(local, posixpath.basename(source)) if into else local
            with self._track("get", source) as transfer:
                await self._get(source, target, dereference=dereference, transfer=transfer)

    async def copy(self, source: str, destination: str, *, dereference: bool = False) -> None:
        """Copy files or trees on the host; `source` may be a glob. Same rules as `put`."""
        sources = await self._remote_sources(source)
        destination = self._abs(destination)
        into = len(sources) > 1 or await self._is_dir(destination)
        if len(sources) > 1:
            await self.mkdir(destination, parents=True)
        for item in sources:
            target = posixpath.join(destination, posixpath.basename(item)) if into else destination
            with self._track("copy", target) as transfer:
                await self._copy(item, target, dereference=dereference, transfer=transfer)

    def _track(self, operation: Operation, remote_path: str) -> AbstractContextManager[Transfer]:
        return self.meter.track(self.label or self.host, operation, remote_path)

    async def _remote_sources(self, pattern: str) -> list[str]:
        """A path that exists as written, else the matches of `pattern` as a glob."""
        if await self.exists(pattern):
            return [self._abs(pattern)]
        matches = await self.glob(pattern)
        if not matches:
            raise NotFound(self._abs(pattern), host=self.host)
        return matches

    async def _is_dir(self, path: str) -> bool:
        try:
            return (await self.stat(path)).is_dir
        except NotFound:
            return False

    # -- sizes and archives -----------------------------------------------------------------

    async def get_size_on_disk(self, path: str, method: SizeMethod = "du") -> int:
        """Bytes a file or tree uses: `du` measures blocks on disk; `stat` sums apparent sizes.

        If du fails, this warns and falls back to stat, which may underestimate disk usage.
        """
        if method not in ("du", "stat"):
            raise ValueError(f"Unknown size method {method!r}; use 'du' or 'stat'")
        path = self._abs(path)
        if not await self.exists(path):
            raise NotFound(path, host=self.host)
        if method == "du":
            result = await self.exec(["du", "-s", "--block-size=1", "--", path])
            try:
                if result.ok and not result.stderr.strip():
                    return int(result.stdout.split()[0])
            except (ValueError, IndexError):
                pass
            logger.warning(
                "du failed for %s on %s (%s); summing file sizes from stat instead, "
                "which gives the apparent size and may underestimate disk usage",
                path,
                self.host,
                result.stderr.strip() or f"exit {result.exit_code}",
            )
        return await self._apparent_size(path)

    async def _apparent_size(self, path: str) -> int:
        info = await self.stat(path, follow_symlinks=False)
        if not info.is_dir:
            return info.size
        entries = await self.iterdir(path)
        subtrees = await asyncio.gather(*(self._apparent_size(e.path) for e in entries if e.stat.is_dir))
        return info.size + sum(e.stat.size for e in entries if not e.stat.is_dir) + sum(subtrees)

    async def compress(
        self, format: str, sources: str | Sequence[str], archive: str, root_dir: str, *, dereference: bool = False
    ) -> None:
        """Create a tar archive (tar, tar.gz, tar.bz2, tar.xz) on the host.

        `sources` are paths or globs, absolute or relative to `root_dir`; members are stored
        relative to `root_dir`. The archive appears under its name only once complete.
        """
        tar.compression_flag(format)
        root = self._abs(root_dir)
        if not await self._is_dir(root):
            raise NotFound(root, host=self.host, what="Archive root directory not found")
        archive = self._abs(archive)
        if await self._is_dir(archive):
            raise TransportError(f"The archive path is a directory, give a file name: {archive}", host=self.host)
        members = []
        for source in [sources] if isinstance(sources, str) else sources:
            for match in await self._remote_sources(posixpath.join(root, source)):
                relative = posixpath.relpath(match, root)
                if relative == ".." or relative.startswith("../"):
                    raise ValueError(f"{match} is not inside the archive root {root}")
                members.append(relative)
        partial = temp_sibling(archive)
        command = tar.create_command(format, partial, root, dereference=dereference)
        result = await self._run(command, "\0".join(members).encode(), None)
        if not result.ok:
            await self._discard(partial)
            raise CommandFailed(f"Creating the archive {archive}", result.exit_code, result.stderr, host=self.host)
        await self.rename(partial, archive)

    async def extract(self, archive: str, target: str) -> None:
        """Unpack a tar archive (any compression) into `target`, creating it.

        Refuses, before writing anything, an archive with absolute paths, `..`, paths through
        symlinks, links pointing outside `target`, or device and special files.
        """
        archive, target = self._abs(archive), self._abs(target)
        if not await self.exists(archive):
            raise NotFound(archive, host=self.host)
        listing = await self._run(tar.list_command(archive), None, None)
        if not listing.ok:
            raise CommandFailed(f"Reading the archive {archive}", listing.exit_code, listing.stderr, host=self.host)
        try:
            members = tar.parse_listing(listing.stdout)
        except ValueError as exc:
            raise UnsafeArchive(archive, "?", f"cannot be checked ({exc})", host=self.host) from None
        unsafe = tar.find_unsafe_member(members)
        if unsafe:
            raise UnsafeArchive(archive, *unsafe, host=self.host)
        await self.mkdir(target, parents=True)
        result = await self._run(tar.extract_command(archive, target), None, None)
        if not result.ok:
            raise CommandFailed(f"Extracting {archive}", result.exit_code, result.stderr, host=self.host)

    async def _discard(self, path: str) -> None:
        """Remove a leftover temporary file, ignoring that it may not exist."""
        try:
            await self.remove(path)
        except TransportError:
            pass


def _local_glob(pattern: str) -> list[str]:
    if os.path.lexists(pattern):
        return [pattern]
    if not has_magic(pattern):
        raise NotFound(pattern, host="localhost")
    matches = sorted(localglob.glob(pattern))
    if not matches:
        raise NotFound(pattern, host="localhost", what="Nothing matches")
    return matches
