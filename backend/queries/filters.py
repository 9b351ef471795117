"""Filters over nodes, as pydantic models so that they can cross the service API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class JsonFilter(BaseModel):
    """A condition on a key path of `attributes` or `extras`.

    `contains`: the value at `path` contains `value` (PostgreSQL's `@>`: a list holds all given
    values, a dict holds the given keys with contained values). `has_key`: the value at `path`
    is an object with the key `value`. `path` is dotted; empty means the whole column.
    """

    model_config = ConfigDict(extra="forbid")

    path: str = ""
    op: Literal["contains", "has_key"]
    value: Any

    @property
    def keys(self) -> list[str]:
        return [key for key in self.path.split(".") if key] if self.path else []


class NodeFilter(BaseModel):
    """Every field narrows the result; None means no condition."""

    model_config = ConfigDict(extra="forbid")

    node_types: list[str] | None = Field(
        default=None, description="node_type strings; one ending in '.' and not a class matches as a prefix."
    )
    process_states: list[str] | None = None
    label: str | None = None
    label_like: str | None = Field(default=None, description="SQL LIKE pattern on the label.")
    ctime_after: datetime | None = None
    ctime_before: datetime | None = None
    mtime_after: datetime | None = None
    mtime_before: datetime | None = None
    group: str | int | None = Field(default=None, description="Group label or pk.")
    computer: str | None = Field(default=None, description="Computer label.")
    user: str | None = Field(default=None, description="User email.")
    attributes: list[JsonFilter] = Field(default_factory=list)
    extras: list[JsonFilter] = Field(default_factory=list)


class PageRequest(BaseModel):
    """Keyset paging: rows after `after_pk` in pk order, so page 1000 costs what page 1 does."""

    model_config = ConfigDict(extra="forbid")

    size: int = Field(default=100, ge=1, le=10_000)
    after_pk: int | None = None
    descending: bool = True
