"""`provtop process dump`, `provtop group dump`, `provtop profile dump`: AiiDA's options and defaults.

Every dump first builds its plan; `--dry-run` prints that plan (a tree of changes with sizes,
then AiiDA's count tables) and a real run executes it under a progress bar.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from pydantic import ValidationError
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.tree import Tree

from provtop.backend.dump import DumpPlan, DumpProgress, GroupDumpOptions, ProcessDumpOptions, ProfileDumpOptions
from provtop.backend.dump.report import ChangeNode, count_rows, plan_tree

from .context import CliContext, pass_cli
from .output import console, error_console, human_size, json_option, print_json, success

DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]
CHANGE_STYLES = {
    "new": "green",
    "write": "green",
    "replace": "yellow",
    "remove": "red",
    "move": "cyan",
    "link": "magenta",
}

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def _options(*decorators: Decorator) -> Decorator:
    def apply(function: Callable[..., Any]) -> Callable[..., Any]:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


def _switch(name: str, default: bool, help_text: str, on: str | None = None, off: str | None = None) -> Decorator:
    on, off = on or f"--{name}", off or f"--no-{name}"
    return click.option(f"{on}/{off}", name.replace("-", "_"), default=default, show_default=True, help=help_text)


PROCESS_OPTIONS = _options(
    click.option("--path", type=click.Path(file_okay=False), help="Base path for the dump (default: ./<name>)."),
    click.option("-n", "--dry-run", is_flag=True, help="Print the plan of changes; write nothing."),
    click.option(
        "-o", "--overwrite", is_flag=True, help="Delete the earlier dump at the path first (made by provtop)."
    ),
    _switch("inputs", True, "Linked input data with files under node_inputs/.", "--include-inputs", "--exclude-inputs"),
    _switch(
        "outputs",
        False,
        "Created output data with files under node_outputs/.",
        "--include-outputs",
        "--exclude-outputs",
    ),
    _switch(
        "attributes", True, "Node attributes in the metadata file.", "--include-attributes", "--exclude-attributes"
    ),
    _switch("extras", False, "Node extras in the metadata file.", "--include-extras", "--exclude-extras"),
    click.option("-f", "--flat", is_flag=True, help="All files of a calculation directly in its directory."),
    _switch("dump-unsealed", False, "Also dump processes that are not sealed yet."),
    json_option,
)

COLLECTION_OPTIONS = _options(
    click.option("-p", "--past-days", type=click.IntRange(0), help="Only processes modified in the past N days."),
    click.option("--start-date", type=click.DateTime(DATE_FORMATS), help="Only processes modified since (local time)."),
    click.option("--end-date", type=click.DateTime(DATE_FORMATS), help="Only processes modified until (local time)."),
    _switch("filter-by-last-dump-time", True, "Trust the dump log; off re-checks every process and file on disk."),
    _switch("only-top-level-calcs", True, "Called calculations only inside their caller's directory."),
    _switch("only-top-level-workflows", True, "Called workflows only inside their caller's directory."),
    _switch("delete-missing", True, "Remove the directories of deleted processes and groups."),
    _switch("symlink-calcs", False, "Repeated calculations as symlinks to their first copy."),
)

PROFILE_OPTIONS = _options(
    click.option("-a", "--all", "all_entries", is_flag=True, help="Every group and process, whatever the filters."),
    click.option("-X", "--codes", multiple=True, help="Only processes using this code (repeatable)."),
    click.option("-Y", "--computers", multiple=True, help="Only processes run on this computer (repeatable)."),
    click.option("-G", "--groups", multiple=True, help="Only this group: label, pk or uuid (repeatable)."),
    click.option("-u", "--user", help="Only processes of this user (email)."),
    _switch("organize-by-groups", True, "One directory per group under groups/."),
    _switch("also-ungrouped", False, "Processes in no group under ungrouped/."),
    _switch("relabel-groups", True, "Rename a group's directory when the group was relabelled."),
)


def _model_options(params: dict[str, Any]) -> dict[str, Any]:
    """CLI parameters -> option-model fields (the include switches are named after what they include)."""
    values = {key: value for key, value in params.items() if key not in ("path", "as_json")}
    for name in ("inputs", "outputs", "attributes", "extras"):
        values[f"include_{name}"] = values.pop(name)
    for key in ("codes", "computers", "groups"):
        if key in values:
            values[key] = list(values[key])
    return values


def _label(node: ChangeNode) -> str:
    text = escape(node.name)
    if node.change:
        text = f"[{CHANGE_STYLES.get(node.change, 'white')}]{text}[/] [dim]{node.change}[/]"
    if node.detail:
        text += f" [dim]{escape(node.detail)}[/]"
    if node.files and not node.children:
        text += (
            f" [dim]({human_size(node.bytes)})[/]"
            if node.change
            else f" [dim]({node.files} files, {human_size(node.bytes)})[/]"
        )
    elif node.files:
        text += f" [dim]({node.files} file{'s' if node.files != 1 else ''}, {human_size(node.bytes)})[/]"
    return text


def _tree(node: ChangeNode, into: Tree) -> None:
    for child in node.children:
        _tree(child, into.add(_label(child)))


def print_plan(plan: DumpPlan) -> None:
    """The tree of changes, the totals, then AiiDA's 'Anticipated dump changes' tables."""
    root = plan_tree(plan)
    if plan.has_changes:
        tree = Tree(_label(root))
        _tree(root, tree)
        console.print(tree)
    totals = plan.totals
    console.print(
        f"[bold]Totals:[/] {totals.directories} directories, {totals.files} files ({human_size(totals.bytes)}), "
        f"{totals.symlinks} symlinks, {totals.moves} moves, {totals.removals} removals; "
        f"{totals.nodes_unchanged} processes unchanged",
        highlight=False,
    )
    console.print("\n[bold]Anticipated dump changes[/]")
    for title, rows in zip(("Nodes", "Groups"), count_rows(plan), strict=True):
        table = Table(title=f"{title}:", title_justify="left", header_style="bold")
        for column in ("Entity Type", "Count", "Status"):
            table.add_column(column)
        for entity, count, status in rows:
            table.add_row(entity, str(count), status)
        console.print(table)


def _run(cli: CliContext, plan: DumpPlan, as_json: bool, done_message: str) -> None:
    for note in plan.notes:
        error_console.print(f"[yellow]Warning:[/] {escape(note)}", highlight=False)
    if plan.mode == "dry_run":
        if as_json:
            print_json(plan)
        elif plan.selected:  # else the warning says it all
            print_plan(plan)
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, disable=as_json or not plan.has_changes, transient=True) as progress:
        nodes = progress.add_task("processes", total=len({item.slot for item in plan.files}) or 1)
        size = progress.add_task("bytes", total=plan.totals.bytes or 1)

        def update(status: DumpProgress) -> None:
            progress.update(nodes, completed=status.nodes_done, description=f"processes ({status.phase})")
            progress.update(size, completed=status.bytes_done)

        result = cli.service.run_dump(plan, progress=update)
    if as_json:
        print_json(result)
        return
    for note in result.notes[len(plan.notes) :]:
        error_console.print(f"[yellow]Warning:[/] {escape(note)}", highlight=False)
    if result.executed:
        totals = result.totals
        success(
            f"{done_message} ({totals.files} files, {human_size(totals.bytes)} written, "
            f"{totals.removals} removed, {totals.moves} moved in {result.seconds:.2f} s)"
        )


def _announce(path: str | None, plan: DumpPlan, as_json: bool) -> None:
    if as_json:
        return
    if path is None:
        console.print(f"No output path specified. Using default: `{escape(plan.target)}`", highlight=False)
    else:
        console.print(f"Using specified output path: `{escape(plan.target)}`", highlight=False)


@click.command("dump")
@click.argument("process")
@PROCESS_OPTIONS
@pass_cli
def process_dump(cli: CliContext, process: str, path: str | None, as_json: bool, **params: Any) -> None:
    """Dump PROCESS (pk or uuid) and the processes it called to disk."""
    options = _validated(ProcessDumpOptions, params)
    plan = cli.service.plan_process_dump(process, path, options)
    _announce(path, plan, as_json)
    _run(cli, plan, as_json, f"Raw files for process `{process}` dumped into folder `{plan.target}`.")


@click.command("dump")
@click.argument("group")
@PROCESS_OPTIONS
@COLLECTION_OPTIONS
@pass_cli
def group_dump(cli: CliContext, group: str, path: str | None, as_json: bool, **params: Any) -> None:
    """Dump the processes of GROUP (label, pk or uuid) to disk, incrementally."""
    options = _validated(GroupDumpOptions, params)
    plan = cli.service.plan_group_dump(group, path, options)
    _announce(path, plan, as_json)
    _run(cli, plan, as_json, f"Raw files for group `{group}` dumped into folder `{plan.target}`.")


@click.command("dump")
@PROCESS_OPTIONS
@COLLECTION_OPTIONS
@PROFILE_OPTIONS
@pass_cli
def profile_dump(cli: CliContext, path: str | None, as_json: bool, **params: Any) -> None:
    """Dump the profile's processes to disk, organised by group, incrementally."""
    options = _validated(ProfileDumpOptions, params)
    plan = cli.service.plan_profile_dump(path, options)
    _announce(path, plan, as_json)
    _run(cli, plan, as_json, f"Raw files for profile `{cli.service.store.name}` dumped into folder `{plan.target}`.")


def _validated(model: type[ProcessDumpOptions], params: dict[str, Any]) -> Any:
    """Build the options; a contradiction (e.g. --past-days with --start-date) is a usage error."""
    try:
        return model.model_validate(_model_options(params))
    except ValidationError as exc:
        raise click.UsageError(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
