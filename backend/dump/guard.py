"""The dump's fence: nothing is written or deleted outside the target, nor in a directory
that provtop did not make.

Names are sanitised already (naming.py), but the executor does not rely on that: every
relative path is checked lexically, every directory it writes into is checked to be a real
directory (not a symlink) below the target, and a directory is deleted only if it carries
provtop's safeguard file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import UnsafeTargetError
from .state import SAFEGUARD_FILE

ROOT = "."


def check_relative(path: str) -> None:
    """A plan path is '.' or a relative POSIX path without '.', '..' or empty parts."""
    if path == ROOT:
        return
    parts = path.split("/")
    if path.startswith("/") or "\x00" in path or any(part in ("", ".", "..") for part in parts):
        raise UnsafeTargetError(f"refusing the path '{path}': it is not a plain path inside the dump")


def check_link_target(link: str, target: str) -> None:
    """A symlink's relative target must resolve inside the dump, lexically."""
    if target.startswith("/") or "\x00" in target:
        raise UnsafeTargetError(f"refusing the symlink '{link}' -> '{target}': its target is absolute")
    depth = len(link.split("/")) - 1
    for part in target.split("/"):
        depth += -1 if part == ".." else (0 if part in ("", ".") else 1)
        if depth < 0:
            raise UnsafeTargetError(f"refusing the symlink '{link}' -> '{target}': it points outside the dump")


class TargetGuard:
    """Resolves plan paths under one root and remembers which directories are verified."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._verified: set[str] = set()

    def absolute(self, path: str) -> Path:
        check_relative(path)
        return self.root if path == ROOT else self.root / path

    def has_safeguard(self, path: str) -> bool:
        return (self.absolute(path) / SAFEGUARD_FILE).is_file()

    def verify_directory(self, path: str) -> Path:
        """The directory at `path` exists and every part of it below the root is a real directory."""
        location = self.absolute(path)
        if path in self._verified:
            return location
        if path != ROOT:
            parent = path.rpartition("/")[0] or ROOT
            self.verify_directory(parent)
        try:
            mode = os.lstat(location).st_mode
        except FileNotFoundError:
            raise UnsafeTargetError(f"{location} vanished while dumping; rerun the dump") from None
        if not stat.S_ISDIR(mode):
            raise UnsafeTargetError(
                f"{location} is a symlink or a file, not a directory of the dump; remove it and rerun"
            )
        self._verified.add(path)
        return location

    def parent_exists(self, path: str) -> bool:
        """Whether the directory holding `path` exists (verified), False if a part is missing."""
        parent = path.rpartition("/")[0] or ROOT
        try:
            self.verify_directory(parent)
        except UnsafeTargetError:
            if not os.path.lexists(self.absolute(parent)):
                return False
            raise
        return True

    def make_directory(self, path: str, *, safeguard: bool = False) -> None:
        """mkdir (existing is fine if it is a real directory), then the safeguard if asked."""
        parent = path.rpartition("/")[0] or ROOT
        self.verify_directory(parent)
        location = self.absolute(path)
        try:
            os.mkdir(location)
        except FileExistsError:
            self.verify_directory(path)
        self._verified.add(path)
        if safeguard:
            touch(location / SAFEGUARD_FILE)

    def make_parents(self, path: str) -> None:
        """Create the missing directories above `path`."""
        parent = path.rpartition("/")[0]
        if not parent:
            return
        self.make_parents(parent)
        if parent not in self._verified:
            self.make_directory(parent)

    def forget(self, path: str) -> None:
        """After a move or deletion, what was verified below `path` is not any more."""
        prefix = path + "/"
        self._verified = {known for known in self._verified if known != path and not known.startswith(prefix)}


def touch(path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    os.close(fd)


def check_target(root: Path) -> None:
    """Refuse a target that exists and holds something that is not a provtop dump."""
    if not root.exists() and not root.is_symlink():
        return
    if not root.is_dir():
        raise UnsafeTargetError(f"{root} exists and is not a directory", "{path}")
    if (root / SAFEGUARD_FILE).is_file():
        return
    if any(True for _ in root.iterdir()):
        raise UnsafeTargetError(
            f"{root} exists, is not empty and was not made by a provtop dump (no {SAFEGUARD_FILE})", "{path}"
        )


def prepare_root(root: Path) -> None:
    """Create the root (and its safeguard) of a dump that is about to be written."""
    check_target(root)
    root.mkdir(parents=True, exist_ok=True)
    touch(root / SAFEGUARD_FILE)
