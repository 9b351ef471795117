"""The dump log: what an earlier run wrote, so that the next one writes only what changed.

It lives at the dump's root as `provtop_dump_log.json`, is written atomically at the end of
a run, and records per process its fingerprint (mtime, plus its newest link while unsealed),
the directories and symlinks holding it, and a digest of every file it wrote.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from ..atomic import atomic_write_bytes
from .errors import DumpStateError

STATE_FILE = "provtop_dump_log.json"
SAFEGUARD_FILE = ".provtop_dump_safeguard"
JOURNAL_FILE = ".provtop_dump_journal.json"
STATE_FORMAT = 1

DumpKind = Literal["process", "group", "profile"]


class NodeRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pk: int
    kind: Literal["calculation", "workflow"]
    fingerprint: str
    paths: list[str] = Field(description="Directories holding a copy of the process; the first is the primary.")
    links: dict[str, str] = Field(default_factory=dict, description="Symlink path -> its (relative) target.")
    files: dict[str, str] = Field(default_factory=dict, description="Path inside each copy -> content digest.")


class GroupRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pk: int
    label: str
    path: str
    nodes: list[str] = Field(default_factory=list, description="uuids of the processes placed in the group.")


class Scope(BaseModel):
    """What the dump follows; later runs keep following it, and add what they are asked for."""

    model_config = ConfigDict(extra="forbid")

    all_entries: bool = False
    groups: list[str] = Field(default_factory=list, description="uuids of the groups asked for.")
    ungrouped: bool = False


class DumpState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: int = STATE_FORMAT
    kind: DumpKind
    target: str = Field(description="uuid of the process or group, or the profile's name.")
    content_key: str = ""
    env_key: str = ""
    database_digest: str = Field(default="", description="Of the store at the last run: equal means nothing to do.")
    options_key: str = ""
    last_dump_time: datetime | None = None
    scope: Scope = Field(default_factory=Scope)
    containers: list[str] = Field(default_factory=list, description="Directories with a safeguard, not processes.")
    root_files: dict[str, str] = Field(default_factory=dict)
    nodes: dict[str, NodeRecord] = Field(default_factory=dict)
    groups: dict[str, GroupRecord] = Field(default_factory=dict)


def load_state(root: Path) -> DumpState | None:
    """The log of the last completed run at `root`, or None when there is none."""
    path = root / STATE_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DumpStateError(f"cannot read the dump log {path}: {exc.strerror}") from None
    try:
        state = DumpState.model_validate_json(raw)
    except PydanticValidationError:
        raise DumpStateError(
            f"the dump log {path} is unreadable or from another provtop", "{overwrite} to dump afresh"
        ) from None
    if state.format != STATE_FORMAT:
        raise DumpStateError(f"the dump log {path} has format {state.format}", "{overwrite} to dump afresh")
    return state


def save_state(root: Path, state: DumpState) -> None:
    atomic_write_bytes(root / STATE_FILE, state.model_dump_json(indent=1).encode())
