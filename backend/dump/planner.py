"""From the desired layout and the last run's log to a DumpPlan: only what differs.

The diff works per process directory. A directory that must appear where its process had
another one is moved (a relabelled group, a process moving between groups), not rewritten;
inside a directory that stays, only files whose digest changed are written. Anything
removed must have been recorded in the log, so a dump never touches what it did not write.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..queries.dump_graph import GraphSnapshot
from .layout import ROOT, Layout, join, symlink_target
from .node_files import FileSource
from .options import DumpMode
from .outcome import depth, new_state, summarise
from .plan import DumpPlan, MakeDirectory, MakeSymlink, Move, Removal, WriteFile
from .state import SAFEGUARD_FILE, DumpKind, DumpState, Scope


@dataclass(slots=True)
class PlanRequest:
    kind: DumpKind
    subject: str
    root: Path
    mode: DumpMode
    target: str
    old: DumpState | None
    clear_target: bool
    layout: Layout
    graph: GraphSnapshot
    files: dict[int, dict[str, FileSource]] = field(default_factory=dict)
    root_files: dict[str, FileSource] | None = None
    deleted_nodes: set[str] = field(default_factory=set)
    deleted_groups: set[str] = field(default_factory=set)
    delete_missing: bool = True
    verify_disk: bool = False
    scope: Scope = field(default_factory=Scope)
    content_key: str = ""
    env_key: str = ""
    database_digest: str = ""
    options_key: str = ""
    now: datetime | None = None


def ancestors(path: str) -> Iterable[str]:
    """'a/b/c' -> 'a/b', 'a' (not '.')."""
    while True:
        path = path.rpartition("/")[0]
        if not path:
            return
        yield path


def _under(path: str, prefix: str) -> bool:
    return prefix == ROOT or path == prefix or path.startswith(prefix + "/")


def _file_directories(files: Iterable[str]) -> set[str]:
    """Every directory holding one of `files` (relative paths), at any depth."""
    found: set[str] = set()
    # Many files share a directory: climb from each distinct parent, stopping where another did.
    for parent in {path.rpartition("/")[0] for path in files}:
        while parent and parent not in found:
            found.add(parent)
            parent = parent.rpartition("/")[0]
    return found


class Planner:
    def __init__(self, request: PlanRequest) -> None:
        self.request = request
        self.old = request.old or DumpState(kind=request.kind, target=request.target)
        self.plan = DumpPlan(
            kind=request.kind,
            subject=request.subject,
            target=str(request.root),
            mode=request.mode,
            clear_target=request.clear_target,
        )
        self.uuid_pk = {info.uuid: pk for pk, info in request.graph.processes.items()}
        self.changed: set[str] = set()
        self.new_dirs: set[str] = set()

    # -- desired and recorded placements ---------------------------------------------------

    def _desired(self) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
        graph, layout = self.request.graph, self.request.layout
        primaries = layout.primaries()
        dirs: dict[str, str] = {}
        links: dict[str, tuple[str, str]] = {}
        for slot in layout.slots:
            uuid = graph.processes[slot.pk].uuid
            if slot.role == "link":
                links[slot.path] = (uuid, symlink_target(slot.path, primaries[slot.pk]))
            else:
                dirs[slot.path] = uuid
        return dirs, links

    def _carried(self, dirs: dict[str, str], links: dict[str, tuple[str, str]]) -> list[str]:
        """With --no-delete-missing, deleted processes and groups keep their directories."""
        if self.request.delete_missing:
            return []
        ghost_groups = [record.path for uuid, record in self.old.groups.items() if uuid in self.request.deleted_groups]
        for uuid, record in self.old.nodes.items():
            ghost = uuid in self.request.deleted_nodes
            for path in record.paths:
                if path not in dirs and path not in links and (ghost or any(_under(path, g) for g in ghost_groups)):
                    dirs[path] = uuid
            for path, target in record.links.items():
                if path not in dirs and path not in links and (ghost or any(_under(path, g) for g in ghost_groups)):
                    links[path] = (uuid, target)
        return ghost_groups

    # -- the diff ----------------------------------------------------------------------------

    def build(self) -> DumpPlan:
        request, old = self.request, self.old
        dirs, links = self._desired()
        ghost_groups = self._carried(dirs, links)
        current = {path: uuid for uuid, record in old.nodes.items() for path in record.paths}
        current_links = {
            path: (uuid, target) for uuid, record in old.nodes.items() for path, target in record.links.items()
        }
        old_structure = self._structure(current, current_links, old.containers)
        kept = self._moves(dirs, current, current_links)
        self._removals(dirs, links, current, current_links)
        containers = list(dict.fromkeys([*request.layout.containers, *ghost_groups]))
        new_structure = self._structure(dirs, links, containers)
        existing = old_structure | set(current)
        self._directories(dirs, kept, containers, new_structure, existing)
        self._files(dirs, kept)
        self._links(links, current_links)
        self._root_files()
        self._containers(containers)
        unused = old_structure - new_structure - set(dirs) - set(links) - {ROOT}
        self.plan.prunes = sorted(unused | set(self.plan.prunes), key=depth, reverse=True)
        self.plan.directories.sort(key=lambda item: depth(item.path))
        self.plan.state = new_state(request, self.old, self.uuid_pk, dirs, links, containers)
        summarise(self.plan, request, self.old, self.changed, dirs)
        return self.plan

    @staticmethod
    def _structure(dirs: Iterable[str], links: Iterable[str], containers: Iterable[str]) -> set[str]:
        """Directories that hold the layout: containers and every ancestor of a placement."""
        found = set(containers)
        for path in [*dirs, *links, *containers]:
            found.update(ancestors(path))
        return found

    def _moves(
        self, dirs: dict[str, str], current: dict[str, str], current_links: dict[str, tuple[str, str]]
    ) -> set[str]:
        """Match desired directories with recorded ones; move a process's unneeded old copy."""
        kept: set[str] = set()
        for path in sorted(dirs, key=depth):
            uuid = dirs[path]
            if current.get(path) == uuid and not self._missing_on_disk(path):
                kept.add(path)
                continue
            source = self._move_source(uuid, path, dirs, current, current_links)
            if source is None:
                continue
            self.plan.moves.append(Move(source=source, destination=path, node=self.uuid_pk.get(uuid)))
            self.changed.add(uuid)
            self._rewrite(source, path, current, current_links)
            kept.add(path)
        return kept

    def _missing_on_disk(self, path: str) -> bool:
        if not self.request.verify_disk:
            return False
        return not (self.request.root / path).is_dir()

    def _move_source(
        self,
        uuid: str,
        destination: str,
        dirs: dict[str, str],
        current: dict[str, str],
        current_links: dict[str, tuple[str, str]],
    ) -> str | None:
        if destination == ROOT or destination in current or destination in current_links:
            return None
        prefix = destination + "/"
        if any(path.startswith(prefix) for path in current) or any(path.startswith(prefix) for path in current_links):
            return None
        for source in sorted(path for path, owner in current.items() if owner == uuid):
            if dirs.get(source) == uuid or source == ROOT or _under(destination, source):
                continue
            if self._missing_on_disk(source):
                continue
            return source
        return None

    @staticmethod
    def _rewrite(source: str, destination: str, current: dict[str, str], links: dict[str, tuple[str, str]]) -> None:
        """After a move, everything recorded below `source` lives below `destination`."""
        for mapping in (current, links):
            for path in [p for p in mapping if _under(p, source)]:
                mapping[destination + path[len(source) :]] = mapping.pop(path)

    def _removals(
        self,
        dirs: dict[str, str],
        links: dict[str, tuple[str, str]],
        current: dict[str, str],
        current_links: dict[str, tuple[str, str]],
    ) -> None:
        removed: list[str] = []
        for path in sorted(current, key=depth):
            uuid = current[path]
            if dirs.get(path) == uuid or path == ROOT or any(_under(path, gone) for gone in removed):
                continue
            removed.append(path)
            reason = "deleted" if uuid in self.request.deleted_nodes else "no longer placed here"
            self.plan.removals.append(Removal(path=path, what="tree", node=self._pk(uuid), reason=reason))
            self.changed.add(uuid)
        for path, (uuid, target) in sorted(current_links.items()):
            if links.get(path) == (uuid, target) and not self._stale_link(path, target):
                continue
            if any(_under(path, gone) for gone in removed):
                continue
            self.plan.removals.append(Removal(path=path, what="symlink", node=self._pk(uuid), reason="changed"))
            self.changed.add(uuid)

    def _stale_link(self, path: str, target: str) -> bool:
        if not self.request.verify_disk:
            return False
        location = self.request.root / path
        return not location.is_symlink() or location.readlink().as_posix() != target

    def _pk(self, uuid: str) -> int | None:
        record = self.old.nodes.get(uuid)
        return self.uuid_pk.get(uuid, record.pk if record else None)

    def _directories(
        self, dirs: dict[str, str], kept: set[str], containers: list[str], structure: set[str], existing: set[str]
    ) -> None:
        """New process directories (with safeguard) and the plain directories leading to them."""
        for path in sorted(set(dirs) - kept, key=depth):
            if path != ROOT:
                self.plan.directories.append(MakeDirectory(path=path, safeguard=True, node=self._pk(dirs[path])))
                self.new_dirs.add(path)
        planned = self.new_dirs | set(containers) | {ROOT}
        for path in sorted(structure - existing - planned, key=depth):
            self.plan.directories.append(MakeDirectory(path=path))
            self.new_dirs.add(path)

    def _files(self, dirs: dict[str, str], kept: set[str]) -> None:
        for path in sorted(dirs, key=depth):
            uuid = dirs[path]
            pk = self.uuid_pk.get(uuid)
            desired = self.request.files.get(pk) if pk is not None else None
            if desired is None:
                # A clean process keeps its files; a deleted one kept by --no-delete-missing cannot be rewritten.
                if path not in kept and pk is not None:
                    raise AssertionError(f"no content computed for new directory {path}")
                continue
            recorded = self.old.nodes[uuid].files if path in kept and uuid in self.old.nodes else {}
            self._file_diff(path, pk, desired, recorded, fresh=path not in kept)

    def _file_diff(
        self, slot: str, pk: int | None, desired: dict[str, FileSource], recorded: dict[str, str], *, fresh: bool
    ) -> None:
        prefix = "" if slot == ROOT else f"{slot}/"
        wanted_dirs = _file_directories(desired)
        had_dirs = set() if fresh else _file_directories(recorded)
        new_dirs = sorted(wanted_dirs - had_dirs, key=depth)
        self.plan.directories.extend([MakeDirectory(prefix + directory, False, pk, slot) for directory in new_dirs])
        files = self.plan.files
        wrote = False
        if fresh:
            # A new directory: every file is written, nothing to compare (a first dump is all this).
            files.extend(
                [WriteFile(prefix + rel, src.size, False, pk, slot, src.key, src.data) for rel, src in desired.items()]
            )
            wrote = bool(desired)
        else:
            for relative, source in desired.items():
                path = prefix + relative
                if recorded.get(relative) == source.digest and not self._file_missing(path):
                    continue
                files.append(WriteFile(path, source.size, relative in recorded, pk, slot, source.key, source.data))
                wrote = True
        for relative in sorted(set(recorded) - set(desired)):
            self.plan.removals.append(Removal(prefix + relative, "file", pk, "no longer dumped"))
            wrote = True
        self.plan.prunes.extend(prefix + directory for directory in had_dirs - wanted_dirs)
        if wrote and pk is not None:
            self.changed.add(self.request.graph.processes[pk].uuid)

    def _file_missing(self, path: str) -> bool:
        return self.request.verify_disk and not (self.request.root / path).is_file()

    def _links(self, links: dict[str, tuple[str, str]], current_links: dict[str, tuple[str, str]]) -> None:
        for path, (uuid, target) in sorted(links.items()):
            if current_links.get(path) == (uuid, target) and not self._stale_link(path, target):
                continue
            self.plan.symlinks.append(MakeSymlink(path=path, target=target, node=self._pk(uuid)))
            self.changed.add(uuid)

    def _root_files(self) -> None:
        if self.request.root_files is None:
            return
        self._file_diff(ROOT, None, self.request.root_files, self.old.root_files, fresh=False)

    def _containers(self, containers: list[str]) -> None:
        for path in containers:
            if path not in self.old.containers and path != ROOT:
                self.plan.directories.append(MakeDirectory(path=path, safeguard=True))
        for path in self.old.containers:
            if path not in containers and path != ROOT:
                self.plan.removals.append(
                    Removal(path=join(path, SAFEGUARD_FILE), what="file", reason="group no longer dumped")
                )


def build_plan(request: PlanRequest) -> DumpPlan:
    return Planner(request).build()
