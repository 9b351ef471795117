"""SQL idioms of the dump's bulk reads: many ids as one parameter, JSON columns decoded in Python.

An IN list of N values is a statement with N parameters: SQLAlchemy renders it again on every
execution, and SQLite caps the count, hence batches. A JSON array (SQLite's json_each) or an
array (PostgreSQL's ANY) is one parameter: the statement is built once and never batched.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pydantic_core import from_json
from sqlalchemy import ColumnElement, String, Text, any_, bindparam, func, select, type_coerce
from sqlalchemy.dialects.postgresql import ARRAY

VALUES = "listed_values"


def in_values(column: Any, dialect: str) -> ColumnElement[bool]:
    """`column` is one of the values given as the VALUES parameter (see `values_parameter`)."""
    if dialect == "postgresql":
        return column == any_(bindparam(VALUES, type_=ARRAY(column.type)))
    listed = func.json_each(bindparam(VALUES, type_=String)).table_valued("value")
    return column.in_(select(listed.c.value))


def values_parameter(values: Iterable[Any], dialect: str) -> dict[str, Any]:
    """The parameters of a statement that uses `in_values`, for these values (ints or strings)."""
    listed = list(values)
    return {VALUES: listed if dialect == "postgresql" else json.dumps(listed)}


def raw_json(column: Any) -> Any:
    """A JSON column without SQLAlchemy's decoding, for `decode_json`."""
    return type_coerce(column, Text)


def decode_json(value: Any) -> Any:
    """A JSON column read as text (SQLite) or already decoded (PostgreSQL's driver).

    pydantic-core's parser is about three times faster than `json`; whatever it refuses
    (a lone surrogate escape, say) goes through `json`, so the result is always `json`'s.
    """
    if not isinstance(value, str | bytes):
        return value
    try:
        return from_json(value)
    except ValueError:
        return json.loads(value)
