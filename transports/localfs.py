"""Blocking file operations on this machine, meant to run in a thread (asyncio.to_thread).

Every file is written under a temporary name and renamed at the end; a new tree is built under a
temporary name and renamed at once, so no partial file or tree is ever seen under its final name.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable

from .models import FileStat
from .paths import temp_sibling

Progress = Callable[[int], None]
"""Called with the number of bytes just moved."""

CHUNK = 1 << 20


def file_stat(result: os.stat_result) -> FileStat:
    return FileStat(
        size=result.st_size,
        mode=result.st_mode,
        uid=result.st_uid,
        gid=result.st_gid,
        atime=result.st_atime,
        mtime=result.st_mtime,
    )


def size_of(path: str, *, dereference: bool) -> int:
    """Bytes of file content a copy of `path` moves (symlinks count as nothing unless followed)."""
    if os.path.islink(path) and not dereference:
        return 0
    if not os.path.isdir(path):
        return os.path.getsize(path)
    total = 0
    for directory, _, filenames in os.walk(path, followlinks=dereference):
        for name in filenames:
            total += size_of(os.path.join(directory, name), dereference=dereference)
    return total


def copy_path(source: str, destination: str, *, dereference: bool, progress: Progress | None = None) -> None:
    """Copy a file, symlink or tree to exactly `destination` (`cp -r` semantics on one source)."""
    if os.path.isdir(source) and (dereference or not os.path.islink(source)):
        copy_tree(source, destination, dereference=dereference, progress=progress)
    else:
        copy_file(source, destination, dereference=dereference, progress=progress)


def replace_with_symlink(target: str, link: str) -> None:
    """Create or replace a symlink in one step (a new one renamed over the old)."""
    partial = temp_sibling(link, kind="link")
    os.symlink(target, partial)
    os.replace(partial, link)


def copy_file(source: str, destination: str, *, dereference: bool, progress: Progress | None = None) -> None:
    """Copy one file keeping its permission bits; a symlink is recreated unless `dereference`."""
    if not dereference and os.path.islink(source):
        replace_with_symlink(os.readlink(source), destination)
        return
    partial = temp_sibling(destination)
    try:
        with open(source, "rb") as reader, open(partial, "wb") as writer:
            while chunk := reader.read(CHUNK):
                writer.write(chunk)
                if progress:
                    progress(len(chunk))
        shutil.copymode(source, partial)
        os.replace(partial, destination)
    except BaseException:
        unlink_quietly(partial)
        raise


def copy_tree(source: str, destination: str, *, dereference: bool, progress: Progress | None = None) -> None:
    """Copy a directory: a new destination appears whole in one rename; an existing one is merged."""
    if os.path.lexists(destination):
        _copy_into(source, destination, dereference, progress)
        return
    staging = temp_sibling(destination, kind="tree")
    try:
        _copy_into(source, staging, dereference, progress)
        os.rename(staging, destination)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _copy_into(source: str, destination: str, dereference: bool, progress: Progress | None) -> None:
    os.makedirs(destination, exist_ok=True)
    shutil.copymode(source, destination)
    with os.scandir(source) as entries:
        for entry in entries:
            target = os.path.join(destination, entry.name)
            if entry.is_dir(follow_symlinks=dereference):
                _copy_into(entry.path, target, dereference, progress)
            else:
                copy_file(entry.path, target, dereference=dereference, progress=progress)


def unlink_quietly(path: str) -> None:
    """Remove `path` if it is there."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
