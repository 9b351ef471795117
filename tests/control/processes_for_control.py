"""Processes the control tests run; importable by module path, as the engine needs after a restart."""

from __future__ import annotations

import asyncio

from provtop.backend.entities import Data, Int, Str
from provtop.backend.processes import ShellJob, WorkflowContext, workflow


@workflow
async def three_sleepers(ctx: WorkflowContext, computer: Str, seconds: Int) -> dict[str, Data]:
    """Three long shell jobs at once: what a kill must take down together."""
    results = await asyncio.gather(*(
        ctx.run(ShellJob, command=f"sleep {seconds.value}; echo {i}", metadata={"computer": computer.value})
        for i in range(3)))
    return {"first": results[0]["stdout"]}


@workflow
async def chain(ctx: WorkflowContext, computer: Str, seconds: Int) -> dict[str, Data]:
    """A workflow calling a workflow calling one long job: the chain a kill walks down."""
    inner = await ctx.run(three_deep, computer=computer, seconds=seconds)
    return {"out": inner["out"]}


@workflow
async def three_deep(ctx: WorkflowContext, computer: Str, seconds: Int) -> dict[str, Data]:
    job = await ctx.run(ShellJob, command=f"sleep {seconds.value}", metadata={"computer": computer.value})
    return {"out": job["stdout"]}
