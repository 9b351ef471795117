"""`provtop demo`: workflows and data to try provtop with."""

from __future__ import annotations

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from .context import CliContext, pass_cli
from .output import console, json_option, print_json, print_table, success


@click.group()
def demo() -> None:
    """Demo content for trying provtop."""


@demo.command("submit")
@click.option("--computer", default="localhost", show_default=True, help="Computer to run the demo jobs on.")
@click.option("--transfer-mb", type=click.IntRange(1, 4096), default=64, show_default=True,
              help="Size of the file the transfer workflow uploads (it retrieves twice that).")
@click.option("--sleep", "sleep_seconds", type=click.IntRange(0, 600), default=3, show_default=True,
              help="Seconds each demo job sleeps, so there is something to watch.")
@json_option
@pass_cli
def submit(cli: CliContext, computer: str, transfer_mb: int, sleep_seconds: int, as_json: bool) -> None:
    """Submit the demo workflows: real shell work with sleeps, one that fails, one with large transfers."""
    rows = cli.service.submit_demo(computer, transfer_mb=transfer_mb, sleep_seconds=sleep_seconds)
    if as_json:
        print_json(rows)
        return
    print_table(None, ["PK", "Process label", "Label"], [(r.pk, r.process_label, r.label) for r in rows])
    if cli.service.engine_status().state == "running":
        success("submitted; follow them with `provtop process list` or `provtop process watch`")
    else:
        success("submitted; start an engine to run them: `provtop engine run`")


@demo.command("populate")
@click.option("-n", "--workflows", type=click.IntRange(0), default=100, show_default=True,
              help="Number of workflows to write (38 nodes each; every 25th fails).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the file contents and values.")
@json_option
@pass_cli
def populate(cli: CliContext, workflows: int, seed: int, as_json: bool) -> None:
    """Write demo workflows (the graph AiiDA and provtop's benchmarks are measured on) into the store."""
    with Progress(TextColumn("writing workflows"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, disable=as_json) as progress:
        task = progress.add_task("populate", total=workflows)
        summary = cli.service.populate_demo(
            workflows, seed=seed, progress=lambda done, _total: progress.update(task, completed=done)
        )
    if as_json:
        print_json(summary)
        return
    print_table(None, ["Group", "Members"], summary.group_members.items())
    rate = summary.nodes_created / summary.seconds if summary.seconds else 0
    success(f"wrote {summary.workflows} workflow(s) ({summary.failed_workflows} failed) and "
            f"{summary.standalone_calcs} standalone calc job(s): {summary.nodes_created} nodes "
            f"in {summary.seconds:.1f} s ({rate:.0f} nodes/s)")
