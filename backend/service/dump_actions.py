"""Dumps: plan a process, group or profile dump, then run that plan (blocking: use a thread)."""

from __future__ import annotations

from pathlib import Path

from ..dump import (
    DumpPlan,
    DumpResult,
    GroupDumpOptions,
    ProcessDumpOptions,
    ProfileDumpOptions,
    plan_group_dump,
    plan_process_dump,
    plan_profile_dump,
    run_plan,
)
from ..dump.executor import ProgressCallback
from ..dump.report import ChangeNode, plan_tree
from ..entities.loading import load_node
from ..store.store import Store


class DumpActions:
    store: Store

    def plan_process_dump(self, process: str | int, path: str | None, options: ProcessDumpOptions) -> DumpPlan:
        """PROCESS is a pk or a uuid (prefix); the plan lists every change with its size."""
        node = load_node(process, self.store)
        return plan_process_dump(self.store, node.pk, Path(path) if path else None, options)  # type: ignore[arg-type]

    def plan_group_dump(self, group: str | int, path: str | None, options: GroupDumpOptions) -> DumpPlan:
        return plan_group_dump(self.store, group, Path(path) if path else None, options)

    def plan_profile_dump(self, path: str | None, options: ProfileDumpOptions) -> DumpPlan:
        return plan_profile_dump(self.store, Path(path) if path else None, options)

    def run_dump(self, plan: DumpPlan, progress: ProgressCallback | None = None) -> DumpResult:
        """Execute a plan from one of the plan_* calls; a dry-run plan is returned as not executed."""
        return run_plan(plan, self.store, progress=progress)

    def dump_plan_tree(self, plan: DumpPlan) -> ChangeNode:
        return plan_tree(plan)
