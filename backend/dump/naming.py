"""File-system-safe names for dump directories, deterministic whatever a label contains.

Labels come from users and plugins: they may hold '/', '..', control characters or be very
long. Every directory name provtop derives from one goes through `safe_component`, so a name
is always a single, portable path component of bounded length.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

MAX_COMPONENT_BYTES = 120
FALLBACK_NAME = "unnamed"
# Characters that are unsafe or unportable in a path component (Windows' set included, so a
# dump copied to another system keeps its names).
_UNSAFE = re.compile(r'[/\\:*?"<>|\x00-\x1f\x7f]')
_RESERVED = {".", ".."}
# Directory names that a group directory uses for its own contents.
TYPE_DIRECTORIES = ("calculations", "workflows")


@lru_cache(maxsize=1 << 16)  # labels repeat a lot across processes (link labels, process labels)
def safe_component(text: str, *, max_bytes: int = MAX_COMPONENT_BYTES) -> str:
    """One path component: unsafe characters become '_', no leading/trailing dots or spaces."""
    text = "".join("_" if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") else char for char in text)
    text = _UNSAFE.sub("_", text).strip(" .")
    text = _truncate(text, max_bytes).rstrip(" .")
    if not text or text in _RESERVED:
        return FALLBACK_NAME
    return text


def _truncate(text: str, max_bytes: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode("utf-8", errors="ignore")


def node_directory_name(label: str, process_label: str | None, process_type: str | None, pk: int) -> str:
    """`<label, else process label, else process type>-<pk>`, as AiiDA names a process directory."""
    stem = label or process_label or process_type or "process"
    return f"{safe_component(stem)}-{pk}"


def child_directory_name(index: int, link_label: str, process_label: str | None, pk: int) -> str:
    """`NN-<call link label>-<process label>-<pk>`; the default link label `CALL` is left out."""
    parts = [f"{index:02d}"]
    if link_label and link_label != "CALL":
        parts.append(safe_component(link_label))
    if process_label and process_label != link_label:
        parts.append(safe_component(process_label))
    parts.append(str(pk))
    return "-".join(parts)


def group_path_parts(label: str) -> list[str]:
    """A group label as nested directories ('project/alpha' -> ['project', 'alpha']).

    Each part is made safe; empty parts are dropped; a nested part named like a type
    directory gets a trailing '_' so that it cannot mix with a parent group's contents.
    """
    parts = [part for part in label.split("/") if part.strip(" .")]
    safe = [safe_component(part) for part in parts] or [FALLBACK_NAME]
    return [safe[0]] + [f"{part}_" if part in TYPE_DIRECTORIES else part for part in safe[1:]]


def unique_group_paths(groups: Iterable[tuple[int, str]]) -> dict[int, str]:
    """Map group pk -> relative directory, resolving collisions deterministically.

    Collisions are judged case-insensitively (a dump may land on such a file system). The
    group with the smaller pk keeps the plain name; the others get `-<pk>` on the last part.
    """
    taken: set[str] = set()
    paths: dict[int, str] = {}
    for pk, label in sorted(groups):
        parts = group_path_parts(label)
        path, suffix = "/".join(parts), f"-{pk}"
        while path.casefold() in taken:
            path = "/".join([*parts[:-1], f"{parts[-1]}{suffix}"])
            suffix += f"-{pk}"
        taken.add(path.casefold())
        paths[pk] = path
    return paths
