"""The DumpPlan: every change a dump will make, computed before anything is written.

A dry run prints it; a real run executes this very object, so the two cannot disagree.
Paths are relative to the target, POSIX-style; the executor checks each one again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from .options import DumpMode
from .state import DumpKind, DumpState


# The entries below are slotted dataclasses, not models: a full dump plans thousands of
# them, and pydantic still serialises them (with their field descriptions) for --json.


@dataclass(slots=True)
class MakeDirectory:
    path: str
    safeguard: Annotated[bool, Field(description="Mark it as provtop's (a process or a group directory).")] = False
    node: int | None = None
    slot: Annotated[str | None, Field(description="The process directory this one lies in, if any.")] = None


@dataclass(slots=True)
class WriteFile:
    path: str
    size: int
    replace: Annotated[bool, Field(description="A file of an earlier dump is there and differs.")] = False
    node: int | None = None
    slot: Annotated[str, Field(description="The process directory the file belongs to.")] = "."
    key: Annotated[str | None, Field(description="Repository object copied into the file.")] = None
    data: Annotated[bytes | None, Field(exclude=True, description="Generated content (metadata, README).")] = None


@dataclass(slots=True)
class MakeSymlink:
    path: str
    target: Annotated[str, Field(description="Relative path from the link's directory to the primary copy.")]
    node: int | None = None


@dataclass(slots=True)
class Removal:
    path: str
    what: Literal["tree", "file", "symlink"]
    node: int | None = None
    reason: str = ""


@dataclass(slots=True)
class Move:
    source: str
    destination: str
    node: int | None = None


class DumpCounts(BaseModel):
    """AiiDA's 'Anticipated dump changes' table (aiida-behaviour.md §1.12)."""

    calculations: int = 0
    workflows: int = 0
    nodes_deleted: int = 0
    groups_new: int = 0
    groups_modified: int = 0
    groups_deleted: int = 0
    groups_renamed: int = 0
    memberships_added: int = 0
    memberships_removed: int = 0


class PlanTotals(BaseModel):
    directories: int = 0
    files: int = 0
    bytes: int = 0
    symlinks: int = 0
    removals: int = 0
    moves: int = 0
    prunes: int = 0
    nodes_written: int = Field(default=0, description="Process directories created or changed.")
    nodes_unchanged: int = 0


class DumpPlan(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    kind: DumpKind
    subject: str = Field(description="What is dumped, e.g. \"group 'project/alpha'\".")
    target: str = Field(description="Absolute path of the dump's root.")
    mode: DumpMode
    clear_target: bool = Field(default=False, description="--overwrite: the earlier dump is deleted first.")
    up_to_date: bool = Field(default=False, description="Nothing changed in the store since the last run.")
    selected: bool = Field(
        default=True, description="False for a profile dump given neither --all nor a filter: nothing is planned."
    )
    moves: list[Move] = Field(default_factory=list)
    removals: list[Removal] = Field(default_factory=list)
    prunes: list[str] = Field(default_factory=list, description="Directories removed once empty, deepest first.")
    directories: list[MakeDirectory] = Field(default_factory=list)
    files: list[WriteFile] = Field(default_factory=list)
    symlinks: list[MakeSymlink] = Field(default_factory=list)
    totals: PlanTotals = Field(default_factory=PlanTotals)
    counts: DumpCounts = Field(default_factory=DumpCounts)
    notes: list[str] = Field(default_factory=list)
    state: DumpState | None = Field(
        default=None, exclude=True, description="The dump log after the run; a dry run, which leaves none, has none."
    )

    @property
    def has_changes(self) -> bool:
        return bool(
            self.clear_target
            or self.moves
            or self.removals
            or self.prunes
            or self.directories
            or self.files
            or self.symlinks
        )
