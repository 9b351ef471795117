"""Moving whole trees over SSH: what a tree holds, and whether to send it as one tar stream.

Measured on loopback (benchmarks/transports.py): for many small files one `tar` stream beats
per-file SFTP requests by about 2x, because each file costs round trips; for few or big files,
concurrent SFTP transfers are as fast and report per-file progress. A tar stream needs a new
destination (it is unpacked into a staging directory that is renamed at the end).
"""

from __future__ import annotations

import logging
import os
import posixpath
import stat as statmod
import tarfile
from dataclasses import dataclass, field
from typing import IO, Literal

from .base import Transport
from .shell import quote_args

logger = logging.getLogger(__name__)

TreeMode = Literal["auto", "tar", "sftp"]

TAR_MIN_FILES = 32
TAR_MAX_MEAN_SIZE = 1 << 20
STREAM_CHUNK = 1 << 18


@dataclass
class TreePlan:
    """A tree's content below its root: directories, files with size and mode, symlinks."""

    dirs: list[str] = field(default_factory=list)
    files: list[tuple[str, int, int]] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(size for _, size, _ in self.files)

    @property
    def tar_size(self) -> int:
        """About the bytes of a tar stream of this tree: a 512-byte header per entry plus padding."""
        blocks = sum(1 + -(-size // 512) for _, size, _ in self.files) + len(self.dirs) + len(self.links) + 4
        return blocks * 512

    def dir_levels(self) -> list[list[str]]:
        """Directories grouped by depth, shallowest first, so each group's parents exist."""
        levels: dict[int, list[str]] = {}
        for directory in self.dirs:
            levels.setdefault(directory.count("/"), []).append(directory)
        return [levels[depth] for depth in sorted(levels)]

    def use_tar(self, mode: TreeMode) -> bool:
        if mode != "auto":
            return mode == "tar"
        count = len(self.files)
        return count >= TAR_MIN_FILES and self.size / count < TAR_MAX_MEAN_SIZE


def plan_local_tree(root: str, *, dereference: bool) -> TreePlan:
    """Walk a local tree (blocking: run it in a thread)."""
    plan = TreePlan()
    for directory, dirnames, filenames in os.walk(root, followlinks=dereference):
        relative = os.path.relpath(directory, root)
        relative = "" if relative == "." else relative
        for name in sorted(dirnames + filenames):
            path = os.path.join(directory, name)
            rel = posixpath.join(relative, name)
            info = os.stat(path) if dereference else os.lstat(path)
            if statmod.S_ISLNK(info.st_mode):
                plan.links.append((rel, os.readlink(path)))
            elif statmod.S_ISDIR(info.st_mode):
                plan.dirs.append(rel)
            elif statmod.S_ISREG(info.st_mode):
                plan.files.append((rel, info.st_size, statmod.S_IMODE(info.st_mode)))
    return plan


FIND_RECORD = r"%y\0%s\0%m\0%P\0%l\0"
"""What `find -printf` prints per entry: type, size, mode (octal), path below the root, link
target; each ended by a NUL, which no name can hold."""
FIND_FIELDS = 5
FIND_TYPES = frozenset("bcdpflsD")
OCTAL_DIGITS = frozenset("01234567")


async def plan_remote_tree(transport: Transport, root: str, *, dereference: bool) -> TreePlan:
    """What a remote tree holds, listed by one `find` on the host: one round trip however many
    directories (walking over SFTP costs one per directory, and about a fifth of a small-file
    download on loopback). Walked over SFTP where GNU find is missing or a name is not UTF-8."""
    found = await _find_tree(transport, root, dereference=dereference)
    return found if found is not None else await _walk_remote_tree(transport, root, dereference=dereference)


async def _find_tree(transport: Transport, root: str, *, dereference: bool) -> TreePlan | None:
    """The tree as GNU find lists it, or None if find failed or its listing cannot be trusted."""
    start = root if not root.startswith("-") else f"./{root}"
    # -H follows the root if it is a symlink, as an SFTP listing of it does; -L follows every one.
    argv = ["find", "-L" if dereference else "-H", start, "-mindepth", "1", "-printf", FIND_RECORD]
    result = await transport.exec(argv)
    if not result.ok or "\ufffd" in result.stdout:  # no GNU find, or a name that is not UTF-8
        return None
    *fields, rest = result.stdout.split("\0")
    if rest or len(fields) % FIND_FIELDS:  # not find's records alone (a login script printed?)
        return None
    records = list(zip(*[iter(fields)] * FIND_FIELDS, strict=True))
    if not all(map(_is_find_record, records)):
        return None
    plan = TreePlan()
    for kind, size, mode, relative, target in sorted(records, key=lambda record: record[3]):
        if kind == "l":
            plan.links.append((relative, target))
        elif kind == "d":
            plan.dirs.append(relative)
        elif kind == "f":
            plan.files.append((relative, int(size), int(mode, 8)))
    return plan


def _is_find_record(record: tuple[str, ...]) -> bool:
    """Whether the fields look as find prints them: printed text ahead of the listing ends up in
    the first record's type, and must not make that entry vanish."""
    kind, size, mode, relative, _ = record
    return kind in FIND_TYPES and size.isdigit() and bool(mode) and set(mode) <= OCTAL_DIGITS and bool(relative)


async def _walk_remote_tree(transport: Transport, root: str, *, dereference: bool) -> TreePlan:
    """Walk a remote tree, one directory listing per directory."""
    plan = TreePlan()
    pending = [""]
    while pending:
        relative = pending.pop()
        for entry in sorted(await transport.iterdir(posixpath.join(root, relative)), key=lambda e: e.name):
            rel = posixpath.join(relative, entry.name)
            info = entry.stat
            if info.is_symlink and dereference:
                info = await transport.stat(entry.path)
            if info.is_symlink:
                plan.links.append((rel, await transport.readlink(entry.path)))
            elif info.is_dir:
                plan.dirs.append(rel)
                pending.append(rel)
            elif info.is_file:
                plan.files.append((rel, info.size, info.permissions))
    return plan


def tar_create_argv(root: str, *, dereference: bool) -> list[str]:
    """tar writing the contents of `root` to stdout."""
    return ["tar", "-c", "-f", "-", "-C", root, *(["-h"] if dereference else []), "."]


def tar_create_command(root: str, *, dereference: bool) -> str:
    return quote_args(tar_create_argv(root, dereference=dereference))


def tar_extract_command(target: str) -> str:
    """Remote tar unpacking stdin into `target` (an existing, new staging directory)."""
    return quote_args(["tar", "-x", "-f", "-", "-C", target, "--no-same-owner"])


def extract_stream(stream: IO[bytes], target: str) -> None:
    """Unpack a tar stream from a remote host into `target` (blocking: run it in a thread).

    The remote side is not trusted: members may not land outside `target` or write through
    symlinks (tarfile's `tar` filter); device files and FIFOs are skipped with a warning.
    """
    with tarfile.open(fileobj=stream, mode="r|", bufsize=STREAM_CHUNK) as archive:
        archive.extractall(target, filter=_download_filter)


def _download_filter(member: tarfile.TarInfo, target: str) -> tarfile.TarInfo | None:
    if member.isdev() or member.isfifo():
        logger.warning("Skipped special file %s while downloading into %s", member.name, target)
        return None
    return tarfile.tar_filter(member, target)
