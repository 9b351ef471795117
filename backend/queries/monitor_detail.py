"""Queries behind the monitor's detail pane and group browser: one process's neighbours, logs, files; group members."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from ..store.schema import GroupMemberRow, LinkRow, LogRow, NodeRow
from ..store.store import Store

INPUT_TYPES = ("input_calc", "input_work")
OUTPUT_TYPES = ("create", "return")
CALL_TYPES = ("call_calc", "call_work")


def summarise(node_type: str, attributes: dict[str, Any], *, width: int = 40) -> str:
    """A one-line rendering of a data node's value, for lists of inputs and outputs."""
    if "value" in attributes and len(attributes) <= 2:
        text = json.dumps(attributes["value"], default=str)
    elif "filename" in attributes:
        text = str(attributes["filename"])
    elif "remote_path" in attributes:
        text = str(attributes["remote_path"])
    elif node_type.startswith("data.core.dict."):
        text = f"{len(attributes)} keys"
    elif node_type.startswith("process."):
        state = attributes.get("process_state") or ""
        text = f"{attributes.get('process_label') or ''} {state}".strip()
    else:
        text = ""
    return text if len(text) <= width else text[: width - 1] + "…"


def neighbours(store: Store, pk: int) -> dict[str, list[dict[str, Any]]]:
    """The process's inputs, outputs, called processes and caller, each with type, label and value."""
    found: dict[str, list[dict[str, Any]]] = {"inputs": [], "outputs": [], "called": [], "caller": []}
    incoming = (
        select(LinkRow.type, LinkRow.label, NodeRow.id, NodeRow.node_type, NodeRow.label, NodeRow.attributes)
        .join(NodeRow, NodeRow.id == LinkRow.input_id)
        .where(LinkRow.output_id == pk)
    )
    outgoing = (
        select(LinkRow.type, LinkRow.label, NodeRow.id, NodeRow.node_type, NodeRow.label, NodeRow.attributes)
        .join(NodeRow, NodeRow.id == LinkRow.output_id)
        .where(LinkRow.input_id == pk)
    )
    with store.reading() as session:
        for direction, query in (("in", incoming), ("out", outgoing)):
            for link_type, link_label, node_pk, node_type, label, attributes in session.execute(query.order_by(LinkRow.id)):
                if direction == "in":
                    bucket = "caller" if link_type in CALL_TYPES else "inputs"
                else:
                    bucket = "called" if link_type in CALL_TYPES else "outputs"
                found[bucket].append(
                    {
                        "pk": node_pk,
                        "link_label": link_label,
                        "link_type": link_type,
                        "node_type": node_type,
                        "label": label,
                        "summary": summarise(node_type, attributes or {}),
                    }
                )
    for bucket in ("inputs", "outputs"):
        found[bucket].sort(key=lambda item: item["link_label"])
    return found


def node_columns(store: Store, pk: int) -> Any | None:
    """The columns of one node that the detail pane shows, or None if it does not exist."""
    query = select(
        NodeRow.uuid,
        NodeRow.node_type,
        NodeRow.process_type,
        NodeRow.description,
        NodeRow.attributes,
        NodeRow.extras,
        NodeRow.repository_metadata,
    ).where(NodeRow.id == pk)
    with store.reading() as session:
        return session.execute(query).one_or_none()


def logs(store: Store, pk: int, limit: int) -> tuple[list[tuple[Any, str, str]], int]:
    """The newest `limit` log records of a node, oldest first, and how many there are."""
    with store.reading() as session:
        total = session.scalar(select(func.count()).select_from(LogRow).where(LogRow.node_id == pk)) or 0
        newest = session.execute(
            select(LogRow.time, LogRow.levelname, LogRow.message)
            .where(LogRow.node_id == pk)
            .order_by(LogRow.time.desc(), LogRow.id.desc())
            .limit(limit)
        ).all()
    return [tuple(row) for row in reversed(newest)], total


def group_members(store: Store, group_pk: int, after_pk: int | None, size: int) -> tuple[list[Any], int]:
    """A keyset page of a group's members (pk order) and the member count."""
    query = (
        select(NodeRow.id, NodeRow.node_type, NodeRow.label, NodeRow.ctime, NodeRow.process_state, NodeRow.attributes)
        .join(GroupMemberRow, GroupMemberRow.node_id == NodeRow.id)
        .where(GroupMemberRow.group_id == group_pk)
    )
    if after_pk is not None:
        query = query.where(NodeRow.id > after_pk)
    with store.reading() as session:
        rows = session.execute(query.order_by(NodeRow.id).limit(size)).all()
        total = session.scalar(
            select(func.count()).select_from(GroupMemberRow).where(GroupMemberRow.group_id == group_pk)
        ) or 0
    return list(rows), total
