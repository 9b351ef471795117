"""`provtop group`: named sets of nodes."""

from __future__ import annotations

import click

from provtop.backend.service.group_actions import GroupDeleteFilter, GroupSummary

from .context import CliContext, pass_cli
from .output import attributes_of, console, json_option, print_json, print_table, success


def _groups_table(title: str | None, groups: list[GroupSummary]) -> None:
    print_table(title, ["PK", "Label", "Type string", "User", "Nodes"],
                [(g.pk, g.label, g.type_string, g.user, g.count) for g in groups])


@click.group()
def group() -> None:
    """Create, list, show, fill, relabel and delete groups."""


@group.command("create")
@click.argument("label")
@click.option("-D", "--description", default="")
@json_option
@pass_cli
def create(cli: CliContext, label: str, description: str, as_json: bool) -> None:
    """Create group LABEL."""
    summary = cli.service.create_group(label, description=description)
    print_json(summary) if as_json else success(f"created group '{summary.label}' (pk {summary.pk})")


@group.command("list")
@click.option("-T", "--type-string", help="Only groups of this type string.")
@json_option
@pass_cli
def list_(cli: CliContext, type_string: str | None, as_json: bool) -> None:
    """List groups with their member counts."""
    groups = cli.service.list_groups(type_string=type_string)
    print_json(groups) if as_json else _groups_table(None, groups)


@group.command("show")
@click.argument("group_id", metavar="GROUP")
@json_option
@pass_cli
def show(cli: CliContext, group_id: str, as_json: bool) -> None:
    """Show GROUP (label, uuid or pk) and its members."""
    summary, members = cli.service.show_group(group_id)
    if as_json:
        print_json({"group": summary, "nodes": members})
        return
    _groups_table(f"Group {summary.label}", [summary])
    print_table("Members", ["PK", "Type", "Label", "State"],
                [(n.pk, n.node_type, n.label, attributes_of(n).get("process_state")) for n in members])


@group.command("add")
@click.argument("group_id", metavar="GROUP")
@click.argument("nodes", nargs=-1, required=True)
@pass_cli
def add(cli: CliContext, group_id: str, nodes: tuple[str, ...]) -> None:
    """Add NODES (pks or uuids) to GROUP."""
    success(cli.service.add_to_group(group_id, list(nodes)).message)


@group.command("remove")
@click.argument("group_id", metavar="GROUP")
@click.argument("nodes", nargs=-1, required=True)
@pass_cli
def remove(cli: CliContext, group_id: str, nodes: tuple[str, ...]) -> None:
    """Remove NODES from GROUP (the nodes stay in the store)."""
    success(cli.service.remove_from_group(group_id, list(nodes)).message)


@group.command("relabel")
@click.argument("group_id", metavar="GROUP")
@click.argument("label")
@pass_cli
def relabel(cli: CliContext, group_id: str, label: str) -> None:
    """Give GROUP a new LABEL."""
    success(cli.service.relabel_group(group_id, label).message)


@group.command("delete")
@click.argument("groups", nargs=-1)
@click.option("-s", "--startswith", help="Label starts with this (OR-combined with -e and -c).")
@click.option("-e", "--endswith", help="Label ends with this.")
@click.option("-c", "--contains", help="Label contains this.")
@click.option("-p", "--past-days", type=click.IntRange(min=0), help="Created in the past N days.")
@click.option("-T", "--type-string", default="core", show_default=True, help="Type string; % and _ are wildcards.")
@click.option("-N", "--node", help="Only groups that contain this node.")
@click.option("-u", "--user", help="Only groups of this user (default: yours).")
@click.option("-A", "--all-users", is_flag=True, help="Groups of every user.")
@click.option("--delete-nodes", is_flag=True, help="Also delete the member nodes and what provenance ties to them.")
@click.option("--dry-run", is_flag=True, help="Show what would be deleted, delete nothing.")
@click.option("-f", "--force", is_flag=True, help="Do not ask for confirmation.")
@json_option
@pass_cli
def delete(cli: CliContext, groups: tuple[str, ...], startswith: str | None, endswith: str | None,
           contains: str | None, past_days: int | None, type_string: str, node: str | None, user: str | None,
           all_users: bool, delete_nodes: bool, dry_run: bool, force: bool, as_json: bool) -> None:
    """Delete GROUPS, or the groups the filters pick (never both)."""
    flt = GroupDeleteFilter(startswith=startswith, endswith=endswith, contains=contains, past_days=past_days,
                            type_string=type_string, node=node, user=user, all_users=all_users)
    found = cli.service.find_groups(list(groups), flt)
    if not found:
        print_json({"groups": [], "message": "no groups matched"}) if as_json else click.echo(
            "No groups found matching the specified criteria.")
        return
    pks = [g.pk for g in found]
    if dry_run or not force:
        preview = cli.service.delete_groups(pks, delete_members=delete_nodes, dry_run=True)
        if dry_run:
            if as_json:
                print_json({"groups": found, "result": preview})
            else:
                _groups_table("Would have deleted:", found)
                console.print(preview.message)
            return
        _groups_table("Groups to delete", found)
        click.confirm(f"{preview.message[0].upper()}{preview.message[1:]}: proceed?", abort=True)
    result = cli.service.delete_groups(pks, delete_members=delete_nodes)
    print_json({"groups": found, "result": result}) if as_json else success(result.message)
