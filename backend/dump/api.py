"""The Python API of the dump: plan, then (unless a dry run) execute that same plan.

`dump_process`, `dump_group` and `dump_profile` take AiiDA's keyword options (or an options
model) and return a DumpResult. They block; async callers use asyncio.to_thread.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticValidationError

from ..entities.current import get_store
from ..entities.nodes.node import Node
from ..store.store import Store
from .engine import plan_group_dump, plan_process_dump, plan_profile_dump
from .errors import DumpOptionError
from .executor import DEFAULT_WORKERS, ProgressCallback, execute_plan
from .options import DumpMode, GroupDumpOptions, ProcessDumpOptions, ProfileDumpOptions
from .plan import DumpCounts, DumpPlan, PlanTotals

Options = TypeVar("Options", bound=ProcessDumpOptions)


class DumpResult(BaseModel):
    """What a dump did (or, for a dry run, would do)."""

    subject: str
    target: str
    mode: DumpMode
    executed: bool = Field(description="False for a dry run or when nothing was selected.")
    totals: PlanTotals
    counts: DumpCounts
    notes: list[str] = Field(default_factory=list)
    seconds: float = 0.0


def make_options(model: type[Options], options: Options | None, overrides: dict[str, Any]) -> Options:
    """An options model from a given one and/or keyword arguments, with a one-line error."""
    try:
        base = options.model_dump() if options is not None else {}
        return model.model_validate({**base, **overrides})
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise DumpOptionError(f"invalid dump option {where + ': ' if where else ''}{first['msg']}") from None


def run_plan(
    plan: DumpPlan,
    store: Store,
    *,
    progress: ProgressCallback | None = None,
    workers: int = DEFAULT_WORKERS,
    started: float | None = None,
) -> DumpResult:
    """Execute a plan made by one of the plan_* functions (not for dry runs)."""
    started = time.perf_counter() if started is None else started
    executed = plan.mode is not DumpMode.DRY_RUN and (plan.state is not None or plan.up_to_date)
    notes = list(plan.notes)
    if executed and not plan.up_to_date:
        notes += execute_plan(plan, store.repository, progress=progress, workers=workers)
    return DumpResult(
        subject=plan.subject,
        target=plan.target,
        mode=plan.mode,
        executed=executed,
        totals=plan.totals,
        counts=plan.counts,
        notes=notes,
        seconds=time.perf_counter() - started,
    )


def dump_process(
    process: Node | int,
    path: Path | str | None = None,
    *,
    store: Store | None = None,
    options: ProcessDumpOptions | None = None,
    progress: ProgressCallback | None = None,
    **overrides: Any,
) -> DumpResult:
    """Dump one process and the processes it called into `path` (default ./<label>-<pk>)."""
    started = time.perf_counter()
    chosen = make_options(ProcessDumpOptions, options, overrides)
    pk = process.pk if isinstance(process, Node) else int(process)
    store = store or (process.store_backend if isinstance(process, Node) else get_store())
    plan = plan_process_dump(store, pk, Path(path) if path else None, chosen)  # type: ignore[arg-type]
    return run_plan(plan, store, progress=progress, started=started)


def dump_group(
    group: str | int,
    path: Path | str | None = None,
    *,
    store: Store | None = None,
    options: GroupDumpOptions | None = None,
    progress: ProgressCallback | None = None,
    **overrides: Any,
) -> DumpResult:
    """Dump a group's processes into `path` (default ./<group label>)."""
    started = time.perf_counter()
    chosen = make_options(GroupDumpOptions, options, overrides)
    store = store or get_store()
    identifier = getattr(group, "pk", group)
    plan = plan_group_dump(store, identifier, Path(path) if path else None, chosen)
    return run_plan(plan, store, progress=progress, started=started)


def dump_profile(
    path: Path | str | None = None,
    *,
    store: Store | None = None,
    options: ProfileDumpOptions | None = None,
    progress: ProgressCallback | None = None,
    **overrides: Any,
) -> DumpResult:
    """Dump the profile's processes, organised by group (default ./<profile name>)."""
    started = time.perf_counter()
    chosen = make_options(ProfileDumpOptions, options, overrides)
    store = store or get_store()
    plan = plan_profile_dump(store, Path(path) if path else None, chosen)
    return run_plan(plan, store, progress=progress, started=started)
