"""PostgreSQL's jsonb containment (`@>`) in Python, so SQLite filters give the same answers."""

from __future__ import annotations

from typing import Any


def json_contains(left: Any, right: Any) -> bool:
    """True when `left` contains `right` in the sense of PostgreSQL's `left @> right`."""
    if isinstance(right, dict):
        return isinstance(left, dict) and all(
            key in left and json_contains(left[key], value) for key, value in right.items()
        )
    if isinstance(right, list):
        if not isinstance(left, list):
            return False
        return all(any(_element_contains(item, wanted) for item in left) for wanted in right)
    if isinstance(left, list):
        # PostgreSQL's one exception: an array contains a primitive that is one of its elements.
        return any(_same_scalar(item, right) for item in left)
    return _same_scalar(left, right)


def _element_contains(item: Any, wanted: Any) -> bool:
    # Inside arrays, containment of a scalar is plain equality; nested structures recurse.
    if isinstance(wanted, (dict, list)):
        return isinstance(item, type(wanted)) and json_contains(item, wanted)
    return _same_scalar(item, wanted)


def _same_scalar(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, (dict, list)) or isinstance(right, (dict, list)):
        return False
    return left == right
