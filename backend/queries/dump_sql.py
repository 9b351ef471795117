"""SQL idioms of the dump's bulk reads: many ids as one parameter, JSON and time columns decoded in Python.

An IN list of N values is a statement with N parameters: SQLAlchemy renders it again on every
execution, and SQLite caps the count, hence batches. A JSON array (SQLite's json_each) or an
array (PostgreSQL's ANY) is one parameter: the statement is built once and never batched.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pydantic_core import from_json
from sqlalchemy import ColumnElement, String, Text, any_, bindparam, func, select, type_coerce
from sqlalchemy.dialects.postgresql import ARRAY

VALUES = "listed_values"
SQLITE_TIME_LENGTH = len("2026-01-02 03:04:05.123456")


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


def raw(column: Any) -> Any:
    """A JSON or time column without SQLAlchemy's decoding, for `decode_json` or `decode_time`."""
    return type_coerce(column, Text)


def decode_json(value: Any) -> Any:
    """A JSON column read as text (SQLite) or already decoded (PostgreSQL's driver).

    pydantic-core's parser is about three times faster than `json`; whatever it refuses
    (a lone surrogate escape, say) goes through `json`, so the result is always `json`'s.
    """
    if not isinstance(value, str | bytes):
        return value
    try:
        return from_json(value, cache_strings="keys")  # 5 % faster than caching values too
    except ValueError:
        return json.loads(value)


def decode_time(value: Any) -> datetime:
    """A UTC time column read as text (SQLite) or as a datetime (PostgreSQL's driver), made aware.

    The value the store's `UtcDateTime` type gives, in a sixth of its time: the stored text
    (naive, UTC) is parsed with its zone appended, which skips a converter and a `replace` call.
    """
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value + "+00:00")
        except ValueError:  # not the form the store writes: parse it as `UtcDateTime` would
            value = datetime.fromisoformat(value)
        if value.tzinfo is UTC:
            return value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _in_store_form(text: str) -> bool:
    """Whether SQLite's text is the form the store writes: 'YYYY-MM-DD HH:MM:SS.ffffff', in UTC."""
    return len(text) == SQLITE_TIME_LENGTH and text[10] == " " and text[19] == "."


def time_order(value: Any) -> str | datetime:
    """A key that orders time columns as the times happened, without parsing SQLite's text:
    the store's form, 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC, orders as the times do. Any other text is
    brought to that form; PostgreSQL's driver gives datetimes, which are compared as they are."""
    if not isinstance(value, str):
        return decode_time(value)
    if _in_store_form(value):
        return value
    return decode_time(value).strftime("%Y-%m-%d %H:%M:%S.%f")


def iso_time(value: Any) -> str:
    """`decode_time(value).isoformat()`, ten times faster from the text the store writes on SQLite,
    'YYYY-MM-DD HH:MM:SS.ffffff': rearranged, not parsed (`isoformat` leaves out zero microseconds)."""
    if type(value) is str and _in_store_form(value):
        if value.endswith(".000000"):
            return value[:10] + "T" + value[11:19] + "+00:00"
        return value.replace(" ", "T", 1) + "+00:00"
    return decode_time(value).isoformat()
