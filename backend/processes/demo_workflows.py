"""The workflows `provtop demo submit` launches on localhost: what a new user sees moving in the TUI.

- `word_statistics`: writes a text, counts words in three calc jobs at once (each sleeps a little,
  like real work queued and running), then sums the counts with a calc function.
- `doomed_analysis`: its second step fails, so the workflow finishes with exit status 402.
- `large_transfer`: uploads a file of `transfer_mb` MB, has the job checksum and grow it, and
  retrieves the result: the transfer meter has something to show.
"""

from __future__ import annotations

import asyncio
import os

from ..entities import Data, Int, ProcessNode, SinglefileData, Str
from .calcfunction import calcfunction
from .launch import submit
from .shelljob import ShellJob
from .spec import ExitCode
from .workflow import WorkflowContext, workflow

WORDS = "provenance engine workflow transport scheduler lease checkpoint replay".split()


def _metadata(computer: str, label: str) -> dict[str, object]:
    return {"computer": computer, "label": label}


@calcfunction
def sum_counts(**counts: SinglefileData) -> Int:
    return Int(sum(int(node.get_content().split()[0]) for node in counts.values()))


@workflow
async def word_statistics(ctx: WorkflowContext, computer: Str, lines: Int, sleep: Int) -> dict[str, Data]:
    text = await ctx.run(
        ShellJob,
        command=f"sleep {sleep.value}; for i in $(seq {lines.value}); do echo {' '.join(WORDS)} $i; done > text.txt",
        outputs=["text.txt"],
        metadata=_metadata(computer.value, "write text"),
    )
    ctx.report(f"wrote {lines.value} lines")
    counts = await asyncio.gather(*(
        ctx.run(ShellJob, command=f"sleep {sleep.value + part}; grep -o '{word}' text.txt | wc -l",
                nodes={"text": text["text_txt"]}, metadata=_metadata(computer.value, f"count {word}"))
        for part, word in enumerate(WORDS[:3])
    ))
    total = await ctx.run(sum_counts, **{f"c{i}": result["stdout"] for i, result in enumerate(counts)})
    ctx.report(f"counted {total['result'].value} words")
    return {"total": total["result"], "text": text["text_txt"]}


@workflow
async def doomed_analysis(ctx: WorkflowContext, computer: Str, sleep: Int) -> ExitCode | dict[str, Data]:
    prepared = await ctx.run(ShellJob, command=f"sleep {sleep.value}; echo prepared",
                             metadata=_metadata(computer.value, "prepare"))
    analysed = await ctx.run(
        ShellJob, command="echo 'analysis: input has no data section' >&2; exit 2",
        metadata=_metadata(computer.value, "analyse"),
    )
    if not analysed.ok:
        ctx.report(f"analysis failed with exit status {analysed.exit_status}: see its stderr", "ERROR")
        return ExitCode(402, "the analysis step failed")
    return {"prepared": prepared["stdout"]}


@workflow
async def large_transfer(ctx: WorkflowContext, computer: Str, payload: SinglefileData, sleep: Int) -> dict[str, Data]:
    result = await ctx.run(
        ShellJob,
        command=f"sha256sum payload.bin > checksum.txt; cat payload.bin payload.bin > doubled.bin; sleep {sleep.value}",
        nodes={"payload": payload}, outputs=["checksum.txt", "doubled.bin"],
        metadata=_metadata(computer.value, "checksum and double"),
    )
    return {"checksum": result["checksum_txt"], "doubled": result["doubled_bin"]}


def submit_demo_workflows(computer: str, *, transfer_mb: int = 64, sleep_seconds: int = 3) -> list[ProcessNode]:
    payload = SinglefileData.from_bytes(os.urandom(transfer_mb * 1024 * 1024), filename="payload.bin")
    return [
        submit(word_statistics, computer=computer, lines=Int(2000), sleep=Int(sleep_seconds),
               metadata={"label": "demo: word statistics"}),
        submit(doomed_analysis, computer=computer, sleep=Int(sleep_seconds),
               metadata={"label": "demo: doomed analysis"}),
        submit(large_transfer, computer=computer, payload=payload, sleep=Int(sleep_seconds),
               metadata={"label": "demo: large transfer"}),
    ]
