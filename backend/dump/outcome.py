"""What a plan leaves behind: the dump log of the run, and the counts that summarise it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .layout import ROOT
from .plan import DumpCounts, DumpPlan, PlanTotals
from .state import DumpState, GroupRecord, NodeRecord

if TYPE_CHECKING:
    from .planner import PlanRequest


def depth(path: str) -> tuple[int, str]:
    """Sort key: shallow paths first, '.' before everything."""
    return (0 if path == ROOT else path.count("/") + 1, path)


def new_state(
    request: PlanRequest,
    old: DumpState,
    uuid_pk: dict[str, int],
    dirs: dict[str, str],
    links: dict[str, tuple[str, str]],
    containers: list[str],
) -> DumpState:
    """The log after the run: each process's copies (primary first), links, files and fingerprint."""
    paths: dict[str, list[str]] = {}
    primaries = {request.graph.processes[pk].uuid: path for pk, path in request.layout.primaries().items()}
    for path in sorted(dirs, key=lambda p: (p != primaries.get(dirs[p]), depth(p))):
        paths.setdefault(dirs[path], []).append(path)
    link_map: dict[str, dict[str, str]] = {}
    for path, (uuid, target) in links.items():
        link_map.setdefault(uuid, {})[path] = target
    nodes: dict[str, NodeRecord] = {}
    for uuid in sorted(set(paths) | set(link_map)):
        pk = uuid_pk.get(uuid)
        previous = old.nodes.get(uuid)
        files: dict[str, str] | None = None
        if pk is not None and pk in request.graph.processes:
            info = request.graph.processes[pk]
            computed = request.files.get(pk)
            if computed is not None:
                files = {relative: source.digest for relative, source in computed.items()}
            kind, fingerprint = info.kind, info.fingerprint
        else:
            assert previous is not None  # a deleted process kept by --no-delete-missing
            kind, fingerprint, pk = previous.kind, previous.fingerprint, previous.pk
        if files is None:
            files = dict(previous.files) if previous is not None else {}
        # Built from validated data: skip validation, it is a measurable part of a no-change run.
        nodes[uuid] = NodeRecord.model_construct(
            pk=pk,
            kind=kind,
            fingerprint=fingerprint,
            paths=paths.get(uuid, []),
            links=link_map.get(uuid, {}),
            files=files,
        )
    root_files = request.root_files
    return DumpState(
        kind=request.kind,
        target=request.target,
        content_key=request.content_key,
        env_key=request.env_key,
        database_digest=request.database_digest,
        options_key=request.options_key,
        last_dump_time=request.now,
        scope=request.scope,
        containers=sorted(containers, key=depth),
        root_files={relative: source.digest for relative, source in root_files.items()} if root_files else {},
        nodes=nodes,
        groups=_group_records(request, old, containers),
    )


def _group_records(request: PlanRequest, old: DumpState, containers: list[str]) -> dict[str, GroupRecord]:
    graph, layout = request.graph, request.layout
    records: dict[str, GroupRecord] = {}
    for group_pk, path in layout.group_paths.items():
        group = graph.groups[group_pk]
        members = sorted(graph.processes[pk].uuid for pk in layout.placed_in_group.get(group_pk, ()))
        records[group.uuid] = GroupRecord(pk=group_pk, label=group.label, path=path, nodes=members)
    for uuid, record in old.groups.items():
        if uuid not in records and record.path in containers:
            records[uuid] = record
    return records


def summarise(plan: DumpPlan, request: PlanRequest, old: DumpState, changed: set[str], dirs: dict[str, str]) -> None:
    """AiiDA's counts (processes, groups, memberships) and the plan's totals."""
    state = plan.state
    assert state is not None
    counts = DumpCounts()
    for uuid in changed - request.deleted_nodes:
        record = state.nodes.get(uuid) or old.nodes.get(uuid)
        if record is not None:
            counts.calculations += record.kind == "calculation"
            counts.workflows += record.kind == "workflow"
    counts.nodes_deleted = len(
        [uuid for uuid in request.deleted_nodes if uuid in old.nodes and uuid not in state.nodes]
    )
    for uuid, record in state.groups.items():
        before = old.groups.get(uuid)
        if before is None:
            counts.groups_new += 1
            counts.memberships_added += len(record.nodes)
            continue
        added, removed = set(record.nodes) - set(before.nodes), set(before.nodes) - set(record.nodes)
        counts.memberships_added += len(added)
        counts.memberships_removed += len(removed)
        counts.groups_modified += bool(added or removed)
        counts.groups_renamed += before.path != record.path
    counts.groups_deleted = len([uuid for uuid in old.groups if uuid not in state.groups])
    plan.counts = counts
    written = {item.slot for item in plan.files} | {item.path for item in plan.directories if item.safeguard}
    plan.totals = PlanTotals(
        directories=len(plan.directories),
        files=len(plan.files),
        bytes=sum(item.size for item in plan.files),
        symlinks=len(plan.symlinks),
        removals=len(plan.removals),
        moves=len(plan.moves),
        prunes=len(plan.prunes),
        nodes_written=len(written & set(dirs)),
        nodes_unchanged=len(set(dirs.values()) - changed),
    )
