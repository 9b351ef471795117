"""Path helpers shared by transports: temporary sibling names and shell-style glob matching."""

from __future__ import annotations

import fnmatch
import posixpath
import re
import secrets

_MAGIC = re.compile(r"[*?\[]")


def has_magic(pattern: str) -> bool:
    """Whether a path holds glob characters (`*`, `?`, `[`)."""
    return _MAGIC.search(pattern) is not None


def glob_matches(name: str, pattern: str) -> bool:
    """fnmatch as a shell does it: a leading dot must be matched by a leading dot."""
    if name.startswith(".") and not pattern.startswith("."):
        return False
    return fnmatch.fnmatchcase(name, pattern)


def temp_sibling(path: str, *, kind: str = "part") -> str:
    """A hidden, unique name beside `path` to write to before renaming onto `path`.

    Same directory, so the final rename stays on one file system and is atomic.
    """
    head, tail = posixpath.split(path.rstrip("/"))
    return posixpath.join(head, f".{tail}.provtop-{secrets.token_hex(4)}.{kind}")
