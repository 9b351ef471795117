"""A light listing of process nodes, for tables with many rows (the TUI's process list, the CLI).

Building a full Node per row (attributes, extras, file metadata) costs far more than a table
needs; this reads the dozen columns of a process row, the attribute ones extracted by the
database, page by page with the same filters and keyset paging as `find_nodes`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, select

from ..store.schema import ComputerRow, NodeRow
from ..store.store import Store
from .filters import NodeFilter, PageRequest
from .nodes import _paged, apply_filter

PROCESS_NODE_TYPES = ["process."]


class ProcessSummary(BaseModel):
    """One row of a process table: what `verdi process list` shows, and the job's id."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pk: int
    uuid: str
    label: str
    node_type: str
    process_type: str | None
    process_state: str | None
    process_label: str | None
    process_status: str | None
    exit_status: int | None
    ctime: datetime
    mtime: datetime
    computer: str | None
    job_id: str | None


def _summary_query() -> Select[Any]:
    attribute = NodeRow.attributes
    return select(
        NodeRow.id.label("pk"),
        NodeRow.uuid,
        NodeRow.label,
        NodeRow.node_type,
        NodeRow.process_type,
        NodeRow.process_state,
        attribute["process_label"].as_string().label("process_label"),
        attribute["process_status"].as_string().label("process_status"),
        attribute["exit_status"].as_integer().label("exit_status"),
        NodeRow.ctime,
        NodeRow.mtime,
        ComputerRow.label.label("computer"),
        attribute["job_id"].as_string().label("job_id"),
    ).outerjoin(ComputerRow, ComputerRow.id == NodeRow.computer_id)


def list_process_summaries(
    store: Store, flt: NodeFilter | None = None, page: PageRequest | None = None
) -> list[ProcessSummary]:
    """One page of process summaries (newest first by default); pass the last pk as `after_pk`.

    Without `node_types` in the filter, every kind of process node is listed.
    """
    flt = flt or NodeFilter()
    if flt.node_types is None:
        flt = flt.model_copy(update={"node_types": PROCESS_NODE_TYPES})
    query = _paged(apply_filter(_summary_query(), flt, store), page or PageRequest())
    with store.reading() as session:
        # Core rows zipped with their keys once: the ORM's row objects would cost more than the query.
        result = session.connection().execute(query)
        keys = list(result.keys())
        return [ProcessSummary.model_validate(dict(zip(keys, row, strict=True))) for row in result.all()]
