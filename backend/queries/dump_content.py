"""Bulk reads of what a dump writes for many processes: their records, files and linked data.

Three queries per batch of processes (records, linked input data, created output data) replace
AiiDA's per-node link queries and per-file object-store lookups.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, Text, cast, select

from ..store.schema import LinkRow, LogRow, NodeRow
from ..store.store import Store
from .dump_graph import people_rows

CHUNK = 900
RETRIEVED = "retrieved"


@dataclass(slots=True)
class FileRef:
    """One file in the repository: its content key (sha256) and size."""

    key: str
    size: int


@dataclass(slots=True)
class LinkedData:
    label: str
    node_type: str
    files: dict[str, FileRef]


@dataclass(slots=True)
class ProcessContent:
    """A process's own record plus the data it links to that holds files."""

    pk: int
    uuid: str
    node_type: str
    process_type: str | None
    label: str
    description: str
    ctime: Any
    mtime: Any
    attributes: dict[str, Any]
    extras: dict[str, Any]
    files: dict[str, FileRef]
    user_id: int
    computer_id: int | None
    inputs: list[LinkedData] = field(default_factory=list)
    outputs: list[LinkedData] = field(default_factory=list)

    @property
    def retrieved(self) -> LinkedData | None:
        return next((link for link in self.outputs if link.label == RETRIEVED), None)


def _files(metadata: dict[str, Any] | None) -> dict[str, FileRef]:
    return {path: FileRef(entry["key"], entry["size"]) for path, entry in (metadata or {}).items()}


def _chunks(items: Sequence[int], size: int = CHUNK) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def load_contents(store: Store, pks: Iterable[int]) -> dict[int, ProcessContent]:
    """Records of the given processes with their input (INPUT_CALC) and output (CREATE) data files."""
    ordered = sorted(set(pks))
    contents: dict[int, ProcessContent] = {}
    links: list[Any] = []
    with store.reading() as session:
        connection = session.connection()
        for chunk in _chunks(ordered):
            records = select(
                NodeRow.id,
                NodeRow.uuid,
                NodeRow.node_type,
                NodeRow.process_type,
                NodeRow.label,
                NodeRow.description,
                NodeRow.ctime,
                NodeRow.mtime,
                NodeRow.attributes,
                NodeRow.extras,
                NodeRow.repository_metadata,
                NodeRow.user_id,
                NodeRow.computer_id,
            ).where(NodeRow.id.in_(chunk))
            for row in connection.execute(records):
                contents[row[0]] = ProcessContent(*row[:10], _files(row[10]), row[11], row[12])
            links.extend(connection.execute(_linked_data(chunk, incoming=True)))
            links.extend(connection.execute(_linked_data(chunk, incoming=False)))
    links.sort(key=lambda link: (link[0], link[2]))
    for process_pk, link_type, label, node_type, metadata in links:
        target = contents[process_pk].inputs if link_type == "input_calc" else contents[process_pk].outputs
        target.append(LinkedData(label, node_type, _files(metadata)))
    return contents


def _linked_data(chunk: Sequence[int], *, incoming: bool) -> Select[Any]:
    """INPUT_CALC sources or CREATE targets of the chunk's processes that hold files."""
    process, data, link_type = (
        (LinkRow.output_id, LinkRow.input_id, "input_calc")
        if incoming
        else (LinkRow.input_id, LinkRow.output_id, "create")
    )
    return (
        select(process, LinkRow.type, LinkRow.label, NodeRow.node_type, NodeRow.repository_metadata)
        .join(NodeRow, NodeRow.id == data)
        .where(process.in_(chunk), LinkRow.type == link_type, cast(NodeRow.repository_metadata, Text) != "{}")
    )


def load_people(store: Store) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
    """Users and computers by id, as the metadata files quote them."""
    with store.reading() as session:
        users, computers = people_rows(session.connection())
    user_keys = ("first_name", "last_name", "email", "institution")
    computer_keys = ("label", "hostname", "scheduler_type", "transport_type")
    return (
        {row[0]: dict(zip(user_keys, row[1:], strict=True)) for row in users},
        {row[0]: dict(zip(computer_keys, row[1:], strict=True)) for row in computers},
    )


def load_log_lines(store: Store, pks: Iterable[int]) -> dict[int, list[str]]:
    """The log records of the given nodes, formatted one per line, oldest first."""
    lines: dict[int, list[str]] = {}
    ordered = sorted(set(pks))
    with store.reading() as session:
        connection = session.connection()
        for chunk in _chunks(ordered):
            query = (
                select(LogRow.node_id, LogRow.time, LogRow.levelname, LogRow.message)
                .where(LogRow.node_id.in_(chunk))
                .order_by(LogRow.time, LogRow.id)
            )
            for node_id, time, level, message in connection.execute(query):
                lines.setdefault(node_id, []).append(f"{time:%Y-%m-%d %H:%M:%S} [{node_id} | {level}]: {message}")
    return lines
