"""Models that only the service API returns (entities bring their own models)."""

from __future__ import annotations

from pydantic import BaseModel


class ProfileInfo(BaseModel):
    name: str
    storage: str
    database: str
    repository: str
    is_default: bool


class StorageInfo(BaseModel):
    profile: str
    storage: str
    database: str
    schema_version: str
    repository: str
    repository_objects: int
    repository_bytes: int
    nodes: int
    process_states: dict[str, int]
    groups: int
    computers: int
    users: int


class ActionResult(BaseModel):
    """What an action did, in words a user reads, plus counts for scripts."""

    message: str
    counts: dict[str, int] = {}
    dry_run: bool = False
