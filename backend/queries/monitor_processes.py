"""Queries behind the process monitor: keyset pages of processes, children in bulk, changes by mtime.

Every function costs a bounded number of SQL statements whatever the size of the store: a page is
one select plus one grouped count of children, children of many parents are one select.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, not_, or_, select
from sqlalchemy.orm import aliased

from ..store.schema import ComputerRow, LinkRow, NodeRow
from ..store.store import Store
from .filters import JsonFilter
from .json_sql import json_condition

CALL_TYPES = ("call_calc", "call_work")
PROCESS_PREFIX = "process."
BATCH = 500

# Attribute names the engine writes on calc jobs (AiiDA's names where AiiDA has one).
JOB_ID = "job_id"
SCHEDULER_STATE = "scheduler_state"
PENDING_REASONS = ("scheduler_pending_reason", "pending_reason")

_caller = aliased(LinkRow)

_ROW_COLUMNS = (
    NodeRow.id,
    NodeRow.node_type,
    NodeRow.label,
    NodeRow.process_state,
    NodeRow.attributes,
    NodeRow.ctime,
    NodeRow.mtime,
    ComputerRow.label.label("computer"),
    _caller.input_id.label("parent_pk"),
)


def process_rows_query() -> Select[Any]:
    """Process rows with their computer and their caller (a process has at most one)."""
    return (
        select(*_ROW_COLUMNS)
        .outerjoin(ComputerRow, ComputerRow.id == NodeRow.computer_id)
        .outerjoin(_caller, and_(_caller.output_id == NodeRow.id, _caller.type.in_(CALL_TYPES)))
        .where(NodeRow.node_type.startswith(PROCESS_PREFIX))
    )


def kind_of(node_type: str) -> str:
    if ".calcjob." in node_type:
        return "calcjob"
    if ".calcfunction." in node_type:
        return "calcfunction"
    if ".workfunction." in node_type:
        return "workfunction"
    if node_type.startswith("process.workflow."):
        return "workflow"
    return "process"


def row_values(row: Any, child_counts: dict[int, int]) -> dict[str, Any]:
    """The fields of a ProcessRow, from one result row of `process_rows_query`."""
    attributes = row.attributes or {}
    reason = next((attributes[key] for key in PENDING_REASONS if attributes.get(key)), None)
    job_id = attributes.get(JOB_ID)
    return {
        "pk": row.id,
        "parent_pk": row.parent_pk,
        "kind": kind_of(row.node_type),
        "label": row.label,
        "process_label": attributes.get("process_label"),
        "state": row.process_state,
        "paused": bool(attributes.get("paused")),
        "exit_status": attributes.get("exit_status"),
        "status": attributes.get("process_status"),
        "ctime": row.ctime,
        "mtime": row.mtime,
        "computer": row.computer,
        "job_id": None if job_id is None else str(job_id),
        "scheduler_state": attributes.get(SCHEDULER_STATE),
        "pending_reason": reason,
        "child_count": child_counts.get(row.id, 0),
    }


def filter_conditions(
    store: Store, *, states: Sequence[str], text: str | None, computer: str | None, invert: bool
) -> list[ColumnElement[bool]]:
    """The filter of the `/` prompt as SQL; `paused` is a state here although it is an attribute."""
    conditions: list[ColumnElement[bool]] = []
    plain = [state for state in states if state != "paused"]
    state_terms: list[ColumnElement[bool]] = []
    if plain:
        state_terms.append(NodeRow.process_state.in_(plain))
    if "paused" in states:
        paused = JsonFilter(op="contains", value={"paused": True})
        state_terms.append(json_condition(NodeRow.attributes, paused, store.dialect))
    if state_terms:
        conditions.append(or_(*state_terms))
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(
            or_(
                NodeRow.label.ilike(pattern, escape="\\"),
                NodeRow.attributes["process_label"].as_string().ilike(pattern, escape="\\"),
            )
        )
    if computer:
        conditions.append(ComputerRow.label == computer)
    if invert and conditions:
        return [not_(and_(*conditions))]
    return conditions


def is_root() -> ColumnElement[bool]:
    """The process was called by no workflow: a top-level row of the tree."""
    return ~exists().where(LinkRow.output_id == NodeRow.id, LinkRow.type.in_(CALL_TYPES))


def sort_column(sort: str) -> Any:
    return {"pk": NodeRow.id, "label": NodeRow.label, "state": NodeRow.process_state, "ctime": NodeRow.ctime}[sort]


def keyset(query: Select[Any], sort: str, descending: bool, cursor: tuple[Any, int] | None, size: int) -> Select[Any]:
    """Order by (sort column, pk) and start after `cursor`, the last row's (value, pk)."""
    column = sort_column(sort)
    if sort == "pk":
        if cursor is not None:
            query = query.where(NodeRow.id < cursor[1] if descending else NodeRow.id > cursor[1])
        return query.order_by(NodeRow.id.desc() if descending else NodeRow.id).limit(size)
    if sort == "state":  # NULL states sort as ''
        column = func.coalesce(column, "")
    if cursor is not None:
        value, pk = cursor
        if descending:
            query = query.where(or_(column < value, and_(column == value, NodeRow.id < pk)))
        else:
            query = query.where(or_(column > value, and_(column == value, NodeRow.id > pk)))
    order = (column.desc(), NodeRow.id.desc()) if descending else (column, NodeRow.id)
    return query.order_by(*order).limit(size)


def cursor_of(row: Any, sort: str) -> tuple[Any, int]:
    """The keyset cursor after `row`: its sort value and its pk."""
    value = {"pk": row.id, "label": row.label, "state": row.process_state or "", "ctime": row.ctime}[sort]
    return value, row.id


def child_counts(store: Store, pks: Iterable[int]) -> dict[int, int]:
    """How many processes each of `pks` called, in one grouped query per 500 parents."""
    pks = list(pks)
    counts: dict[int, int] = {}
    with store.reading() as session:
        for start in range(0, len(pks), BATCH):
            chunk = pks[start : start + BATCH]
            query = (
                select(LinkRow.input_id, func.count())
                .where(LinkRow.input_id.in_(chunk), LinkRow.type.in_(CALL_TYPES))
                .group_by(LinkRow.input_id)
            )
            counts.update({parent: count for parent, count in session.execute(query)})
    return counts


def children_rows(store: Store, parent_pks: Sequence[int]) -> list[Any]:
    """The processes called by any of `parent_pks`, oldest first (the order they were called)."""
    rows: list[Any] = []
    with store.reading() as session:
        for start in range(0, len(parent_pks), BATCH):
            chunk = list(parent_pks[start : start + BATCH])
            query = process_rows_query().where(_caller.input_id.in_(chunk)).order_by(NodeRow.id)
            rows.extend(session.execute(query).all())
    return rows


def rows_by_pk(store: Store, pks: Sequence[int]) -> list[Any]:
    rows: list[Any] = []
    with store.reading() as session:
        for start in range(0, len(pks), BATCH):
            chunk = list(pks[start : start + BATCH])
            rows.extend(session.execute(process_rows_query().where(NodeRow.id.in_(chunk))).all())
    return rows


def changed_rows(store: Store, since: datetime, limit: int = 2000) -> list[Any]:
    """Processes whose mtime is after `since` (an index range scan on mtime), oldest change first."""
    query = process_rows_query().where(NodeRow.mtime > since).order_by(NodeRow.mtime, NodeRow.id).limit(limit)
    with store.reading() as session:
        return list(session.execute(query).all())


def latest_mtime(store: Store) -> datetime | None:
    with store.reading() as session:
        return session.scalar(select(func.max(NodeRow.mtime)).where(NodeRow.node_type.startswith(PROCESS_PREFIX)))


def active_descendants(store: Store, pks: Sequence[int], active_states: Sequence[str]) -> set[int]:
    """Every process below `pks` through call links that is still active, level by level."""
    found: set[int] = set()
    frontier = list(pks)
    seen = set(pks)
    with store.reading() as session:
        while frontier:
            next_frontier: list[int] = []
            for start in range(0, len(frontier), BATCH):
                chunk = frontier[start : start + BATCH]
                query = (
                    select(NodeRow.id, NodeRow.process_state)
                    .join(LinkRow, LinkRow.output_id == NodeRow.id)
                    .where(LinkRow.input_id.in_(chunk), LinkRow.type.in_(CALL_TYPES))
                )
                for pk, state in session.execute(query):
                    if pk in seen:
                        continue
                    seen.add(pk)
                    next_frontier.append(pk)
                    if state in active_states:
                        found.add(pk)
            frontier = next_frontier
    return found


def state_counts(store: Store, active_states: Sequence[str]) -> dict[str, int]:
    """Processes per active state, plus `paused` among them (an index scan on process_state)."""
    paused = JsonFilter(op="contains", value={"paused": True})
    with store.reading() as session:
        by_state = (
            select(NodeRow.process_state, func.count())
            .where(NodeRow.process_state.in_(active_states))
            .group_by(NodeRow.process_state)
        )
        counts: dict[str, int] = {state: count for state, count in session.execute(by_state)}
        counts["paused"] = (
            session.scalar(
                select(func.count())
                .select_from(NodeRow)
                .where(
                    NodeRow.process_state.in_(active_states),
                    json_condition(NodeRow.attributes, paused, store.dialect),
                )
            )
            or 0
        )
    return counts
