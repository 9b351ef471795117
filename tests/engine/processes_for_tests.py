"""Processes the engine tests run; importable by module path, as the engine needs after a restart."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import ClassVar

from provtop.backend.entities import Data, Float, FolderData, Int, SinglefileData, Str
from provtop.backend.processes import (
    CalcJob,
    ExitCode,
    JobSpec,
    Port,
    ProcessInputs,
    ProcessSpec,
    ShellJob,
    WorkflowContext,
    calcfunction,
    workflow,
)

LOCAL = {"computer": "localhost"}


class AddJob(CalcJob):
    """Adds two integers with the shell: a calc job subclass as a user writes one."""

    spec: ClassVar[ProcessSpec] = ProcessSpec(
        inputs=[Port("x", (Int,)), Port("y", (Int,))],
        outputs=[Port("sum", (Int,))],
    )

    def prepare(self, folder: Path, inputs: ProcessInputs) -> JobSpec:
        (folder / "input.txt").write_text(f"{inputs.x.value} {inputs.y.value}\n")
        return JobSpec(command="read a b < input.txt; echo $((a + b))", stdout_name="sum.txt", retrieve_list=["sum.txt"])

    def parse(self, retrieved: FolderData) -> dict[str, Data] | ExitCode:
        text = retrieved.get_object_content("sum.txt").decode().strip() if "sum.txt" in retrieved.list_files() else ""
        if not text:
            return ExitCode(300, "sum.txt is missing or empty")
        return {"sum": Int(int(text))}


@calcfunction
def add(x: Int, y: Int) -> Int:
    return Int(x.value + y.value)


@workflow
async def add_in_parallel(ctx: WorkflowContext, x: Int, y: Int, n: Int) -> dict[str, Data]:
    """n AddJobs at once, then a calc function sums their results."""
    results = await asyncio.gather(*(ctx.run(AddJob, x=x, y=Int(i), metadata=LOCAL) for i in range(n.value)))
    total = results[0]["sum"]
    for result in results[1:]:
        total = (await ctx.run(add, x=total, y=result["sum"]))["result"]
    ctx.report(f"total is {total.value}")
    return {"total": total}


@workflow
async def shell_then_fail(ctx: WorkflowContext) -> ExitCode | dict[str, Data]:
    first = await ctx.run(ShellJob, command="echo ok", metadata=LOCAL)
    second = await ctx.run(ShellJob, command="echo broken >&2; exit 3", metadata=LOCAL)
    if not second.ok:
        ctx.report(f"second step failed with {second.exit_status}", "ERROR")
        return ExitCode(401, "a child failed")
    return {"out": first["stdout"]}


@workflow
async def nested(ctx: WorkflowContext, x: Int) -> dict[str, Data]:
    inner = await ctx.run(add_in_parallel, x=x, y=Int(1), n=Int(2))
    return {"total": inner["total"]}


def make_file(content: bytes, name: str) -> SinglefileData:
    return SinglefileData.from_bytes(content, filename=name)


@calcfunction
def count_lines(text: SinglefileData) -> Int:
    return Int(len(text.get_content().splitlines()))


@workflow
async def counted_chain(ctx: WorkflowContext, tag: Str, steps: Int, seconds: Float, log: Str) -> dict[str, Data]:
    """Shell steps one after another; each appends its name to `log`, so a test counts how often it ran."""
    last = None
    for step in range(steps.value):
        last = await ctx.run(
            ShellJob, command=f"echo {tag.value}-{step} >> {log.value}; sleep {seconds.value}; echo {step}",
            metadata=LOCAL,
        )
    assert last is not None
    counted = await ctx.run(count_lines, text=last["stdout"])
    return {"lines": counted["result"]}
