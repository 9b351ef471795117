"""Groups: named, typed sets of nodes (projects, campaigns, highlights)."""

from __future__ import annotations

import uuid as uuid_module
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field, field_validator
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from ..errors import InputError, ModificationNotAllowed, NotExistent, UniquenessError
from ..store.schema import GroupMemberRow, GroupRow, NodeRow
from ..store.store import Store
from .current import get_store
from .entity import Entity, EntityModel
from .nodes.node import Node, node_from_row
from .users import User

if TYPE_CHECKING:
    from ..dump import DumpResult


class GroupModel(EntityModel):
    uuid: str
    label: str = Field(min_length=1, max_length=255)
    type_string: str = "core"
    description: str = ""
    extras: dict[str, Any] = Field(default_factory=dict)
    time: datetime
    user: str | None = Field(default=None, description="Email of the owner; None means the default user.")

    @field_validator("label")
    @classmethod
    def _label_is_trimmed(cls, value: str) -> str:
        if value != value.strip():
            raise ValueError("a group label has no surrounding spaces")
        return value


class Group(Entity):
    Model = GroupModel

    def __init__(
        self,
        label: str,
        *,
        type_string: str = "core",
        description: str = "",
        extras: dict[str, Any] | None = None,
        user: User | str | None = None,
        uuid: str | None = None,
        time: datetime | None = None,
    ) -> None:
        super().__init__()
        if not label or label != label.strip():
            raise InputError(f"invalid group label '{label}': give a non-empty label without surrounding spaces")
        self.uuid = uuid or str(uuid_module.uuid4())
        self._label = label
        self.type_string = type_string
        self.description = description
        self._extras = dict(extras or {})
        self._user = user
        self.time = time or datetime.now(UTC)

    @property
    def label(self) -> str:
        return self._label

    @property
    def extras(self) -> dict[str, Any]:
        return dict(self._extras)

    def set_extra(self, key: str, value: Any) -> None:
        self._extras[key] = value
        if self.is_stored:
            with self.store_backend.transaction() as session:
                session.execute(update(GroupRow).where(GroupRow.id == self.pk).values(extras=self._extras))

    def _user_email(self) -> str | None:
        if self._user is None or isinstance(self._user, str):
            return self._user
        return self._user.email

    def store(self) -> Group:
        if self.is_stored:
            return self
        store = self.store_backend
        email = self._user_email()
        user_id = User.by_email(email, store).pk if email else store.default_user_id
        try:
            with store.transaction() as session:
                row = GroupRow(
                    uuid=self.uuid,
                    label=self._label,
                    type_string=self.type_string,
                    description=self.description,
                    extras=self._extras,
                    time=self.time,
                    user_id=user_id,
                )
                session.add(row)
                session.flush()
        except IntegrityError:
            raise UniquenessError(f"a group '{self._label}' exists already; see 'provtop group list'") from None
        self._mark_stored(row.id, store)
        return self

    def relabel(self, label: str) -> None:
        if not label or label != label.strip():
            raise InputError(f"invalid group label '{label}'")
        if self.is_stored:
            try:
                with self.store_backend.transaction() as session:
                    session.execute(update(GroupRow).where(GroupRow.id == self.pk).values(label=label))
            except IntegrityError:
                raise UniquenessError(f"a group '{label}' exists already; choose another label") from None
        self._label = label

    def _require_stored(self) -> None:
        if not self.is_stored:
            raise ModificationNotAllowed(f"store group '{self._label}' before changing its members")

    def add_nodes(self, nodes: Iterable[Node]) -> int:
        """Add stored nodes; members already present are skipped. Returns how many were new."""
        self._require_stored()
        ids = {node.pk for node in nodes if node.is_stored}
        if not ids:
            return 0
        store = self.store_backend
        insert = pg_insert if store.dialect == "postgresql" else sqlite_insert
        with store.transaction() as session:
            present = set(
                session.scalars(
                    select(GroupMemberRow.node_id).where(
                        GroupMemberRow.group_id == self.pk, GroupMemberRow.node_id.in_(ids)
                    )
                )
            )
            new = sorted(ids - present)
            if new:
                rows = [{"group_id": self.pk, "node_id": node_id} for node_id in new]
                session.execute(insert(GroupMemberRow).on_conflict_do_nothing(), rows)
        return len(new)

    def remove_nodes(self, nodes: Iterable[Node]) -> int:
        self._require_stored()
        ids = [node.pk for node in nodes if node.is_stored]
        with self.store_backend.transaction() as session:
            result = session.connection().execute(
                delete(GroupMemberRow).where(GroupMemberRow.group_id == self.pk, GroupMemberRow.node_id.in_(ids))
            )
        return result.rowcount

    def count(self) -> int:
        if not self.is_stored:
            return 0
        with self.store_backend.reading() as session:
            return session.scalar(
                select(func.count()).select_from(GroupMemberRow).where(GroupMemberRow.group_id == self.pk)
            ) or 0

    @property
    def nodes(self) -> list[Node]:
        if not self.is_stored:
            return []
        store = self.store_backend
        query = (
            select(NodeRow)
            .join(GroupMemberRow, GroupMemberRow.node_id == NodeRow.id)
            .where(GroupMemberRow.group_id == self.pk)
            .order_by(NodeRow.id)
        )
        with store.reading() as session:
            return [node_from_row(row, store) for row in session.scalars(query)]

    def to_model(self, *, content: bool = True) -> GroupModel:
        email = self._user_email()
        if email is None and self.is_stored:
            email = User.default(self.store_backend).email if self._user is None else None
        return GroupModel(
            pk=self.pk,
            uuid=self.uuid,
            label=self._label,
            type_string=self.type_string,
            description=self.description,
            extras=self._extras,
            time=self.time,
            user=email,
        )

    @classmethod
    def _from_model(cls, model: GroupModel) -> Group:
        return cls(
            model.label,
            type_string=model.type_string,
            description=model.description,
            extras=model.extras,
            user=model.user,
            uuid=model.uuid,
            time=model.time,
        )

    @classmethod
    def from_row(cls, row: GroupRow, store: Store) -> Group:
        user = None if row.user_id == store.default_user_id else User.load(row.user_id, store)
        group = cls(
            row.label,
            type_string=row.type_string,
            description=row.description,
            extras=row.extras,
            user=user,
            uuid=row.uuid,
            time=row.time,
        )
        group._mark_stored(row.id, store)
        return group

    @classmethod
    def load(cls, identifier: str | int, store: Store | None = None) -> Group:
        """By pk (an int); a string is tried as label (any type string), uuid, then pk."""
        store = store or get_store()
        with store.reading() as session:
            if isinstance(identifier, int):
                rows = [row for row in [session.get(GroupRow, identifier)] if row is not None]
            else:
                rows = list(session.scalars(select(GroupRow).where(GroupRow.label == identifier)))
                if not rows:
                    rows = list(session.scalars(select(GroupRow).where(GroupRow.uuid == identifier)))
                if not rows and identifier.isdigit():
                    rows = [row for row in [session.get(GroupRow, int(identifier))] if row is not None]
            if not rows:
                raise NotExistent(f"no group '{identifier}'; see 'provtop group list'")
            if len(rows) > 1:
                raise InputError(f"several groups are labelled '{identifier}'; give the pk instead")
            return cls.from_row(rows[0], store)

    @classmethod
    def all(cls, store: Store | None = None) -> list[Group]:
        store = store or get_store()
        with store.reading() as session:
            return [cls.from_row(row, store) for row in session.scalars(select(GroupRow).order_by(GroupRow.id))]

    def dump(self, path: str | Path | None = None, **options: Any) -> DumpResult:
        """Dump the group's processes to readable folders (see `provtop group dump`)."""
        from ..dump import dump_group  # the dump builds on the entities, not the other way round

        self._require_stored()
        return dump_group(self.pk, path, store=self.store_backend, **options)  # type: ignore[arg-type]

    def delete(self, *, with_nodes: bool = False) -> None:
        """Delete the group (its member nodes too with `with_nodes`; see graph deletion for rules)."""
        self._require_stored()
        store = self.store_backend
        with store.transaction() as session:
            if with_nodes:
                member_ids = select(GroupMemberRow.node_id).where(GroupMemberRow.group_id == self.pk)
                session.execute(delete(NodeRow).where(NodeRow.id.in_(member_ids)))
            session.execute(delete(GroupRow).where(GroupRow.id == self.pk))
        self._pk = None
