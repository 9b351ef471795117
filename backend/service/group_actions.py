"""Groups: create, list, show, change members, relabel, and delete by name or by filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import func, or_, select

from ..entities.groups import Group
from ..entities.loading import load_node
from ..entities.nodes.node import NodeModel
from ..errors import InputError
from ..queries.graph import delete_nodes, deletion_closure
from ..store.schema import GroupMemberRow, GroupRow, UserRow
from ..store.store import Store
from .models import ActionResult


class GroupSummary(BaseModel):
    pk: int
    uuid: str
    label: str
    type_string: str
    description: str
    user: str
    time: datetime
    count: int


class GroupDeleteFilter(BaseModel):
    """Which groups `group delete` picks when no group is named; label tests are OR-combined."""

    startswith: str | None = None
    endswith: str | None = None
    contains: str | None = None
    past_days: int | None = Field(default=None, ge=0)
    type_string: str = "core"
    node: str | None = None
    user: str | None = None
    all_users: bool = False

    @property
    def is_empty(self) -> bool:
        return not any((self.startswith, self.endswith, self.contains, self.past_days is not None, self.node))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class GroupActions:
    store: Store

    def create_group(self, label: str, *, description: str = "", type_string: str = "core") -> GroupSummary:
        group = Group(label, description=description, type_string=type_string)
        group._store = self.store
        group.store()
        return self._summaries([group.pk])[0]  # type: ignore[list-item]

    def list_groups(self, *, type_string: str | None = None) -> list[GroupSummary]:
        query = select(GroupRow.id).order_by(GroupRow.id)
        if type_string is not None:
            query = query.where(GroupRow.type_string == type_string)
        with self.store.reading() as session:
            return self._summaries(list(session.scalars(query)))

    def _summaries(self, pks: list[int]) -> list[GroupSummary]:
        counts = (
            select(GroupMemberRow.group_id, func.count().label("n"))
            .where(GroupMemberRow.group_id.in_(pks))
            .group_by(GroupMemberRow.group_id)
            .subquery()
        )
        query = (
            select(GroupRow, UserRow.email, func.coalesce(counts.c.n, 0))
            .join(UserRow, UserRow.id == GroupRow.user_id)
            .outerjoin(counts, counts.c.group_id == GroupRow.id)
            .where(GroupRow.id.in_(pks))
            .order_by(GroupRow.id)
        )
        with self.store.reading() as session:
            return [
                GroupSummary(
                    pk=row.id,
                    uuid=row.uuid,
                    label=row.label,
                    type_string=row.type_string,
                    description=row.description,
                    user=email,
                    time=row.time,
                    count=count,
                )
                for row, email, count in session.execute(query)
            ]

    def show_group(self, identifier: str) -> tuple[GroupSummary, list[NodeModel]]:
        group = Group.load(identifier, self.store)
        members = [node.to_model(content=False) for node in group.nodes]
        return self._summaries([group.pk])[0], members  # type: ignore[list-item]

    def add_to_group(self, identifier: str, nodes: list[str]) -> ActionResult:
        group = Group.load(identifier, self.store)
        loaded = [load_node(node, self.store) for node in nodes]
        added = group.add_nodes(loaded)
        return ActionResult(
            message=f"added {added} node(s) to group '{group.label}' ({len(loaded) - added} already in it)",
            counts={"added": added},
        )

    def remove_from_group(self, identifier: str, nodes: list[str]) -> ActionResult:
        group = Group.load(identifier, self.store)
        removed = group.remove_nodes([load_node(node, self.store) for node in nodes])
        return ActionResult(message=f"removed {removed} node(s) from group '{group.label}'", counts={"removed": removed})

    def relabel_group(self, identifier: str, label: str) -> ActionResult:
        group = Group.load(identifier, self.store)
        old = group.label
        group.relabel(label)
        return ActionResult(message=f"group '{old}' is now '{label}'")

    def find_groups(self, labels: list[str], flt: GroupDeleteFilter) -> list[GroupSummary]:
        """Named groups, or those the filters pick; never both."""
        if labels and not flt.is_empty:
            raise InputError("give either groups or filters, not both")
        if labels:
            return self._summaries([Group.load(label, self.store).pk for label in labels])  # type: ignore[misc]
        if flt.is_empty:
            raise InputError("name groups or give a filter (--startswith, --endswith, --contains, --past-days, --node)")
        return self._summaries(self._filtered_group_ids(flt))

    def _filtered_group_ids(self, flt: GroupDeleteFilter) -> list[int]:
        query = select(GroupRow.id).order_by(GroupRow.id)
        if "%" in flt.type_string or "_" in flt.type_string:
            query = query.where(GroupRow.type_string.like(flt.type_string))
        else:
            query = query.where(GroupRow.type_string == flt.type_string)
        labels = []
        if flt.startswith:
            labels.append(GroupRow.label.like(_escape_like(flt.startswith) + "%", escape="\\"))
        if flt.endswith:
            labels.append(GroupRow.label.like("%" + _escape_like(flt.endswith), escape="\\"))
        if flt.contains:
            labels.append(GroupRow.label.like("%" + _escape_like(flt.contains) + "%", escape="\\"))
        if labels:
            query = query.where(or_(*labels))
        if flt.past_days is not None:
            query = query.where(GroupRow.time >= datetime.now(UTC) - timedelta(days=flt.past_days))
        if flt.node:
            node = load_node(flt.node, self.store)
            query = query.where(GroupRow.id.in_(select(GroupMemberRow.group_id).where(GroupMemberRow.node_id == node.pk)))
        if not flt.all_users:
            if flt.user:
                query = query.where(GroupRow.user_id.in_(select(UserRow.id).where(UserRow.email == flt.user)))
            else:
                query = query.where(GroupRow.user_id == self.store.default_user_id)
        with self.store.reading() as session:
            return list(session.scalars(query))

    def delete_groups(self, pks: list[int], *, delete_members: bool = False, dry_run: bool = False) -> ActionResult:
        """Delete groups; with `delete_members`, their nodes too (and what provenance ties to them)."""
        doomed: set[int] = set()
        if delete_members:
            with self.store.reading() as session:
                members = set(session.scalars(select(GroupMemberRow.node_id).where(GroupMemberRow.group_id.in_(pks))))
            doomed = deletion_closure(self.store, members)
        counts = {"groups": len(pks), "nodes": len(doomed)}
        if dry_run:
            return ActionResult(
                message=f"would delete {len(pks)} group(s) and {len(doomed)} node(s)", counts=counts, dry_run=True
            )
        with self.store.transaction():
            if doomed:
                delete_nodes(self.store, doomed)
            for pk in pks:
                Group.load(pk, self.store).delete()
        return ActionResult(message=f"deleted {len(pks)} group(s) and {len(doomed)} node(s)", counts=counts)

