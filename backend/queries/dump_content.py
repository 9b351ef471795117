"""Bulk reads of what a dump writes for many processes: their records, files and linked data.

Three queries per batch of processes (records, linked input data, created output data) replace
AiiDA's per-node link queries and per-file object-store lookups.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pydantic_core import from_json
from sqlalchemy import Select, Text, cast, select, type_coerce

from ..store.schema import LinkRow, LogRow, NodeRow
from ..store.store import Store
from .dump_graph import ProcessInfo, people_rows

CHUNK = 900
RETRIEVED = "retrieved"
DIGEST_LENGTH = 16


class FileSource(NamedTuple):
    """One file of a dump: its size, a digest of its content, and where the content comes from.

    A repository file is copied by key, never loaded; a generated one (the metadata file, the
    README) carries its bytes. A named tuple: a dump makes one per file, and it is the cheapest to build.
    """

    size: int
    digest: str
    key: str | None = None
    data: bytes | None = None


@dataclass(slots=True)
class LinkedData:
    label: str
    node_type: str
    files: dict[str, FileSource]


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
    files: dict[str, FileSource]
    user_id: int
    computer_id: int | None
    inputs: list[LinkedData] = field(default_factory=list)
    outputs: list[LinkedData] = field(default_factory=list)

    @property
    def retrieved(self) -> LinkedData | None:
        return next((link for link in self.outputs if link.label == RETRIEVED), None)


def _json(value: Any) -> Any:
    """A JSON column read as text (SQLite) or already decoded (PostgreSQL's driver).

    pydantic-core's parser is about three times faster than `json`; whatever it refuses
    (a lone surrogate escape, say) goes through `json`, so the result is always `json`'s.
    """
    if not isinstance(value, str | bytes):
        return value
    try:
        return from_json(value)
    except ValueError:
        return json.loads(value)


def _files(metadata: Any) -> dict[str, FileSource]:
    # Repository keys are sha256 of the content, so the digest costs nothing.
    return {
        path: FileSource(entry["size"], entry["key"][:DIGEST_LENGTH], entry["key"])
        for path, entry in (_json(metadata) or {}).items()
    }


def _chunks(items: Sequence[int], size: int = CHUNK) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def load_contents(
    store: Store, processes: Mapping[int, ProcessInfo], pks: Iterable[int] | None = None
) -> dict[int, ProcessContent]:
    """Records of the given processes (default: all of `processes`) with their input (INPUT_CALC)
    and output (CREATE) data files; what the graph has read already is taken from it."""
    ordered = sorted(set(processes if pks is None else pks))
    contents: dict[int, ProcessContent] = {}
    links: list[Any] = []
    with store.reading() as session:
        connection = session.connection()
        for chunk in _chunks(ordered):
            records = select(
                NodeRow.id,
                NodeRow.description,
                _raw(NodeRow.attributes),
                _raw(NodeRow.extras),
                _raw(NodeRow.repository_metadata),
                NodeRow.user_id,
                NodeRow.computer_id,
            ).where(NodeRow.id.in_(chunk))
            for pk, description, attributes, extras, metadata, user_id, computer_id in connection.execute(records):
                info = processes[pk]
                contents[pk] = ProcessContent(
                    pk,
                    info.uuid,
                    info.node_type,
                    info.process_type,
                    info.label,
                    description,
                    info.ctime,
                    info.mtime,
                    _json(attributes),
                    _json(extras),
                    _files(metadata),
                    user_id,
                    computer_id,
                )
            links.extend(connection.execute(_linked_data(chunk, incoming=True)))
            links.extend(connection.execute(_linked_data(chunk, incoming=False)))
    links.sort(key=lambda link: (link[0], link[2]))
    # A data node often feeds many processes (a pseudopotential, a code): decode its files once.
    decoded: dict[int, dict[str, FileSource]] = {}
    for process_pk, link_type, label, data_pk, node_type, metadata in links:
        files = decoded.get(data_pk)
        if files is None:
            files = decoded[data_pk] = _files(metadata)
        target = contents[process_pk].inputs if link_type == "input_calc" else contents[process_pk].outputs
        target.append(LinkedData(label, node_type, files))
    return contents


def _raw(column: Any) -> Any:
    """A JSON column without SQLAlchemy's decoding, for `_json`."""
    return type_coerce(column, Text)


def _linked_data(chunk: Sequence[int], *, incoming: bool) -> Select[Any]:
    """INPUT_CALC sources or CREATE targets of the chunk's processes that hold files."""
    process, data, link_type = (
        (LinkRow.output_id, LinkRow.input_id, "input_calc")
        if incoming
        else (LinkRow.input_id, LinkRow.output_id, "create")
    )
    return (
        select(process, LinkRow.type, LinkRow.label, data, NodeRow.node_type, _raw(NodeRow.repository_metadata))
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
