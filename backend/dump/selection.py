"""Which groups and processes a group or profile dump covers.

Improvements on AiiDA 2.7 (aiida-behaviour.md §1.8): filters without --groups apply to the
members of every group (AiiDA then dumps nothing unless --also-ungrouped); 'ungrouped' means
in no group at all; and a dump keeps following what earlier runs dumped, so a bare rerun at
the same --path refreshes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..queries.dump_graph import GraphSnapshot, matching_process_ids, resolve_group, resolve_ids
from ..store.store import Store
from .layout import TopLevelRules
from .options import GroupDumpOptions, ProfileDumpOptions
from .state import DumpState, Scope


@dataclass(slots=True)
class Selection:
    groups: list[int] = field(default_factory=list)  # group pks in scope
    explicit_groups: frozenset[int] = frozenset()
    selected: set[int] = field(default_factory=set)
    ungrouped: list[int] | None = None
    scope: Scope = field(default_factory=Scope)


def _recorded_pks(graph: GraphSnapshot, old: DumpState | None) -> set[int]:
    if old is None:
        return set()
    by_uuid = {info.uuid: pk for pk, info in graph.processes.items()}
    return {by_uuid[uuid] for uuid in old.nodes if uuid in by_uuid}


def _time_matches(store: Store, options: GroupDumpOptions, now: datetime) -> set[int] | None:
    if not options.has_time_filter:
        return None
    lower, upper = options.time_window(now)
    return matching_process_ids(store, mtime_after=lower, mtime_before=upper)


def top_level_ok(graph: GraphSnapshot, pk: int, rules: TopLevelRules) -> bool:
    info = graph.processes[pk]
    if info.caller is None or info.caller not in graph.processes:
        return True
    return not (rules.calcs if info.kind == "calculation" else rules.workflows)


def select_group(
    store: Store, graph: GraphSnapshot, group_pk: int, options: GroupDumpOptions, old: DumpState | None, now: datetime
) -> Selection:
    members = set(graph.groups[group_pk].members)
    matches = _time_matches(store, options, now)
    chosen = members if matches is None else members & matches
    chosen |= _recorded_pks(graph, old) & members
    scope = Scope(groups=[graph.groups[group_pk].uuid])
    return Selection(groups=[group_pk], explicit_groups=frozenset({group_pk}), selected=chosen, scope=scope)


def select_profile(
    store: Store, graph: GraphSnapshot, options: ProfileDumpOptions, old: DumpState | None, now: datetime
) -> Selection:
    previous = old.scope if old is not None else Scope()
    requested = {resolve_group(store, identifier).uuid for identifier in options.groups}
    scope = Scope(
        all_entries=previous.all_entries or options.all_entries,
        groups=sorted(set(previous.groups) | requested),
        ungrouped=previous.ungrouped or options.also_ungrouped,
    )
    by_uuid = {group.uuid: pk for pk, group in graph.groups.items()}
    recorded_groups = {by_uuid[uuid] for uuid in (old.groups if old else {}) if uuid in by_uuid}
    explicit = {by_uuid[uuid] for uuid in scope.groups if uuid in by_uuid} | recorded_groups
    if scope.all_entries:
        return Selection(
            groups=sorted(graph.groups),
            explicit_groups=frozenset(graph.groups),
            selected=set(graph.processes),
            ungrouped=_ungrouped(graph, set(graph.processes), options) if scope.ungrouped else None,
            scope=scope,
        )
    filtered = bool(options.user or options.computers or options.codes or options.has_time_filter)
    groups = set(graph.groups) if filtered and not scope.groups else explicit
    selected = _filtered(store, graph, options, now) if filtered else set(graph.processes)
    selected |= _recorded_pks(graph, old)
    return Selection(
        groups=sorted(groups | recorded_groups),
        explicit_groups=frozenset(explicit),
        selected=selected,
        ungrouped=_ungrouped(graph, selected, options) if scope.ungrouped else None,
        scope=scope,
    )


def _filtered(store: Store, graph: GraphSnapshot, options: ProfileDumpOptions, now: datetime) -> set[int]:
    lower, upper = options.time_window(now)
    return matching_process_ids(
        store,
        user=options.user,
        computer_ids=resolve_ids(store, "computer", options.computers) if options.computers else None,
        code_ids=resolve_ids(store, "code", options.codes) if options.codes else None,
        mtime_after=lower,
        mtime_before=upper,
    ) & set(graph.processes)


def _ungrouped(graph: GraphSnapshot, selected: set[int], options: ProfileDumpOptions) -> list[int]:
    rules = TopLevelRules(options.only_top_level_calcs, options.only_top_level_workflows)
    return sorted(pk for pk in selected if not graph.memberships.get(pk) and top_level_ok(graph, pk, rules))


def ungrouped_left_out(graph: GraphSnapshot, selection: Selection, options: ProfileDumpOptions) -> int:
    """Selected processes in no group that a dump without --also-ungrouped leaves out: AiiDA's
    rule, which surprises (aiida-behaviour.md §1.8), so the plan says how many and how to add them."""
    if selection.ungrouped is not None:
        return 0
    return len(_ungrouped(graph, selection.selected, options))
