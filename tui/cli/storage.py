"""`provtop storage`: what the store holds, its upkeep and its schema version."""

from __future__ import annotations

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from provtop.backend.service.storage_actions import migrate_profile

from .context import CliContext, pass_cli
from .output import console, human_size, json_option, print_json, print_mapping, print_table, success


@click.group()
def storage() -> None:
    """Inspect, maintain and migrate the profile's store."""


@storage.command("info")
@click.option("--detailed", is_flag=True, help="Also count nodes per type and per day of creation.")
@json_option
@pass_cli
def info(cli: CliContext, detailed: bool, as_json: bool) -> None:
    """Show the profile's store: where it is and what it holds."""
    summary = cli.service.storage_info()
    statistics = cli.service.creation_statistics() if detailed else None
    if as_json:
        print_json({"storage": summary, **({"statistics": statistics} if statistics else {})})
        return
    values = summary.model_dump()
    values["repository_bytes"] = human_size(summary.repository_bytes)
    values["process_states"] = ", ".join(f"{k} {v}" for k, v in sorted(summary.process_states.items())) or "none"
    print_mapping(f"Profile {summary.profile}", values)
    if statistics:
        print_table("Nodes per type", ["Type", "Count"], sorted(statistics.types.items()))
        print_table("Nodes per day (UTC)", ["Day", "Count"], statistics.ctime_by_day.items())


@storage.command("maintain")
@click.option("--dry-run", is_flag=True, help="Say what would be deleted, change nothing.")
@click.option("-f", "--force", is_flag=True, help="Do not ask for confirmation.")
@json_option
@pass_cli
def maintain(cli: CliContext, dry_run: bool, force: bool, as_json: bool) -> None:
    """Delete files no node references, clear leftovers of crashed writes, vacuum the database."""
    plan = cli.service.plan_maintenance()
    summary = (f"{len(plan.unreferenced_keys)} unreferenced object(s) ({human_size(plan.unreferenced_bytes)}) "
               f"of {plan.objects_total}, {plan.staging_files} leftover temporary file(s)")
    if dry_run:
        if as_json:
            print_json({"dry_run": True, **plan.model_dump(exclude={"unreferenced_keys"}),
                        "unreferenced_objects": len(plan.unreferenced_keys)})
        else:
            console.print(f"Would delete {summary}, then vacuum the database.")
            if plan.skipped_recent:
                console.print(f"{plan.skipped_recent} recent object(s) are kept: a writer may still be using them.")
        return
    if not force and not as_json:
        click.confirm(f"Delete {summary} and vacuum?", abort=True)
    with Progress(TextColumn("deleting objects"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, disable=as_json) as progress:
        task = progress.add_task("delete", total=max(len(plan.unreferenced_keys), 1))
        report = cli.service.run_maintenance(plan, lambda done, total: progress.update(task, completed=done))
        progress.update(task, completed=max(len(plan.unreferenced_keys), 1))
    if as_json:
        print_json(report)
    else:
        success(f"deleted {report.deleted_objects} object(s), freed {human_size(report.freed_bytes)}, "
                f"removed {report.deleted_staging_files} leftover file(s), vacuumed the database")


@storage.command("migrate")
@click.option("-f", "--force", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def migrate(ctx: click.Context, force: bool) -> None:
    """Upgrade the profile's store to this provtop's schema (back it up first)."""
    if not force:
        click.confirm("Migrate the store? Back it up first: older provtop versions cannot open it afterwards.",
                      abort=True)
    success(migrate_profile(ctx.find_root().params.get("profile_name")).message)
