"""Log records attached to nodes: what a process reported while it ran."""

from __future__ import annotations

import logging
import uuid as uuid_module
from datetime import UTC, datetime
from typing import Any

from pydantic import Field, field_validator
from sqlalchemy import select

from ..errors import NotExistent, ValidationError
from ..store.schema import LogRow, NodeRow
from ..store.store import Store
from .entity import Entity, EntityModel
from .nodes.node import Node


class LogModel(EntityModel):
    uuid: str
    node: str = Field(description="uuid of the node the record belongs to.")
    time: datetime
    loggername: str = ""
    levelname: str
    message: str
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("levelname")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in logging.getLevelNamesMapping():
            raise ValueError(f"unknown log level '{value}'")
        return value


class Log(Entity):
    Model = LogModel

    def __init__(
        self,
        node: Node | str,
        levelname: str,
        message: str,
        *,
        loggername: str = "provtop",
        time: datetime | None = None,
        metadata: dict[str, Any] | None = None,
        uuid: str | None = None,
    ) -> None:
        super().__init__()
        if levelname.upper() not in logging.getLevelNamesMapping():
            raise ValidationError(f"unknown log level '{levelname}'; use one of {', '.join(logging.getLevelNamesMapping())}")
        self.uuid = uuid or str(uuid_module.uuid4())
        self._node = node
        self.levelname = levelname.upper()
        self.message = message
        self.loggername = loggername
        self.time = time or datetime.now(UTC)
        self.metadata = dict(metadata or {})

    @property
    def node_uuid(self) -> str:
        return self._node if isinstance(self._node, str) else self._node.uuid

    def store(self) -> Log:
        if self.is_stored:
            return self
        store = self.store_backend if isinstance(self._node, str) else self._node.store_backend
        with store.transaction() as session:
            node_id = self._node.pk if isinstance(self._node, Node) else None
            if node_id is None:
                node_id = session.scalar(select(NodeRow.id).where(NodeRow.uuid == self.node_uuid))
            if node_id is None:
                raise NotExistent(f"store the node {self.node_uuid} before logging to it")
            row = LogRow(
                uuid=self.uuid,
                node_id=node_id,
                time=self.time,
                loggername=self.loggername,
                levelname=self.levelname,
                message=self.message,
                metadata_=self.metadata,
            )
            session.add(row)
            session.flush()
        self._mark_stored(row.id, store)
        return self

    def to_model(self, *, content: bool = True) -> LogModel:
        return LogModel(
            pk=self.pk,
            uuid=self.uuid,
            node=self.node_uuid,
            time=self.time,
            loggername=self.loggername,
            levelname=self.levelname,
            message=self.message,
            metadata=self.metadata,
        )

    @classmethod
    def _from_model(cls, model: LogModel) -> Log:
        return cls(
            model.node,
            model.levelname,
            model.message,
            loggername=model.loggername,
            time=model.time,
            metadata=model.metadata,
            uuid=model.uuid,
        )

    @classmethod
    def _from_row(cls, node_uuid: str, row: LogRow, store: Store) -> Log:
        log = cls(
            node_uuid,
            row.levelname,
            row.message,
            loggername=row.loggername,
            time=row.time,
            metadata=row.metadata_,
            uuid=row.uuid,
        )
        log._mark_stored(row.id, store)
        return log

    @classmethod
    def for_node(cls, node: Node, store: Store | None = None) -> list[Log]:
        store = store or node.store_backend
        if not node.is_stored:
            return []
        with store.reading() as session:
            rows = session.scalars(select(LogRow).where(LogRow.node_id == node.pk).order_by(LogRow.time, LogRow.id))
            return [cls._from_row(node.uuid, row, store) for row in rows]

