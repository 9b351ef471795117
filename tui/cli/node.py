"""`provtop node`: look at nodes, their links, attributes and extras."""

from __future__ import annotations

import click

from provtop.backend.queries.filters import NodeFilter, PageRequest

from .context import CliContext, pass_cli
from .output import attributes_of, json_option, print_json, print_mapping, print_table


@click.group()
def node() -> None:
    """Show and list nodes (by pk, uuid or uuid prefix)."""


@node.command("show")
@click.argument("identifier")
@json_option
@pass_cli
def show(cli: CliContext, identifier: str, as_json: bool) -> None:
    """Show a node with its incoming and outgoing links."""
    detail = cli.service.show_node(identifier)
    if as_json:
        print_json(detail)
        return
    n = detail.node
    print_mapping(
        f"Node {n.pk}",
        {"type": n.node_type, "uuid": n.uuid, "label": n.label, "description": n.description,
         "ctime": n.ctime, "mtime": n.mtime, "computer": n.computer, "user": n.user,
         "process_type": n.process_type, "files": ", ".join(sorted(n.repository_metadata)) or None},
    )
    for title, links in (("Inputs (incoming)", detail.incoming), ("Outputs (outgoing)", detail.outgoing)):
        if links:
            print_table(title, ["Link label", "Link type", "PK", "Type", "Label"],
                        [(l.link_label, l.link_type, l.pk, l.node_type, l.label) for l in links])


@node.command("attributes")
@click.argument("identifier")
@json_option
@pass_cli
def attributes(cli: CliContext, identifier: str, as_json: bool) -> None:
    """Show a node's attributes."""
    values = cli.service.node_attributes(identifier)
    print_json(values) if as_json else print_mapping(f"Attributes of {identifier}", values)


@node.command("extras")
@click.argument("identifier")
@json_option
@pass_cli
def extras(cli: CliContext, identifier: str, as_json: bool) -> None:
    """Show a node's extras."""
    values = cli.service.node_extras(identifier)
    print_json(values) if as_json else print_mapping(f"Extras of {identifier}", values)


@node.command("list")
@click.option("-t", "--type", "node_types", multiple=True, help="node_type or prefix, e.g. 'process.' (repeatable).")
@click.option("-S", "--state", "states", multiple=True, help="Process state (repeatable).")
@click.option("-l", "--label", help="Exact label.")
@click.option("-g", "--group", help="Only members of this group.")
@click.option("-n", "--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--after", type=int, help="Continue after this pk (the previous page's last).")
@json_option
@pass_cli
def list_(cli: CliContext, node_types: tuple[str, ...], states: tuple[str, ...], label: str | None,
          group: str | None, limit: int, after: int | None, as_json: bool) -> None:
    """List nodes, newest first, a page at a time."""
    flt = NodeFilter(node_types=list(node_types) or None, process_states=list(states) or None, label=label, group=group)
    page = cli.service.list_nodes(flt, PageRequest(size=limit, after_pk=after))
    if as_json:
        print_json(page)
        return
    print_table(f"{page.total} node(s)", ["PK", "Type", "Label", "State", "Created"],
                [(n.pk, n.node_type, n.label, attributes_of(n).get("process_state"), f"{n.ctime:%Y-%m-%d %H:%M:%S}")
                 for n in page.nodes])
    if page.next_after_pk:
        click.echo(f"more: provtop node list --after {page.next_after_pk}")
