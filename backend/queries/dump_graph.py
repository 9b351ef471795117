"""Bulk reads of the process graph for dumps: a few queries for any number of processes.

AiiDA 2.7 issues per-node queries (callers, links), which makes a profile dump slow
(aiida-behaviour.md §1.9). Here one query reads every process of the scope with its caller
and record, one reads the group memberships, and the result is plain dataclasses, not entities.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, Select, bindparam, func, literal, or_, select

from ..errors import NotExistent
from ..store.schema import ComputerRow, GroupMemberRow, GroupRow, LinkRow, LogRow, NodeRow, UserRow
from ..store.store import Store
from .dump_sql import decode_json, in_values, iso_time, raw, time_order, values_parameter

CALL_TYPES = ("call_calc", "call_work")
PROCESS_PREFIX = "process."
WORKFLOW_PREFIX = "process.workflow."


@dataclass(slots=True)
class ProcessInfo:
    """A process as a dump reads it in one query: its place in the call tree and its record.

    The record's extras, file list and times stay as the database returned them (text on SQLite)
    until a dump needs them: `load_contents` decodes the file lists of the processes whose files
    a dump computes, and the metadata files quote the times rearranged from SQLite's text.
    """

    pk: int
    uuid: str
    node_type: str
    label: str
    process_type: str | None
    caller: int | None
    call_label: str | None
    description: str
    user_id: int
    computer_id: int | None
    raw_extras: Any
    raw_files: Any
    raw_ctime: Any
    raw_mtime: Any
    attributes: dict[str, Any]
    newest_link: int = 0  # of its outgoing links, read only while it is unsealed

    @property
    def ctime_text(self) -> str:
        """The creation time's `isoformat()`, as the metadata file quotes it."""
        return iso_time(self.raw_ctime)

    @property
    def mtime_text(self) -> str:
        """The modification time's `isoformat()`, as the metadata file quotes it."""
        return iso_time(self.raw_mtime)

    @property
    def fingerprint(self) -> str:
        """Changes whenever what a dump writes for the process may change.

        mtime covers label, description, attributes and extras. A sealed process takes no new
        links; an unsealed one may gain outputs or children, so its newest outgoing link counts too.
        """
        stamp = self.mtime_text
        return stamp if self.sealed else f"{stamp}+{self.newest_link}"

    @property
    def process_label(self) -> str | None:
        """The process class's name, as the engine records it in the attributes."""
        label = self.attributes.get("process_label")
        return label if isinstance(label, str) else None

    @property
    def sealed(self) -> bool:
        """Finished and closed: it takes no new links."""
        return self.attributes.get("sealed") is True

    @property
    def kind(self) -> str:
        """By node-type prefix, so plugin subclasses of either kind are handled (AiiDA's #7451)."""
        return "workflow" if self.node_type.startswith(WORKFLOW_PREFIX) else "calculation"


@dataclass(slots=True)
class GroupInfo:
    pk: int
    uuid: str
    label: str
    members: list[int] = field(default_factory=list)


@dataclass(slots=True)
class People:
    """Users and computers by id, as the metadata files quote them, and a digest of them all."""

    users: dict[int, dict[str, Any]]
    computers: dict[int, dict[str, Any]]
    env_key: str


@dataclass(slots=True)
class GraphSnapshot:
    """The processes of a dump's scope, their call tree, the groups they belong to, and the people."""

    processes: dict[int, ProcessInfo]
    children: dict[int, list[int]]
    groups: dict[int, GroupInfo]
    memberships: dict[int, set[int]]
    people: People
    complete: bool = False  # every process of the store, not the call trees of some

    @property
    def env_key(self) -> str:
        return self.people.env_key

    def descendants(self, pk: int) -> list[int]:
        found: list[int] = []
        stack = list(reversed(self.children.get(pk, [])))
        while stack:
            child = stack.pop()
            found.append(child)
            stack.extend(reversed(self.children.get(child, [])))
        return found


@functools.cache
def _processes_query() -> Select[Any]:
    """Every process with its caller and call label, and its record; built once.

    The columns are `ProcessInfo`'s fields, in order, as read: only the attributes are decoded.
    The call types are written into the statement and the prefix is a LIKE pattern, not an
    expression: SQLite then reads the call links through their partial index and the processes
    through the node-type index, a quarter less time than a scan.
    """
    return (
        select(
            NodeRow.id,
            NodeRow.uuid,
            NodeRow.node_type,
            NodeRow.label,
            NodeRow.process_type,
            LinkRow.input_id,
            LinkRow.label,
            NodeRow.description,
            NodeRow.user_id,
            NodeRow.computer_id,
            raw(NodeRow.extras),
            raw(NodeRow.repository_metadata),
            raw(NodeRow.ctime),
            raw(NodeRow.mtime),
            raw(NodeRow.attributes),
        )
        .outerjoin(LinkRow, (LinkRow.output_id == NodeRow.id) & LinkRow.type.in_(_inlined(CALL_TYPES)))
        .where(NodeRow.node_type.like(f"{PROCESS_PREFIX}%"))
    )


def _inlined(values: tuple[str, ...]) -> BindParameter[Any]:
    """Constants for an IN that are rendered into the SQL, so the planner sees them."""
    return bindparam("inlined", values, expanding=True, literal_execute=True)


def _tree_ids(roots: Select[Any]) -> Select[Any]:
    """The roots and every process they call, at any depth (a recursive CTE)."""
    tree = roots.cte("dump_tree", recursive=True)
    step = select(LinkRow.output_id).join(tree, LinkRow.input_id == tree.c.id).where(LinkRow.type.in_(CALL_TYPES))
    tree = tree.union(step)
    return select(tree.c.id)


def load_graph(store: Store, roots: Select[Any] | None = None) -> GraphSnapshot:
    """Every process (roots=None) or the call trees of the processes that `roots` selects (ids)."""
    query = _processes_query()
    if roots is not None:
        query = query.where(NodeRow.id.in_(_tree_ids(roots)))
    with store.reading() as session:
        connection = session.connection()
        processes = {row[0]: ProcessInfo(*row[:14], decode_json(row[14])) for row in connection.execute(query).all()}
        members = select(GroupMemberRow.group_id, GroupMemberRow.node_id)
        if roots is not None:
            members = members.where(GroupMemberRow.node_id.in_(_tree_ids(roots)))
        memberships: dict[int, set[int]] = defaultdict(set)
        for group_id, node_id in connection.execute(members):
            if node_id in processes:
                memberships[node_id].add(group_id)
        groups = {
            pk: GroupInfo(pk, uuid, label)
            for pk, uuid, label in connection.execute(select(GroupRow.id, GroupRow.uuid, GroupRow.label))
        }
        _newest_links(connection, processes)
        people = _load_people(connection)
    for node_id, group_ids in memberships.items():
        for group_id in group_ids:
            groups[group_id].members.append(node_id)
    for group in groups.values():
        group.members.sort()
    children: dict[int, list[int]] = defaultdict(list)
    for info in processes.values():
        if info.caller is not None and info.caller in processes:
            children[info.caller].append(info.pk)
    for siblings in children.values():
        siblings.sort(key=lambda pk: (time_order(processes[pk].raw_ctime), pk))
    return GraphSnapshot(processes, dict(children), groups, dict(memberships), people, complete=roots is None)


def _newest_links(connection: Any, processes: dict[int, ProcessInfo]) -> None:
    """The newest outgoing link of each unsealed process, for its fingerprint."""
    unsealed = [pk for pk, info in processes.items() if not info.sealed]
    if not unsealed:
        return
    dialect = connection.dialect.name
    query = (
        select(LinkRow.input_id, func.max(LinkRow.id))
        .where(in_values(LinkRow.input_id, dialect))
        .group_by(LinkRow.input_id)
    )
    for pk, newest in connection.execute(query, values_parameter(unsealed, dialect)):
        processes[pk].newest_link = newest


def _people_rows(connection: Any) -> tuple[list[Any], list[Any]]:
    """Users (id, first and last name, email, institution) and computers (id, label, hostname, types)."""
    users = connection.execute(
        select(UserRow.id, UserRow.first_name, UserRow.last_name, UserRow.email, UserRow.institution).order_by(
            UserRow.id
        )
    ).all()
    computers = connection.execute(
        select(
            ComputerRow.id,
            ComputerRow.label,
            ComputerRow.hostname,
            ComputerRow.scheduler_type,
            ComputerRow.transport_type,
        ).order_by(ComputerRow.id)
    ).all()
    return users, computers


def _environment_key(users: list[Any], computers: list[Any]) -> str:
    """A digest of the users and computers, which every metadata file quotes."""
    text = json.dumps([[list(row) for row in users], [list(row) for row in computers]])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _load_people(connection: Any) -> People:
    """Every user and computer: a dump quotes them in each metadata file, so they are read once."""
    users, computers = _people_rows(connection)
    user_keys = ("first_name", "last_name", "email", "institution")
    computer_keys = ("label", "hostname", "scheduler_type", "transport_type")
    return People(
        {row[0]: dict(zip(user_keys, row[1:], strict=True)) for row in users},
        {row[0]: dict(zip(computer_keys, row[1:], strict=True)) for row in computers},
        _environment_key(users, computers),
    )


def existing_uuids(store: Store, nodes: set[str], groups: set[str]) -> tuple[set[str], set[str]]:
    """Which of these node and group uuids still exist."""
    with store.reading() as session:
        dialect = session.get_bind().dialect.name
        query = select(NodeRow.uuid).where(in_values(NodeRow.uuid, dialect))
        found = set(session.scalars(query, values_parameter(sorted(nodes), dialect)))
        found_groups = set(session.scalars(select(GroupRow.uuid).where(GroupRow.uuid.in_(sorted(groups)))))
    return found, found_groups


def group_member_ids(group_id: int) -> Select[Any]:
    return select(GroupMemberRow.node_id.label("id")).where(GroupMemberRow.group_id == group_id)


def single_id(pk: int) -> Select[Any]:
    return select(literal(pk).label("id"))


def resolve_group(store: Store, identifier: str | int) -> GroupInfo:
    """A group by pk, label or uuid, with a message that says where to look when absent."""
    text = str(identifier)
    condition = or_(GroupRow.label == text, GroupRow.uuid == text)
    if text.isdigit():
        condition = or_(condition, GroupRow.id == int(text))
    with store.reading() as session:
        rows = session.execute(select(GroupRow.id, GroupRow.uuid, GroupRow.label).where(condition)).all()
    if not rows:
        raise NotExistent(f"no group '{identifier}'; see 'provtop group list'")
    exact = [row for row in rows if row[2] == text] or rows
    pk, uuid, label = exact[0]
    return GroupInfo(pk, uuid, label)


def resolve_ids(store: Store, kind: str, identifiers: Iterable[str]) -> set[int]:
    """Computers (label, pk, uuid) or codes (label, label@computer, pk, uuid) to row ids."""
    found: set[int] = set()
    with store.reading() as session:
        for identifier in identifiers:
            text = str(identifier)
            if kind == "computer":
                table, label_column = ComputerRow, ComputerRow.label
                condition = or_(label_column == text, ComputerRow.uuid == text)
            else:
                table, label_column = NodeRow, NodeRow.label
                label, _, computer = text.partition("@")
                condition = or_(NodeRow.uuid == text, label_column == label)
                condition = condition & NodeRow.node_type.startswith("data.core.code.")
                if computer:
                    computer_id = select(ComputerRow.id).where(ComputerRow.label == computer).scalar_subquery()
                    condition = condition & (NodeRow.computer_id == computer_id)
            if text.isdigit():
                condition = or_(condition, table.id == int(text))
            ids = set(session.scalars(select(table.id).where(condition)))
            if not ids:
                raise NotExistent(f"no {kind} '{identifier}'; see 'provtop {kind} list'")
            found |= ids
    return found


def matching_process_ids(
    store: Store,
    *,
    user: str | None = None,
    computer_ids: set[int] | None = None,
    code_ids: set[int] | None = None,
    mtime_after: datetime | None = None,
    mtime_before: datetime | None = None,
) -> set[int]:
    """Processes passing every given filter (None means no condition)."""
    query = select(NodeRow.id).where(NodeRow.node_type.startswith(PROCESS_PREFIX))
    with store.reading() as session:
        if user is not None:
            user_id = session.scalar(select(UserRow.id).where(UserRow.email == user))
            if user_id is None:
                raise NotExistent(f"no user '{user}'; see 'provtop user list'")
            query = query.where(NodeRow.user_id == user_id)
        if computer_ids:
            query = query.where(NodeRow.computer_id.in_(computer_ids))
        if code_ids:
            using = select(LinkRow.output_id).where(LinkRow.input_id.in_(code_ids))
            query = query.where(NodeRow.id.in_(using))
        if mtime_after is not None:
            query = query.where(NodeRow.mtime >= mtime_after)
        if mtime_before is not None:
            query = query.where(NodeRow.mtime <= mtime_before)
        return set(session.scalars(query))


def database_digest(store: Store) -> str:
    """A digest that changes whenever anything a dump reads changes; a handful of aggregates.

    Stored node rows change mtime on every edit; adding or deleting rows changes the counts
    and id sums; links, groups, memberships, users and computers are covered likewise.
    """
    with store.reading() as session:
        connection = session.connection()
        nodes = connection.execute(select(func.count(), func.sum(NodeRow.id), func.max(NodeRow.mtime))).one()
        links = connection.execute(select(func.count(), func.max(LinkRow.id))).one()
        logs = connection.execute(select(func.count(), func.max(LogRow.id))).one()
        groups = connection.execute(select(GroupRow.id, GroupRow.uuid, GroupRow.label).order_by(GroupRow.id)).all()
        members = connection.execute(
            select(
                func.count(),
                func.sum(GroupMemberRow.node_id),
                func.sum(GroupMemberRow.group_id * GroupMemberRow.node_id),
            )
        ).one()
        environment = _environment_key(*_people_rows(connection))
    rows = [list(nodes), list(links), list(logs), [list(row) for row in groups], list(members), environment]
    text = json.dumps(rows, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
