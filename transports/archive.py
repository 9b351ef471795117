"""tar command lines for `compress`/`extract`, and the check that refuses unsafe archive members.

The commands run on the transport's host (GNU tar), so one implementation serves every transport.
Before extracting, the archive's listing is parsed and every member checked: no absolute paths,
no `..`, no path through a symlink member, no link pointing outside the target, no device or
special files.
"""

from __future__ import annotations

import codecs
import posixpath
import re
from dataclasses import dataclass

from .shell import quote_args

COMPRESSION_FLAGS = {"tar": "", "tar.gz": "z", "tar.bz2": "j", "tar.xz": "J"}

# `tar -tv` lines: mode string, owner, size (or major,minor), date, time, then the C-quoted name.
_LISTING_LINE = re.compile(r"(?P<type>\S)\S{9}\s+\S+\s+\S+\s+\S+\s+\S+\s+(?P<names>\".*)\Z")
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ALLOWED_TYPES = {"-": "file", "d": "dir", "l": "symlink", "h": "hardlink"}


@dataclass(frozen=True)
class Member:
    """One archive member as the listing shows it."""

    name: str
    kind: str  # file, dir, symlink, hardlink, or the listing's type letter for anything else
    link: str | None = None


def compression_flag(format: str) -> str:
    """The tar flag letter for an archive format; ValueError names the supported ones."""
    try:
        return COMPRESSION_FLAGS[format]
    except KeyError:
        supported = ", ".join(COMPRESSION_FLAGS)
        raise ValueError(f"Unsupported archive format {format!r}; use one of {supported}") from None


def create_command(format: str, archive: str, root_dir: str, *, dereference: bool) -> str:
    """tar reading NUL-separated member names (relative to `root_dir`) from stdin."""
    flags = "-c" + compression_flag(format) + ("h" if dereference else "") + "f"
    return quote_args(["tar", flags, archive, "-C", root_dir, "--verbatim-files-from", "--null", "-T", "-"])


def list_command(archive: str) -> str:
    # -P shows names as stored: without it tar hides leading "/" and "../" of link targets.
    return "LC_ALL=C " + quote_args(["tar", "-tvPf", archive, "--quoting-style=c", "--numeric-owner"])


def extract_command(archive: str, target: str) -> str:
    return quote_args(["tar", "-xf", archive, "-C", target, "--no-same-owner"])


def parse_listing(text: str) -> list[Member]:
    """Members from `list_command`'s output; a line it cannot read raises ValueError."""
    members = []
    for line in text.splitlines():
        if not line.strip():
            continue
        match = _LISTING_LINE.match(line)
        if match is None:
            raise ValueError(f"Cannot read tar listing line: {line!r}")
        names = [_unquote(raw) for raw in _QUOTED.findall(match["names"])]
        kind = _ALLOWED_TYPES.get(match["type"], match["type"])
        link = names[1] if len(names) > 1 and kind in ("symlink", "hardlink") else None
        members.append(Member(name=names[0].rstrip("/") or "/", kind=kind, link=link))
    return members


def find_unsafe_member(members: list[Member]) -> tuple[str, str] | None:
    """The first member that could write outside the target, with the reason, or None."""
    symlinks = {posixpath.normpath(m.name) for m in members if m.kind == "symlink"}
    for member in members:
        reason = _member_problem(member, symlinks)
        if reason:
            return member.name, reason
    return None


def _member_problem(member: Member, symlinks: set[str]) -> str | None:
    if member.kind not in _ALLOWED_TYPES.values():
        return "is a device or special file"
    problem = _path_problem(member.name, symlinks)
    if problem:
        return problem
    if member.kind == "hardlink" and _path_problem(member.link or "", symlinks):
        return "is a hard link to a path outside the target"
    if member.kind == "symlink":
        target = member.link or ""
        if target.startswith("/"):
            return "is a symlink to an absolute path"
        joined = posixpath.join(posixpath.dirname(posixpath.normpath(member.name)), target)
        normal = posixpath.normpath(joined)
        if normal == ".." or normal.startswith("../") or _through_symlink(joined, symlinks):
            return "is a symlink pointing outside the target"
    return None


def _path_problem(name: str, symlinks: set[str]) -> str | None:
    if name.startswith("/"):
        return "has an absolute path"
    if ".." in name.split("/"):
        return "has a '..' component"
    if _through_symlink(name, symlinks):
        return "goes through a symlink"
    return None


def _through_symlink(path: str, symlinks: set[str]) -> bool:
    """Whether walking `path` component by component passes through (not merely ends at) a symlink
    member: its target is only known at extraction time, so nothing behind it can be checked."""
    prefix: list[str] = []
    for part in (p for p in path.split("/") if p not in ("", ".")):
        if prefix and "/".join(prefix) in symlinks:
            return True
        if part != "..":
            prefix.append(part)
        elif prefix:
            prefix.pop()
    return False


def _unquote(raw: str) -> str:
    """Undo tar's C quoting (octal escapes carry UTF-8 bytes)."""
    data = codecs.escape_decode(raw.encode("latin-1", "backslashreplace"))[0]
    return data.decode("utf-8", "surrogateescape")
