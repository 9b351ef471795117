"""The one query API over nodes: filters, keyset pages, counts and creation statistics."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select, func, or_, select

from ..entities.groups import Group
from ..entities.nodes.node import Node, node_from_row
from ..errors import NotExistent
from ..store.schema import ComputerRow, GroupMemberRow, NodeRow, UserRow
from ..store.store import Store
from .filters import NodeFilter, PageRequest
from .json_sql import json_condition


def _node_type_condition(node_types: list[str]) -> Any:
    exact = [t for t in node_types if t in Node._registry or not t.endswith(".")]
    prefixes = [t for t in node_types if t not in exact]
    conditions = [NodeRow.node_type.in_(exact)] if exact else []
    conditions += [NodeRow.node_type.startswith(prefix, autoescape=True) for prefix in prefixes]
    return or_(*conditions)


def apply_filter(query: Select[Any], flt: NodeFilter, store: Store) -> Select[Any]:
    """Add the filter's conditions to a select over NodeRow."""
    if flt.node_types:
        query = query.where(_node_type_condition(flt.node_types))
    if flt.process_states:
        query = query.where(NodeRow.process_state.in_(flt.process_states))
    if flt.label is not None:
        query = query.where(NodeRow.label == flt.label)
    if flt.label_like is not None:
        query = query.where(NodeRow.label.like(flt.label_like))
    for column, after, before in (
        (NodeRow.ctime, flt.ctime_after, flt.ctime_before),
        (NodeRow.mtime, flt.mtime_after, flt.mtime_before),
    ):
        if after is not None:
            query = query.where(column >= after)
        if before is not None:
            query = query.where(column < before)
    if flt.group is not None:
        group = Group.load(flt.group, store)
        members = select(GroupMemberRow.node_id).where(GroupMemberRow.group_id == group.pk)
        query = query.where(NodeRow.id.in_(members))
    if flt.computer is not None:
        computer_id = select(ComputerRow.id).where(ComputerRow.label == flt.computer).scalar_subquery()
        query = query.where(NodeRow.computer_id == computer_id)
    if flt.user is not None:
        user_id = select(UserRow.id).where(UserRow.email == flt.user).scalar_subquery()
        query = query.where(NodeRow.user_id == user_id)
    for column, conditions in ((NodeRow.attributes, flt.attributes), (NodeRow.extras, flt.extras)):
        for condition in conditions:
            query = query.where(json_condition(column, condition, store.dialect))
    return query


def _paged(query: Select[Any], page: PageRequest) -> Select[Any]:
    if page.descending:
        if page.after_pk is not None:
            query = query.where(NodeRow.id < page.after_pk)
        return query.order_by(NodeRow.id.desc()).limit(page.size)
    if page.after_pk is not None:
        query = query.where(NodeRow.id > page.after_pk)
    return query.order_by(NodeRow.id).limit(page.size)


def find_nodes(store: Store, flt: NodeFilter | None = None, page: PageRequest | None = None) -> list[Node]:
    """One page of matching nodes; pass the last pk as `after_pk` for the next page."""
    query = apply_filter(select(NodeRow), flt or NodeFilter(), store)
    with store.reading() as session:
        return [node_from_row(row, store) for row in session.scalars(_paged(query, page or PageRequest()))]


def iter_nodes(store: Store, flt: NodeFilter | None = None, page_size: int = 1000) -> Iterator[Node]:
    """Every matching node, oldest first, fetched page by page."""
    page = PageRequest(size=page_size, descending=False)
    while nodes := find_nodes(store, flt, page):
        yield from nodes
        page = page.model_copy(update={"after_pk": nodes[-1].pk})


def count_nodes(store: Store, flt: NodeFilter | None = None) -> int:
    query = apply_filter(select(func.count(NodeRow.id)), flt or NodeFilter(), store)
    with store.reading() as session:
        return session.scalar(query) or 0


class CreationStatistics(BaseModel):
    total: int
    types: dict[str, int]
    ctime_by_day: dict[str, int]


def get_creation_statistics(store: Store, user: str | None = None) -> CreationStatistics:
    """Node counts in all, per type and per day of creation (days in UTC on every database)."""
    if store.dialect == "postgresql":
        day = func.to_char(func.timezone("UTC", NodeRow.ctime), "YYYY-MM-DD")
    else:
        day = func.substr(NodeRow.ctime, 1, 10)
    condition = []
    with store.reading() as session:
        if user is not None:
            user_id = session.scalar(select(UserRow.id).where(UserRow.email == user))
            if user_id is None:
                raise NotExistent(f"no user '{user}'")
            condition.append(NodeRow.user_id == user_id)
        types = dict(
            session.execute(select(NodeRow.node_type, func.count()).where(*condition).group_by(NodeRow.node_type)).all()
        )
        days = dict(session.execute(select(day, func.count()).where(*condition).group_by(day).order_by(day)).all())
    return CreationStatistics(total=sum(types.values()), types=dict(sorted(types.items())), ctime_by_day=days)
