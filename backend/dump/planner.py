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
from operator import attrgetter
from pathlib import Path

from ..queries.dump_content import FileSource, file_digest
from ..queries.dump_graph import GraphSnapshot
from .layout import ROOT, Layout, join, symlink_target
from .options import DumpMode
from .outcome import depth, group_records, new_state, summarise
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


def _under(path: str, prefix: str) -> bool:
    return prefix == ROOT or path == prefix or path.startswith(prefix + "/")


def _enclosing(paths: Iterable[str]) -> set[str]:
    """Every directory holding one of `paths` (relative), at any depth: 'a/b/c' -> 'a/b', 'a' (not '.')."""
    found: set[str] = set()
    # Many paths share a directory: climb from each distinct parent, stopping where another did.
    for parent in {path.rpartition("/")[0] for path in paths}:
        while parent and parent not in found:
            found.add(parent)
            parent = parent.rpartition("/")[0]
    return found


def _parents_first(directories: list[MakeDirectory]) -> None:
    """Order directories so that each comes after its parent: by path, as a parent's path is a
    prefix of its children's. The planner then appends in whatever order is cheapest; the key is
    read in C, a fifth of the cost of computing one (a dry run plans thousands of directories)."""
    directories.sort(key=attrgetter("path"))


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
        self._enclosed: dict[tuple[str, ...], frozenset[str]] = {}

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
        order = sorted(dirs, key=depth)  # shallow first, so that a parent is placed before its children
        kept = self._moves(order, dirs, current, current_links)
        self._removals(dirs, links, current, current_links)
        containers = list(dict.fromkeys([*request.layout.containers, *ghost_groups]))
        new_structure = self._structure(dirs, links, containers)
        existing = old_structure | set(current)
        self._directories(order, dirs, kept, containers, new_structure, existing)
        self._files(order, dirs, kept)
        self._links(links, current_links)
        self._root_files()
        self._containers(containers)
        unused = old_structure - new_structure - set(dirs) - set(links) - {ROOT}
        self.plan.prunes = sorted(unused | set(self.plan.prunes), key=depth, reverse=True)
        _parents_first(self.plan.directories)
        groups = group_records(request, self.old, containers)
        if request.mode is not DumpMode.DRY_RUN:  # a dry run leaves no log behind
            self.plan.state = new_state(request, self.old, self.uuid_pk, dirs, links, containers, groups)
        summarise(self.plan, request, self.old, self.uuid_pk, self.changed, dirs, links, groups)
        return self.plan

    @staticmethod
    def _structure(dirs: Iterable[str], links: Iterable[str], containers: Iterable[str]) -> set[str]:
        """Directories that hold the layout: containers and every ancestor of a placement."""
        return set(containers) | _enclosing([*dirs, *links, *containers])

    def _moves(
        self,
        order: list[str],
        dirs: dict[str, str],
        current: dict[str, str],
        current_links: dict[str, tuple[str, str]],
    ) -> set[str]:
        """Match desired directories (in `order`) with recorded ones; move a process's unneeded old copy."""
        kept: set[str] = set()
        if not current:
            return kept  # a first dump: nothing recorded to keep or move
        for path in order:
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
        self,
        order: list[str],
        dirs: dict[str, str],
        kept: set[str],
        containers: list[str],
        structure: set[str],
        existing: set[str],
    ) -> None:
        """New process directories (with safeguard) and the plain directories leading to them."""
        directories = self.plan.directories
        new_dirs: set[str] = set()
        for path in order:
            if path not in kept and path != ROOT:
                directories.append(MakeDirectory(path, True, self._pk(dirs[path])))
                new_dirs.add(path)
        plain = structure - existing - new_dirs - set(containers) - {ROOT}
        directories.extend([MakeDirectory(path) for path in plain])

    def _files(self, order: list[str], dirs: dict[str, str], kept: set[str]) -> None:
        computed, recorded = self.request.files, self.old.nodes
        for path in order:
            uuid = dirs[path]
            pk = self.uuid_pk.get(uuid)
            desired = computed.get(pk) if pk is not None else None
            if desired is None:
                # A clean process keeps its files; a deleted one kept by --no-delete-missing cannot be rewritten.
                if path not in kept and pk is not None:
                    raise AssertionError(f"no content computed for new directory {path}")
                continue
            if path not in kept:
                self._new_files(path, pk, uuid, desired)
            else:
                self._file_diff(path, pk, desired, recorded[uuid].files if uuid in recorded else {})

    def _directories_of(self, files: Iterable[str]) -> frozenset[str]:
        """`_enclosing(files)`, once per distinct list of files: processes of one kind share theirs."""
        paths = tuple(files)
        found = self._enclosed.get(paths)
        if found is None:
            found = self._enclosed[paths] = frozenset(_enclosing(paths))
        return found

    def _new_files(self, slot: str, pk: int, uuid: str, desired: dict[str, FileSource]) -> None:
        """A new directory: every file is written, nothing to compare (a first dump is all this)."""
        prefix = "" if slot == ROOT else f"{slot}/"
        self.plan.directories.extend(
            [MakeDirectory(prefix + directory, False, pk, slot) for directory in self._directories_of(desired)]
        )
        self.plan.files.extend(
            [
                WriteFile(prefix + relative, source["size"], False, pk, slot, source.get("key"), source.get("data"))
                for relative, source in desired.items()
            ]
        )
        if desired:
            self.changed.add(uuid)

    def _file_diff(self, slot: str, pk: int | None, desired: dict[str, FileSource], recorded: dict[str, str]) -> None:
        """A directory that stays: write the files whose digest changed, remove those no longer dumped."""
        prefix = "" if slot == ROOT else f"{slot}/"
        wanted_dirs = self._directories_of(desired)
        had_dirs = self._directories_of(recorded)
        self.plan.directories.extend(
            [MakeDirectory(prefix + directory, False, pk, slot) for directory in wanted_dirs - had_dirs]
        )
        files = self.plan.files
        wrote = False
        for relative, source in desired.items():
            path = prefix + relative
            if recorded.get(relative) == file_digest(source) and not self._file_missing(path):
                continue
            size, key, data = source["size"], source.get("key"), source.get("data")
            files.append(WriteFile(path, size, relative in recorded, pk, slot, key, data))
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
        self._file_diff(ROOT, None, self.request.root_files, self.old.root_files)

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
