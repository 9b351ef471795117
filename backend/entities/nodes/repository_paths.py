"""Relative paths inside a node's file tree: normalised, and never escaping it."""

from __future__ import annotations

from pathlib import PurePosixPath

from ...errors import ValidationError


def normalise_repository_path(path: str) -> str:
    """'a//b/./c' -> 'a/b/c'; absolute paths, '..' and empty names are refused."""
    if not path or path.startswith("/") or "\\" in path or "\x00" in path:
        raise ValidationError(f"invalid file path '{path}' in a node: use a relative POSIX path")
    parts = [part for part in PurePosixPath(path).parts if part != "."]
    if not parts or ".." in parts:
        raise ValidationError(f"invalid file path '{path}' in a node: '..' and empty paths are not allowed")
    return "/".join(parts)
