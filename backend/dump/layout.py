"""Where each process goes: the directories (and symlinks) of a process, group or profile dump.

The layout is a pure function of the graph, the scope and the options: the same database
gives the same tree, whatever the history of earlier runs. A process placed more than once
has one primary copy (the first in this order: groups by path, calculations before
workflows, pk order, called processes in call order) and full copies or symlinks elsewhere.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from ..queries.dump_graph import GraphSnapshot
from .naming import child_directory_name, node_directory_name

ROOT = "."
GROUPS_DIRECTORY = "groups"
UNGROUPED_DIRECTORY = "ungrouped"


def join(*parts: str) -> str:
    kept = [part for part in parts if part and part != ROOT]
    return "/".join(kept) if kept else ROOT


class Slot(NamedTuple):
    """One placement of a process (a named tuple: immutable, and the cheapest to make one per directory)."""

    path: str
    pk: int
    role: Literal["primary", "copy", "link"]


@dataclass(slots=True)
class Layout:
    slots: list[Slot] = field(default_factory=list)
    containers: list[str] = field(default_factory=lambda: [ROOT])
    group_paths: dict[int, str] = field(default_factory=dict)  # group pk -> its directory
    placed_in_group: dict[int, set[int]] = field(default_factory=dict)  # group pk -> processes placed

    def primaries(self) -> dict[int, str]:
        return {slot.pk: slot.path for slot in self.slots if slot.role == "primary"}


@dataclass(frozen=True, slots=True)
class TopLevelRules:
    """--only-top-level-calcs / --only-top-level-workflows."""

    calcs: bool = True
    workflows: bool = True


class LayoutBuilder:
    """Adds process trees in canonical order; the first placement of a process is its primary."""

    def __init__(self, graph: GraphSnapshot, *, symlink_calcs: bool) -> None:
        self.graph = graph
        self.symlink_calcs = symlink_calcs
        self.layout = Layout()
        self._primary: dict[int, str] = {}
        self._taken: set[str] = set()

    def directory_name(self, pk: int) -> str:
        info = self.graph.processes[pk]
        return node_directory_name(info.label, info.process_label, info.process_type, pk)

    def add_tree(self, pk: int, path: str) -> None:
        """The process at `path` and its called processes, numbered, below it."""
        if path in self._taken:
            return
        self._taken.add(path)
        info = self.graph.processes[pk]
        if pk in self._primary:
            if self.symlink_calcs and info.kind == "calculation":
                self.layout.slots.append(Slot(path, pk, "link"))
                return
            self.layout.slots.append(Slot(path, pk, "copy"))
        else:
            self._primary[pk] = path
            self.layout.slots.append(Slot(path, pk, "primary"))
        for index, child in enumerate(self.graph.children.get(pk, []), start=1):
            child_info = self.graph.processes[child]
            name = child_directory_name(index, child_info.call_label or "", child_info.process_label, child)
            self.add_tree(child, join(path, name))

    def add_collection(self, base: str, members: Iterable[int], *, expand: TopLevelRules | None = None) -> list[int]:
        """Members under `base`/calculations and `base`/workflows; returns the pks placed.

        With `expand`, the called descendants of member workflows get directories of their
        own too, where the rules ask for it (--no-only-top-level-calcs/workflows).
        """
        chosen = set(members)
        if expand is not None and not (expand.calcs and expand.workflows):
            for pk in list(chosen):
                for descendant in self.graph.descendants(pk):
                    kind = self.graph.processes[descendant].kind
                    if (kind == "calculation" and not expand.calcs) or (kind == "workflow" and not expand.workflows):
                        chosen.add(descendant)
        ordered = sorted(chosen, key=lambda pk: (self.graph.processes[pk].kind != "calculation", pk))
        for pk in ordered:
            kind_directory = "calculations" if self.graph.processes[pk].kind == "calculation" else "workflows"
            self.add_tree(pk, join(base, kind_directory, self.directory_name(pk)))
        return ordered


def process_layout(graph: GraphSnapshot, pk: int) -> Layout:
    """A single process dump: the process is the root, its called processes nested below."""
    builder = LayoutBuilder(graph, symlink_calcs=False)
    builder.add_tree(pk, ROOT)
    return builder.layout


def collection_layout(
    graph: GraphSnapshot,
    *,
    groups: list[tuple[int, str]],
    selected: set[int],
    ungrouped: list[int] | None,
    organize_by_groups: bool,
    rules: TopLevelRules,
    symlink_calcs: bool,
    always_create: frozenset[int] = frozenset(),
) -> Layout:
    """A group or profile dump.

    `groups` are (pk, relative directory) in scope, `selected` the processes that may be
    placed, `ungrouped` the processes for ungrouped/ (None: no ungrouped pass). A group
    directory is made when something is placed in it or when it is in `always_create`.
    """
    builder = LayoutBuilder(graph, symlink_calcs=symlink_calcs)
    layout = builder.layout
    for group_pk, path in sorted(groups, key=lambda item: item[1]):
        members = [pk for pk in graph.groups[group_pk].members if pk in selected] if group_pk in graph.groups else []
        base = path if organize_by_groups else ROOT
        placed = builder.add_collection(base, members, expand=rules)
        layout.placed_in_group[group_pk] = set(placed)
        layout.group_paths[group_pk] = path
        if organize_by_groups and path != ROOT and (placed or group_pk in always_create):
            layout.containers.append(path)
    if ungrouped is not None:
        base = UNGROUPED_DIRECTORY if organize_by_groups else ROOT
        builder.add_collection(base, ungrouped)
        if organize_by_groups:
            layout.containers.append(UNGROUPED_DIRECTORY)
    return layout


def symlink_target(link_path: str, primary_path: str) -> str:
    """The relative target of a symlink at `link_path` pointing to `primary_path`."""
    return posixpath.relpath(primary_path, posixpath.dirname(link_path) or ROOT)
