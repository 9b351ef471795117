"""Dump processes, groups and profiles to disk in AiiDA's layout, incrementally and safely.

Planning and executing are separate: `plan_*` return a DumpPlan (every change, with sizes),
`run_plan` executes it; `dump_*` do both (or only the first for a dry run).
"""

from __future__ import annotations

from .api import DumpResult, dump_group, dump_process, dump_profile, run_plan
from .engine import plan_group_dump, plan_process_dump, plan_profile_dump
from .executor import DumpProgress
from .options import DumpMode, GroupDumpOptions, ProcessDumpOptions, ProfileDumpOptions
from .plan import DumpPlan

__all__ = [
    "DumpMode",
    "DumpPlan",
    "DumpProgress",
    "DumpResult",
    "GroupDumpOptions",
    "ProcessDumpOptions",
    "ProfileDumpOptions",
    "dump_group",
    "dump_process",
    "dump_profile",
    "plan_group_dump",
    "plan_process_dump",
    "plan_profile_dump",
    "run_plan",
]
