"""Bulk reads of what a dump writes for many processes: their files and those of their linked data.

The graph's query reads the processes' records; one more reads the data they link to (inputs
and created outputs) for any number of processes. They replace AiiDA's per-node link queries
and per-file object-store lookups.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Required, TypedDict

from sqlalchemy import CompoundSelect, Select, Text, cast, select, union_all

from ..store.schema import LinkRow, LogRow, NodeRow
from ..store.store import Store
from .dump_graph import ProcessInfo
from .dump_sql import decode_json, in_values, raw, values_parameter

RETRIEVED = "retrieved"
DIGEST_LENGTH = 16


class FileSource(TypedDict, total=False):
    """One file of a dump: its size, and where its content comes from.

    A repository file is copied by key, never loaded; a generated one (the metadata file, the
    README) carries its bytes. A repository listing's entries, as its JSON decodes, are these
    already: a dump takes them as they are, as building an object per file cost a tenth of a dry run.
    """

    size: Required[int]
    key: str
    data: bytes


def file_digest(source: FileSource) -> str:
    """A digest of the content, for the dump log; worked out when asked, which a dry run seldom does.

    Repository keys are the sha256 of the content, so theirs costs nothing.
    """
    key = source.get("key")
    if key is not None:
        return key[:DIGEST_LENGTH]
    return hashlib.sha256(source.get("data", b"")).hexdigest()[:DIGEST_LENGTH]


@dataclass(slots=True)
class LinkedData:
    label: str
    files: dict[str, FileSource]


@dataclass(slots=True)
class ProcessContent:
    """A process's record (as the graph read it), its files, and the data it links to that holds files."""

    info: ProcessInfo
    files: dict[str, FileSource]
    inputs: list[LinkedData] = field(default_factory=list)
    retrieved: LinkedData | None = None
    outputs: list[LinkedData] = field(default_factory=list)  # created outputs but the retrieved folder

    @property
    def extras(self) -> dict[str, Any]:
        """Decoded when asked: only a dump with --include-extras writes them."""
        return decode_json(self.info.raw_extras)


def _files(metadata: Any) -> dict[str, FileSource]:
    """A repository listing (path -> key and size) as the files it describes."""
    listing: dict[str, FileSource] = decode_json(metadata) or {}
    return listing


def load_contents(
    store: Store,
    processes: Mapping[int, ProcessInfo],
    pks: Iterable[int] | None = None,
    *,
    inputs: bool = True,
    outputs: bool = True,
    complete: bool = False,
) -> dict[int, ProcessContent]:
    """The given processes (default: all of `processes`) with the files of their input (INPUT_CALC)
    data and of their created (CREATE) outputs; their own records come from the graph's query.

    `inputs=False` leaves out the input data; `outputs=False` every output but the retrieved
    folder, which each dump writes: the link query then reads only what the dump needs.
    `complete` says that `processes` are all of the store's: when every one of them is asked for,
    the link query reads every process's links rather than match each against the list (a fifth
    faster), and skips those of a process that appeared since the graph was read.
    """
    contents: dict[int, ProcessContent] = {}
    for pk in sorted(set(processes if pks is None else pks)):
        info = processes[pk]
        contents[pk] = ProcessContent(info, _files(info.raw_files))
    with store.reading() as session:
        connection = session.connection()
        dialect = connection.dialect.name
        listed = not (complete and len(contents) == len(processes))
        query = _linked_data(dialect, inputs=inputs, outputs=outputs, listed=listed)
        links = connection.execute(query, values_parameter(contents, dialect) if listed else {}).all()
    links.sort(key=itemgetter(0, 2))  # by process, then label
    # A data node often feeds many processes (a pseudopotential, a code): decode its files once.
    decoded: dict[int, dict[str, FileSource]] = {}
    for process_pk, link_type, label, data_pk, metadata in links:
        content = contents.get(process_pk)
        if content is None:
            continue
        files = decoded.get(data_pk)
        if files is None:
            files = decoded[data_pk] = _files(metadata)
        link = LinkedData(label, files)
        if link_type == "input_calc":
            content.inputs.append(link)
        elif label == RETRIEVED:
            content.retrieved = link
        else:
            content.outputs.append(link)
    return contents


@functools.cache
def _linked_data(dialect: str, *, inputs: bool, outputs: bool, listed: bool) -> Select[Any] | CompoundSelect[Any]:
    """The data holding files that the processes (the listed ones, or all) created (every output,
    or only the retrieved folder) and, if asked, took as INPUT_CALC inputs."""
    created = _linked(LinkRow.input_id, LinkRow.output_id, "create", dialect, listed)
    if not outputs:
        created = created.where(LinkRow.label == RETRIEVED)
    if not inputs:
        return created
    return union_all(created, _linked(LinkRow.output_id, LinkRow.input_id, "input_calc", dialect, listed))


def _linked(process: Any, data: Any, link_type: str, dialect: str, listed: bool) -> Select[Any]:
    """(process, link type, label, data, data's file list) of the processes' links of one type."""
    query = (
        select(process, LinkRow.type, LinkRow.label, data, raw(NodeRow.repository_metadata))
        .join(NodeRow, NodeRow.id == data)
        .where(LinkRow.type == link_type, cast(NodeRow.repository_metadata, Text) != "{}")
    )
    return query.where(in_values(process, dialect)) if listed else query


def load_log_lines(store: Store, pks: Iterable[int]) -> dict[int, list[str]]:
    """The log records of the given nodes, formatted one per line, oldest first."""
    lines: dict[int, list[str]] = {}
    with store.reading() as session:
        connection = session.connection()
        dialect = connection.dialect.name
        query = (
            select(LogRow.node_id, LogRow.time, LogRow.levelname, LogRow.message)
            .where(in_values(LogRow.node_id, dialect))
            .order_by(LogRow.time, LogRow.id)
        )
        for node_id, time, level, message in connection.execute(query, values_parameter(set(pks), dialect)):
            lines.setdefault(node_id, []).append(f"{time:%Y-%m-%d %H:%M:%S} [{node_id} | {level}]: {message}")
    return lines
