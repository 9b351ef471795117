"""What a plan leaves behind: the dump log of the run, and the counts that summarise it."""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING

from ..queries.dump_content import file_digest
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
    groups: dict[str, GroupRecord],
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
                files = {relative: file_digest(source) for relative, source in computed.items()}
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
        root_files={relative: file_digest(source) for relative, source in root_files.items()} if root_files else {},
        nodes=nodes,
        groups=groups,
    )


def group_records(request: PlanRequest, old: DumpState, containers: list[str]) -> dict[str, GroupRecord]:
    """The groups of the log after the run: those placed now, and those whose directory stays."""
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


def summarise(
    plan: DumpPlan,
    request: PlanRequest,
    old: DumpState,
    uuid_pk: dict[str, int],
    changed: set[str],
    dirs: dict[str, str],
    links: dict[str, tuple[str, str]],
    groups: dict[str, GroupRecord],
) -> None:
    """AiiDA's counts (processes, groups, memberships) and the plan's totals.

    Worked out from the placements, not from the new log, which a dry run does not build.
    """
    processes = request.graph.processes
    kinds: list[str] = []
    for uuid in changed - request.deleted_nodes:
        pk = uuid_pk.get(uuid)
        record = old.nodes.get(uuid)
        kinds.append(processes[pk].kind if pk is not None else record.kind if record is not None else "")
    placed = set(dirs.values()) | {uuid for uuid, _ in links.values()}
    new_groups = modified = renamed = added = removed = 0
    for uuid, record in groups.items():
        before = old.groups.get(uuid)
        if before is None:
            new_groups += 1
            added += len(record.nodes)
            continue
        now, then = set(record.nodes), set(before.nodes)
        added += len(now - then)
        removed += len(then - now)
        modified += now != then
        renamed += before.path != record.path
    # Built once: each assignment to a model's field would go through pydantic.
    counts = DumpCounts(
        calculations=kinds.count("calculation"),
        workflows=kinds.count("workflow"),
        nodes_deleted=len([uuid for uuid in request.deleted_nodes if uuid in old.nodes and uuid not in placed]),
        groups_new=new_groups,
        groups_modified=modified,
        groups_deleted=len([uuid for uuid in old.groups if uuid not in groups]),
        groups_renamed=renamed,
        memberships_added=added,
        memberships_removed=removed,
    )
    plan.counts = counts
    written = set(map(attrgetter("slot"), plan.files)) | {item.path for item in plan.directories if item.safeguard}
    plan.totals = PlanTotals(
        directories=len(plan.directories),
        files=len(plan.files),
        bytes=sum(map(attrgetter("size"), plan.files)),
        symlinks=len(plan.symlinks),
        removals=len(plan.removals),
        moves=len(plan.moves),
        prunes=len(plan.prunes),
        nodes_written=len(written & set(dirs)),
        nodes_unchanged=len(set(dirs.values()) - changed),
    )
