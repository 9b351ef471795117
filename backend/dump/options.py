"""The options of the three dumps, with AiiDA's names and defaults (aiida-behaviour.md §1.14).

They are pydantic models so that the CLI, the service API and the TUI pass the same object.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class DumpMode(StrEnum):
    """Resolved from the flags with AiiDA's precedence: dry-run, then overwrite, then incremental."""

    INCREMENTAL = "incremental"
    OVERWRITE = "overwrite"
    DRY_RUN = "dry_run"


class ProcessDumpOptions(BaseModel):
    """What one process directory holds, and how the run treats the target."""

    model_config = ConfigDict(extra="forbid")

    dry_run: bool = Field(default=False, description="Plan only: print what would change, write nothing.")
    overwrite: bool = Field(default=False, description="Delete the target (made by provtop) and dump afresh.")
    include_inputs: bool = Field(default=True, description="Linked input data with files under node_inputs/.")
    include_outputs: bool = Field(default=False, description="Created output data with files under node_outputs/.")
    include_attributes: bool = Field(default=True, description="Node attributes in the metadata file.")
    include_extras: bool = Field(default=False, description="Node extras in the metadata file.")
    flat: bool = Field(default=False, description="All files of a calculation directly in its directory.")
    dump_unsealed: bool = Field(default=False, description="Also dump processes that are not sealed yet.")

    @property
    def mode(self) -> DumpMode:
        if self.dry_run:
            return DumpMode.DRY_RUN
        return DumpMode.OVERWRITE if self.overwrite else DumpMode.INCREMENTAL

    def run_key(self) -> str:
        """A digest of every option that shapes the tree (not how this run treats the target)."""
        text = self.model_dump_json(exclude={"dry_run", "overwrite"})
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def content_key(self) -> str:
        """A digest of the options that change file contents: a change re-renders every node."""
        fields = ("include_inputs", "include_outputs", "include_attributes", "include_extras", "flat")
        text = json.dumps({name: getattr(self, name) for name in fields}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


class GroupDumpOptions(ProcessDumpOptions):
    """A collection of processes: time filters, sub-process handling, deletions, symlinks."""

    past_days: int | None = Field(default=None, ge=0, description="Only processes modified in the past N days.")
    start_date: datetime | None = Field(default=None, description="Only processes modified at or after this time.")
    end_date: datetime | None = Field(default=None, description="Only processes modified at or before this time.")
    filter_by_last_dump_time: bool = Field(
        default=True,
        description="Trust the dump log: re-render only processes modified since they were dumped. "
        "Off: re-check every process and rewrite files missing on disk.",
    )
    only_top_level_calcs: bool = Field(default=True, description="Called calculations only inside their caller.")
    only_top_level_workflows: bool = Field(default=True, description="Called workflows only inside their caller.")
    delete_missing: bool = Field(default=True, description="Remove the directories of deleted processes and groups.")
    symlink_calcs: bool = Field(default=False, description="Repeated calculations as symlinks to the first copy.")

    @field_validator("start_date", "end_date")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        # A date typed without a zone means local time, as a user reads the clock.
        return value.astimezone(UTC) if value is not None else None

    @model_validator(mode="after")
    def _one_lower_bound(self) -> GroupDumpOptions:
        if self.past_days is not None and (self.start_date is not None or self.end_date is not None):
            raise ValueError("give either --past-days or --start-date/--end-date, not both")
        return self

    def time_window(self, now: datetime) -> tuple[datetime | None, datetime | None]:
        """The (lower, upper) bounds on a process's mtime; None means unbounded."""
        lower = now - timedelta(days=self.past_days) if self.past_days is not None else self.start_date
        return lower, self.end_date

    @property
    def has_time_filter(self) -> bool:
        return self.past_days is not None or self.start_date is not None or self.end_date is not None


class ProfileDumpOptions(GroupDumpOptions):
    """A whole profile: which processes and groups, and how the tree is organised."""

    all_entries: bool = Field(default=False, description="Everything, disregarding the filters.")
    codes: list[str] = Field(default_factory=list, description="Only processes using one of these codes.")
    computers: list[str] = Field(default_factory=list, description="Only processes run on one of these computers.")
    groups: list[str] = Field(default_factory=list, description="Only these groups (label, pk or uuid).")
    user: str | None = Field(default=None, description="Only processes of this user (email).")
    organize_by_groups: bool = Field(default=True, description="One directory per group under groups/.")
    also_ungrouped: bool = Field(default=False, description="Processes in no group under ungrouped/.")
    relabel_groups: bool = Field(default=True, description="Rename a group's directory when the group is relabelled.")

    @property
    def has_selection(self) -> bool:
        """Whether anything was asked for: --all or a filter (the structural flags do not count)."""
        return (
            self.all_entries or bool(self.codes or self.computers or self.groups or self.user) or self.has_time_filter
        )
