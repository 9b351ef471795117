"""A small block-style YAML writer for JSON-like data (no dependency, and fast).

Strings that YAML could read as another type, or that need escaping, are written as JSON
double-quoted strings, which are valid YAML; everything else stays plain and readable.
Every process of a dump gets one file, so this is on the hot path: scalars take a fast
path and rendered strings are cached (keys and states repeat across processes).
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime
from typing import Any

_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_ ./@+()=,;-]*")
_SPECIAL = {"y", "n", "yes", "no", "true", "false", "on", "off", "null", "~"}
_CACHE: dict[str, str] = {}
_CACHE_LIMIT = 50_000


def _string(text: str) -> str:
    cached = _CACHE.get(text)
    if cached is not None:
        return cached
    if _PLAIN.fullmatch(text) and text[-1] != " " and text.casefold() not in _SPECIAL and " #" not in text:
        rendered = text
    else:
        # Escape non-ASCII only when something unprintable (a line separator, a lone surrogate) is there.
        rendered = json.dumps(text, ensure_ascii=not text.isprintable())
    if len(_CACHE) < _CACHE_LIMIT:
        _CACHE[text] = rendered
    return rendered


def yaml_scalar(value: Any) -> str:
    """A scalar as `dump_yaml` writes it after `key: `."""
    if type(value) is str:
        cached = _CACHE.get(value)  # `_string`'s common case, without its call
        return cached if cached is not None else _string(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(float(value))
    if isinstance(value, datetime):
        return value.isoformat()
    return _string(str(value))


def _mapping(value: dict[Any, Any], indent: str, lines: list[str], first_prefix: str | None) -> None:
    """Entries of a non-empty mapping; `first_prefix` replaces the indent of the first line ('- ')."""
    cache = _CACHE
    head = indent if first_prefix is None else first_prefix
    for key, item in value.items():
        # The cache lookups inline `_string` for the common case (a string seen before), and the
        # commonest scalars are written here: `yaml_scalar` would give the same, one call later.
        name = cache.get(key) if type(key) is str else None
        if name is None:
            name = _string(str(key))
        kind = type(item)
        if kind is str:
            text = cache.get(item)
            if text is None:
                text = _string(item)
        elif kind is dict or kind is list or kind is tuple:
            _emit(item, indent, lines, f"{head}{name}:")
            head = indent
            continue
        elif item is None:
            text = "null"
        elif kind is bool:
            text = "true" if item else "false"
        elif kind is int:
            text = str(item)
        else:
            text = yaml_scalar(item)
        lines.append(f"{head}{name}: {text}")
        head = indent


def _emit(value: Any, indent: str, lines: list[str], prefix: str) -> None:
    """Append `value`, whose first line starts with `prefix` ('key:' or '-'), at `indent` + 2."""
    inner = indent + "  "
    if isinstance(value, dict):
        if not value:
            lines.append(f"{prefix} {{}}")
        elif prefix.endswith("-"):
            _mapping(value, inner, lines, prefix + " ")
        else:
            lines.append(prefix)
            _mapping(value, inner, lines, None)
    elif isinstance(value, list | tuple):
        if not value:
            lines.append(f"{prefix} []")
            return
        lines.append(prefix)
        for item in value:
            if isinstance(item, dict | list | tuple):
                _emit(item, inner, lines, f"{inner}-")
            else:
                lines.append(f"{inner}- {yaml_scalar(item)}")
    else:
        lines.append(f"{prefix} {yaml_scalar(value)}")


def dump_yaml(document: dict[str, Any]) -> str:
    """A YAML document (with the `---` marker) for a mapping, keys in insertion order."""
    lines = ["---"]
    _mapping(document, "", lines, None)
    return "\n".join(lines) + "\n"


def dump_yaml_entry(key: str, value: Any) -> str:
    """The lines `dump_yaml` writes for one top-level entry, newline-terminated.

    `dump_yaml(d)` is `"---\n"` followed by the entries of `d` in order, so an entry that
    recurs in many documents (a user, a computer) is rendered once and reused.
    """
    lines: list[str] = []
    _emit(value, "", lines, f"{_string(str(key))}:")
    return "\n".join(lines) + "\n"
