"""`provtop process` (list, show, status, report, watch, kill, pause, play, orphans) and `provtop engine run`."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import UTC, datetime

import click
from provtop.backend.engine.engine import Engine, freeze_startup_objects
from provtop.backend.service.control_actions import ControlResult
from provtop.backend.service.process_actions import STATES, ProcessListRequest
from provtop.backend.service.snapshots import ProcessRow
from rich.markup import escape

from .context import CliContext, pass_cli
from .output import (
    console,
    json_option,
    print_json,
    print_mapping,
    print_table,
    success,
)


def format_state(row: ProcessRow) -> str:
    """verdi's state column: symbol, then "Finished [0]", "Running", "Paused", ..."""
    return f"{row.symbol} {row.state_text}"


def ago(moment: datetime) -> str:
    seconds = max(0, int((datetime.now(UTC) - moment).total_seconds()))
    for unit, size in (("D", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


@click.group()
def process() -> None:
    """List and inspect calc jobs and workflows."""


@process.command("list")
@click.option("-a", "--all", "all_", is_flag=True, help="Processes in any state (default: active only).")
@click.option("-S", "--process-state", "states", multiple=True, type=click.Choice(STATES), help="Only these states.")
@click.option("-p", "--past-days", type=click.IntRange(1), help="Only processes created in the last DAYS days.")
@click.option("-L", "--process-label", "label_like", help="Process label (SQL LIKE with % and _).")
@click.option("-l", "--limit", type=click.IntRange(1, 10_000), default=100, show_default=True)
@click.option("--before", "before_pk", type=int, help="Continue with processes older than this pk.")
@json_option
@pass_cli
def list_(cli: CliContext, all_: bool, states: tuple[str, ...], past_days: int | None, label_like: str | None,
          limit: int, before_pk: int | None, as_json: bool) -> None:
    """List processes (newest at the bottom), with the engine's health in the footer."""
    page = cli.service.list_processes(ProcessListRequest(
        states=list(states) or None, all=all_, past_days=past_days, limit=limit, before_pk=before_pk,
        label_like=label_like,
    ))
    if as_json:
        print_json(page)
        return
    rows = list(reversed(page.rows))
    print_table(None, ["PK", "Created", "Process label", "Process State", "Process status"],
                [(r.pk, ago(r.ctime), r.process_label or r.label, format_state(r), r.status or "") for r in rows])
    console.print(f"Total results: {len(rows)}" + (f" (more: --before {page.next_before_pk})" if page.next_before_pk else ""),
                  highlight=False)
    if page.last_change:
        console.print(f"Last time an entry changed state: {ago(page.last_change)} "
                      f"(at {page.last_change:%H:%M:%S} on {page.last_change:%Y-%m-%d})", highlight=False)
    console.print(f"Active processes: {page.active}", highlight=False)
    colour = "green" if page.engine.state == "running" else "yellow"
    console.print(f"[{colour}]{page.engine.message}[/{colour}]", highlight=False)


@process.command("show")
@click.argument("identifier")
@json_option
@pass_cli
def show(cli: CliContext, identifier: str, as_json: bool) -> None:
    """Show a process: state, scheduler job, inputs, outputs, children and where the engine is."""
    pk = cli.service.resolve_process(identifier)
    detail, place = cli.service.process_detail(pk), cli.service.engine_place(pk)
    if as_json:
        print_json({"detail": detail, "engine": place})
        return
    row = detail.row
    print_mapping(f"Process {row.pk}", {key: value for key, value in {
        "type": detail.node_type, "uuid": detail.uuid, "label": row.label, "process label": row.process_label,
        "state": format_state(row), "status": row.status, "exit message": detail.exit_message,
        "computer": row.computer, "job id": row.job_id, "scheduler state": row.scheduler_state,
        "pending reason": row.pending_reason, "remote workdir": detail.remote_workdir,
        "stash failed": detail.attributes.get("stash_error"),
        "next step": place.step, "engine": place.engine, "caller": detail.caller.pk if detail.caller else None,
        "log records": detail.logs_total, "ctime": row.ctime, "mtime": row.mtime,
    }.items() if value not in (None, "")})
    if detail.exception:
        console.print(detail.exception, highlight=False, markup=False)
    for title, links in (("Inputs", detail.inputs), ("Outputs", detail.outputs)):
        if links:
            print_table(title, ["Link label", "Link type", "PK", "Type", "Value"],
                        [(l.link_label, l.link_type, l.pk, l.node_type, l.summary) for l in links])
    if detail.called:
        children = cli.service.process_rows([link.pk for link in detail.called])
        print_table("Called", ["PK", "Process label", "Process State"],
                    [(r.pk, r.process_label, format_state(r)) for r in children])


@process.command("status")
@click.argument("identifier")
@click.option("-m", "--max-depth", type=click.IntRange(0), help="Show the tree this deep only.")
@pass_cli
def status(cli: CliContext, identifier: str, max_depth: int | None) -> None:
    """The call tree of a process, with the state of each process in it."""
    for line in cli.service.process_tree(identifier, max_depth):
        r = line.row
        click.echo(f"{line.prefix}{r.process_label}<{r.pk}> {r.state_text}")


@process.command("report")
@click.argument("identifier")
@click.option("-l", "--levelname", default="REPORT", show_default=True, help="Lowest log level to show.")
@click.option("-i", "--indent-size", type=click.IntRange(0), default=2, show_default=True)
@click.option("-m", "--max-depth", type=click.IntRange(0))
@pass_cli
def report(cli: CliContext, identifier: str, levelname: str, indent_size: int, max_depth: int | None) -> None:
    """Log records of a process and the processes it called."""
    lines = cli.service.process_report(identifier, levelname, max_depth)
    if not lines:
        click.echo("No log messages recorded for this entry")
    for line in lines:
        click.echo(f"{' ' * indent_size * line.depth}{line.time:%Y-%m-%d %H:%M:%S} [{line.pk}|{line.level}]: {line.message}")


@process.command("watch")
@click.argument("identifiers", nargs=-1)
@click.option("--interval", type=click.FloatRange(0.1), default=1.0, show_default=True)
@pass_cli
def watch(cli: CliContext, identifiers: tuple[str, ...], interval: float) -> None:
    """Print each change of state or status of the given processes (all when none), until Ctrl-C."""
    pks = [cli.service.resolve_process(i) for i in identifiers] or None
    if pks:
        for row in cli.service.process_rows(pks):
            if not row.is_active:
                click.echo(f"Process<{row.pk}> is already terminated: {format_state(row)}")
        pks = [row.pk for row in cli.service.process_rows(pks) if row.is_active]
        if not pks:
            return
    since = datetime.now(UTC)
    seen: dict[int, tuple[str | None, str | None, bool]] = {}
    while True:
        for row in cli.service.changed_processes(since):
            since = max(since, row.mtime)
            key = (row.state, row.status, row.paused)
            if (pks is None or row.pk in pks) and seen.get(row.pk) != key:
                seen[row.pk] = key
                click.echo(f"{row.mtime:%H:%M:%S} Process<{row.pk}> {row.process_label} "
                           f"[{format_state(row)}]: {row.status or ''}")
        if pks and all(seen.get(pk, (None,))[0] in ("finished", "excepted", "killed") for pk in pks):
            return
        time.sleep(interval)


@click.group()
def engine() -> None:
    """Run the engine that executes calc jobs and workflows."""


@engine.command("run")
@click.option("--lease", "lease_seconds", type=click.FloatRange(3), default=30.0, show_default=True,
              help="Seconds another engine waits before taking over this one's processes if it dies.")
@click.option("--max-processes", type=click.IntRange(1), default=10_000, show_default=True)
@pass_cli
def run(cli: CliContext, lease_seconds: float, max_processes: int) -> None:
    """Run an engine in the foreground; SIGTERM or Ctrl-C stops it cleanly."""
    def started(running: Engine) -> None:
        freeze_startup_objects()
        success(f"engine {running.id[:8]} running on profile '{cli.service.store.name}'; Ctrl-C stops it")

    cli.service.run_engine(lease_seconds=lease_seconds, max_processes=max_processes, on_start=started)
    success("engine stopped; its processes are free for the next engine")


# -- control: kill, pause, play, orphans -------------------------------------------------------------------

def parse_timeout(_ctx: click.Context, _param: click.Parameter, value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise click.BadParameter("seconds, 0 or inf") from None
    if seconds < 0 or math.isnan(seconds):
        raise click.BadParameter("seconds, 0 or inf")
    return seconds


def control_options(function: Callable[..., None]) -> Callable[..., None]:
    function = click.option("-t", "--timeout", default="inf", show_default=True, callback=parse_timeout,
                            help="Seconds to wait for the result: 0 returns at once, inf waits.")(function)
    function = click.option("-a", "--all", "all_", is_flag=True, help="Every active process.")(function)
    return click.argument("identifiers", nargs=-1)(function)


def report_control(result: ControlResult) -> None:
    if result.pending or any(o.status == "failed" for o in result.outcomes):
        console.print(f"[yellow]{escape(result.message)}[/yellow]", highlight=False, soft_wrap=True)
        if any(o.status == "failed" for o in result.outcomes):
            raise SystemExit(1)
    else:
        success(result.message)


@process.command("kill")
@control_options
@click.option("-F", "--force", is_flag=True,
              help="Mark killed at once without waiting for the remote; jobs whose cancel is not confirmed "
                   "become orphans (`provtop process orphans`).")
@pass_cli
def kill(cli: CliContext, identifiers: tuple[str, ...], all_: bool, timeout: float, force: bool) -> None:
    """Kill processes and everything they called (deepest first); their scheduler jobs are cancelled."""
    if force:
        console.print("[yellow]Force kill: remote jobs whose cancel is not confirmed are listed by "
                      "`provtop process orphans`.[/yellow]", highlight=False)
    report_control(cli.service.kill_processes(list(identifiers), all=all_, timeout=timeout, force=force))


@process.command("pause")
@control_options
@pass_cli
def pause(cli: CliContext, identifiers: tuple[str, ...], all_: bool, timeout: float) -> None:
    """Pause processes (and what they called) at their next step; they keep their place."""
    report_control(cli.service.pause_processes(list(identifiers), all=all_, timeout=timeout))


@process.command("play")
@control_options
@pass_cli
def play(cli: CliContext, identifiers: tuple[str, ...], all_: bool, timeout: float) -> None:
    """Resume paused processes (and what they called)."""
    report_control(cli.service.play_processes(list(identifiers), all=all_, timeout=timeout))


@process.command("orphans")
@click.option("--cancel", is_flag=True, help="Try the cancel of every listed job again.")
@json_option
@pass_cli
def orphans(cli: CliContext, cancel: bool, as_json: bool) -> None:
    """Scheduler jobs of force-killed processes whose cancel was never confirmed."""
    if cancel:
        outcome = cli.service.cancel_orphans()
        if as_json:
            print_json(outcome)
            return
        (success if not outcome.remaining else console.print)(outcome.message)
        return
    listed = cli.service.list_orphans()
    if as_json:
        print_json(listed)
        return
    if not listed:
        click.echo("No orphaned jobs.")
        return
    print_table("Orphaned jobs", ["Computer", "Job id", "Process", "Work directory", "Since"],
                [(o.computer, o.job_id, o.pk, o.workdir, ago(o.since)) for o in listed])
