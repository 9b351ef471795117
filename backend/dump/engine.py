"""Plan a process, group or profile dump: read the log, the graph and the needed contents.

Each dump kind differs only in its layout and selection; the rest (recovery from an
interrupted run, change detection, content loading, the diff) is shared, so the three
cannot drift apart (AiiDA's #6913: a group dumped through the profile path hung).
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import ParamSpec

from ..queries.dump_content import load_contents, load_log_lines
from ..queries.dump_graph import (
    GraphSnapshot,
    database_digest,
    existing_uuids,
    group_member_ids,
    load_graph,
    resolve_group,
    single_id,
)
from ..store.store import Store
from .errors import DumpOptionError, DumpStateError, UnsealedProcessError
from .guard import check_target
from .journal import recover
from .layout import GROUPS_DIRECTORY, ROOT, Layout, TopLevelRules, collection_layout, join, process_layout
from .naming import node_directory_name, safe_component, unique_group_paths
from .node_files import FileSource, NodeFileBuilder, generated_file
from .options import GroupDumpOptions, ProcessDumpOptions, ProfileDumpOptions
from .plan import DumpPlan, PlanTotals
from .planner import PlanRequest, build_plan
from .readme import render_readme
from .selection import Selection, select_group, select_profile, ungrouped_left_out
from .state import JOURNAL_FILE, DumpKind, DumpState, Scope, load_state

P = ParamSpec("P")
README_FILE = "README.md"
NOTHING_SELECTED = (
    "No profile data explicitly selected, so nothing is dumped: select everything with --all, "
    "or filter with --groups, --user, --computers, --codes, --past-days, --start-date or --end-date"
)


@dataclass(slots=True)
class Target:
    """Where a dump goes, what the log there says, and the store's digest now."""

    root: Path
    old: DumpState | None
    recovered: bool
    digest: str = ""

    def up_to_date(self, options: ProcessDumpOptions) -> bool:
        """Same store, same options, last run completed: the plan would be empty, so skip it."""
        old = self.old
        return (
            old is not None
            and not self.recovered
            and getattr(options, "filter_by_last_dump_time", True)
            and old.database_digest == self.digest
            and old.options_key == options.run_key()
        )

    def unchanged_plan(self, kind: DumpKind, subject: str, options: ProcessDumpOptions) -> DumpPlan:
        """The empty plan of an up-to-date target; every process the log places stays as it is."""
        placed = sum(1 for record in self.old.nodes.values() if record.paths) if self.old else 0
        return DumpPlan(
            kind=kind,
            subject=subject,
            target=str(self.root),
            mode=options.mode,
            up_to_date=True,
            notes=["nothing changed since the last dump"],
            totals=PlanTotals(nodes_unchanged=placed),
        )


def open_target(store: Store, root: Path, kind: DumpKind, target: str, options: ProcessDumpOptions) -> Target:
    """Check the directory, finish an interrupted run's cleanup (not in a dry run), read the log."""
    root = root.expanduser().absolute()
    check_target(root)
    recovered = False
    if not options.dry_run and (root / JOURNAL_FILE).exists():
        recovered = recover(root, load_state(root))
    elif options.dry_run:
        recovered = (root / JOURNAL_FILE).exists()
    old = None if options.overwrite else load_state(root)
    if old is not None and (old.kind != kind or old.target != target):
        raise DumpStateError(
            f"{root} holds the dump of {old.kind} '{old.target}'", "{path}, or {overwrite} to replace it"
        )
    # The digest is compared with the log's, and recorded in the new log: a dry run with no log needs neither.
    digest = database_digest(store) if old is not None or not options.dry_run else ""
    return Target(root, old, recovered, digest)


def _deleted(store: Store, graph: GraphSnapshot, old: DumpState | None) -> tuple[set[str], set[str]]:
    """Recorded processes and groups that no longer exist in the store."""
    if old is None:
        return set(), set()
    known = {info.uuid for info in graph.processes.values()}
    unknown = set(old.nodes) - known
    nodes, groups = existing_uuids(store, unknown, set(old.groups))
    return unknown - nodes, set(old.groups) - groups


def _needs_content(
    graph: GraphSnapshot, layout: Layout, old: DumpState | None, *, content_key: str, force: bool
) -> set[int]:
    """Processes whose files must be (re)computed: new, changed, or given a new directory."""
    if force or old is None or old.content_key != content_key or old.env_key != graph.env_key:
        return {slot.pk for slot in layout.slots if slot.role != "link"}
    placed: dict[int, set[str]] = {}
    for slot in layout.slots:
        if slot.role != "link":
            placed.setdefault(slot.pk, set()).add(slot.path)
    needed = set()
    for pk, paths in placed.items():
        info = graph.processes[pk]
        record = old.nodes.get(info.uuid)
        if record is None or record.fingerprint != info.fingerprint or not paths <= set(record.paths):
            needed.add(pk)
    return needed


def _check_sealed(graph: GraphSnapshot, layout: Layout, options: ProcessDumpOptions) -> None:
    if options.dump_unsealed:
        return
    for slot in layout.slots:
        if not graph.processes[slot.pk].sealed:
            raise UnsealedProcessError(
                f"process {slot.pk} is not sealed (still running?)", "wait for it to finish, or {dump_unsealed}"
            )


def _plan(
    store: Store,
    *,
    kind: DumpKind,
    subject: str,
    target_id: str,
    target: Target,
    options: ProcessDumpOptions,
    graph: GraphSnapshot,
    layout: Layout,
    now: datetime,
    selection: Selection | None = None,
    root_files: dict[str, FileSource] | None = None,
) -> DumpPlan:
    _check_sealed(graph, layout, options)
    old = target.old
    deleted_nodes, deleted_groups = _deleted(store, graph, old)
    trust_log = getattr(options, "filter_by_last_dump_time", True)
    content_key = options.content_key()
    needed = _needs_content(graph, layout, old, content_key=content_key, force=target.recovered or not trust_log)
    contents = (
        load_contents(
            store,
            graph.processes,
            needed,
            inputs=options.include_inputs,
            outputs=options.include_outputs,
            complete=graph.complete,
        )
        if needed
        else {}
    )
    builder = NodeFileBuilder(options, graph.people)
    files = {pk: builder.files(content) for pk, content in contents.items()}
    request = PlanRequest(
        kind=kind,
        subject=subject,
        root=target.root,
        mode=options.mode,
        target=target_id,
        old=old,
        clear_target=options.overwrite and target.root.exists(),
        layout=layout,
        graph=graph,
        files=files,
        root_files=root_files,
        deleted_nodes=deleted_nodes,
        deleted_groups=deleted_groups,
        delete_missing=getattr(options, "delete_missing", True),
        verify_disk=target.recovered or not trust_log,
        scope=selection.scope if selection is not None else Scope(),
        content_key=content_key,
        env_key=graph.env_key,
        database_digest=target.digest,
        options_key=options.run_key(),
        now=now,
    )
    plan = build_plan(request)
    if target.recovered:
        plan.notes.append(
            "an interrupted earlier dump was found: its leftovers are cleaned up and every file re-checked"
        )
    return plan


def _cycle_collection_paused(plan: Callable[P, DumpPlan]) -> Callable[P, DumpPlan]:
    """Pause Python's cycle collector while a plan is built, and resume it after (if it was on).

    A plan is tens of thousands of objects that outlive the planning and form no cycles; the
    collector would walk them again and again as they pile up, a third of a dry run's time.
    """

    @functools.wraps(plan)
    def paused(*args: P.args, **kwargs: P.kwargs) -> DumpPlan:
        if not gc.isenabled():
            return plan(*args, **kwargs)
        gc.disable()
        try:
            return plan(*args, **kwargs)
        finally:
            gc.enable()

    return paused


@_cycle_collection_paused
def plan_process_dump(store: Store, pk: int, path: Path | None, options: ProcessDumpOptions) -> DumpPlan:
    now = datetime.now(UTC)
    graph = load_graph(store, single_id(pk))
    if pk not in graph.processes:
        raise DumpOptionError(f"node {pk} is not a process; only processes, groups and profiles are dumped")
    info = graph.processes[pk]
    layout = process_layout(graph, pk)
    default = Path.cwd() / node_directory_name(info.label, info.process_label, info.process_type, pk)
    target = open_target(store, path or default, "process", info.uuid, options)
    if target.up_to_date(options):
        return target.unchanged_plan("process", f"process {pk}", options)
    logs = load_log_lines(store, [pk]).get(pk, [])
    readme = render_readme(graph, pk, logs)
    return _plan(
        store,
        kind="process",
        subject=f"process {pk}",
        target_id=info.uuid,
        target=target,
        options=options,
        graph=graph,
        layout=layout,
        now=now,
        root_files={README_FILE: generated_file(readme)},
    )


@_cycle_collection_paused
def plan_group_dump(store: Store, identifier: str | int, path: Path | None, options: GroupDumpOptions) -> DumpPlan:
    now = datetime.now(UTC)
    group = resolve_group(store, identifier)
    default = Path.cwd() / unique_group_paths([(group.pk, group.label)])[group.pk]
    target = open_target(store, path or default, "group", group.uuid, options)
    subject = f"group '{group.label}'"
    if target.up_to_date(options):
        return target.unchanged_plan("group", subject, options)
    graph = load_graph(store, group_member_ids(group.pk))
    selection = select_group(store, graph, group.pk, options, target.old, now)
    layout = collection_layout(
        graph,
        groups=[(group.pk, ROOT)],
        selected=selection.selected,
        ungrouped=None,
        organize_by_groups=True,
        rules=TopLevelRules(options.only_top_level_calcs, options.only_top_level_workflows),
        symlink_calcs=options.symlink_calcs,
    )
    return _plan(
        store,
        kind="group",
        subject=subject,
        target_id=group.uuid,
        target=target,
        options=options,
        graph=graph,
        layout=layout,
        now=now,
        selection=selection,
    )


@_cycle_collection_paused
def plan_profile_dump(store: Store, path: Path | None, options: ProfileDumpOptions) -> DumpPlan:
    now = datetime.now(UTC)
    name = store.name or "profile"
    target = open_target(store, path or Path.cwd() / safe_component(name), "profile", name, options)
    subject = f"profile '{name}'"
    if target.up_to_date(options):
        return target.unchanged_plan("profile", subject, options)
    if not options.has_selection and target.old is None:
        return DumpPlan(
            kind="profile",
            subject=subject,
            target=str(target.root),
            mode=options.mode,
            selected=False,
            notes=[NOTHING_SELECTED],
        )
    graph = load_graph(store)
    selection = select_profile(store, graph, options, target.old, now)
    computed = unique_group_paths([(pk, group.label) for pk, group in graph.groups.items()])
    recorded = {record.pk: record.path for record in (target.old.groups.values() if target.old else [])}
    paths = {
        pk: recorded[pk] if not options.relabel_groups and pk in recorded else join(GROUPS_DIRECTORY, computed[pk])
        for pk in selection.groups
    }
    layout = collection_layout(
        graph,
        groups=[(pk, paths[pk]) for pk in selection.groups],
        selected=selection.selected,
        ungrouped=selection.ungrouped,
        organize_by_groups=options.organize_by_groups,
        rules=TopLevelRules(options.only_top_level_calcs, options.only_top_level_workflows),
        symlink_calcs=options.symlink_calcs,
        always_create=selection.explicit_groups,
    )
    plan = _plan(
        store,
        kind="profile",
        subject=subject,
        target_id=name,
        target=target,
        options=options,
        graph=graph,
        layout=layout,
        now=now,
        selection=selection,
    )
    if left_out := ungrouped_left_out(graph, selection, options):
        plan.notes.append(
            f"{left_out} process{' in no group is' if left_out == 1 else 'es in no group are'} left out: "
            "add --also-ungrouped to dump them under ungrouped/"
        )
    return plan
