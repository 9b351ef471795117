"""A DumpPlan as people read it: a tree of changes with sizes, and AiiDA's count tables.

The CLI prints these with rich and the TUI shows them before a dump; both get the same
pydantic tree, so a preview in the TUI and `--dry-run` agree.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from .plan import DumpPlan

FILE_DETAIL_LIMIT = 200


class ChangeNode(BaseModel):
    """One path in the tree of changes; directories aggregate what lies below them."""

    name: str
    change: str = Field(default="", description="new, write, replace, remove, move, link, or '' for a parent.")
    detail: str = ""
    files: int = 0
    bytes: int = 0
    children: list[ChangeNode] = Field(default_factory=list)


def _insert(
    root: ChangeNode, path: str, change: str, *, detail: str = "", size: int = 0, counted: bool = False
) -> None:
    node = root
    parts = [] if path == "." else path.split("/")
    for index, part in enumerate(parts):
        if counted:
            node.files += 1
            node.bytes += size
        child = next((item for item in node.children if item.name == part), None)
        if child is None:
            child = ChangeNode(name=part)
            node.children.append(child)
        node = child
        if index == len(parts) - 1:
            node.change = node.change or change
            node.detail = node.detail or detail
    if counted:
        node.files += 1
        node.bytes += size


def plan_tree(plan: DumpPlan, *, file_limit: int = FILE_DETAIL_LIMIT) -> ChangeNode:
    """Every change under the target. Past `file_limit` files, files are summed per directory."""
    root = ChangeNode(name=plan.target)
    if plan.clear_target:
        root.change, root.detail = "remove", "everything of the earlier dump (--overwrite)"
    for move in plan.moves:
        _insert(root, move.destination, "move", detail=f"from {move.source}")
    for removal in plan.removals:
        _insert(root, removal.path, "remove", detail=removal.reason)
    for directory in plan.directories:
        if directory.safeguard or directory.slot is None:
            _insert(root, directory.path, "new")
    detailed = len(plan.files) <= file_limit
    for item in plan.files:
        if detailed:
            _insert(root, item.path, "replace" if item.replace else "write", size=item.size, counted=True)
        else:
            _insert(root, item.slot, "", size=item.size, counted=True)
    for link in plan.symlinks:
        _insert(root, link.path, "link", detail=f"-> {link.target}")
    return root


def count_rows(plan: DumpPlan) -> tuple[list[tuple[str, int, str]], list[tuple[str, int, str]]]:
    """AiiDA's 'Anticipated dump changes': the Nodes table and the Groups table."""
    counts = plan.counts
    nodes = [
        ("Calculations", counts.calculations, "new/modified"),
        ("Workflows", counts.workflows, "new/modified"),
        ("Total", counts.calculations + counts.workflows, "new/modified"),
        ("Nodes", counts.nodes_deleted, "deleted"),
    ]
    groups = [
        ("Groups", counts.groups_new, "new"),
        ("Groups", counts.groups_modified, "modified"),
        ("Groups", counts.groups_deleted, "deleted"),
        ("Groups", counts.groups_renamed, "renamed"),
        ("Node memberships", counts.memberships_added, "added"),
        ("Node memberships", counts.memberships_removed, "removed"),
    ]
    return nodes, groups
