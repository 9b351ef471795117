"""JSON conditions in SQL that give the same answers on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, func, literal, type_coerce
from sqlalchemy.dialects.postgresql import JSONB

from .filters import JsonFilter


def _sqlite_path(keys: list[str]) -> str:
    return "$" + "".join('."' + key.replace('"', '\\"') + '"' for key in keys)


def json_condition(column: Any, condition: JsonFilter, dialect: str) -> ColumnElement[bool]:
    if dialect == "postgresql":
        return _postgresql(column, condition)
    return _sqlite(column, condition)


def _postgresql(column: Any, condition: JsonFilter) -> ColumnElement[bool]:
    target = type_coerce(column, JSONB)
    # `->` with a text key reads object members only (`#>` would also index arrays by digit keys,
    # which SQLite's `$."0"` path does not): path keys are object keys on both databases.
    for key in condition.keys:
        target = type_coerce(target.op("->")(literal(key, type_=Text)), JSONB)
    if condition.op == "contains":
        return target.op("@>")(literal(json.dumps(condition.value)).cast(JSONB)).is_(True)
    # `?` also matches string elements of arrays: require an object so that both databases agree.
    return and_(func.jsonb_typeof(target) == "object", target.op("?")(str(condition.value)))


def _sqlite(column: Any, condition: JsonFilter) -> ColumnElement[bool]:
    if condition.op == "contains":
        # `->` keeps JSON text (json_extract would unwrap scalars); json_contains mirrors `@>`.
        value = column.op("->")(_sqlite_path(condition.keys)) if condition.keys else column
        return func.json_contains(value, json.dumps(condition.value)) == 1
    keys = [*condition.keys, str(condition.value)]
    parent_is_object = func.json_type(column, _sqlite_path(condition.keys)) == "object"
    return and_(parent_is_object, func.json_type(column, _sqlite_path(keys)).is_not(None))
