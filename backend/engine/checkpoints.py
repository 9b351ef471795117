"""A process's place in its lifecycle, saved before each step so a restarted engine continues there."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import bindparam, delete, insert, update
from sqlalchemy.orm import Session

from ..store.schema import ProcessCheckpointRow
from .leases import utcnow

# Core statements built once and run on the session's connection: the ORM's bulk UPDATE path
# (autoflush, compiling, syncing the identity map) cost 2-4 times as much, on every step of every job.
_TABLE = ProcessCheckpointRow.__table__
_UPDATE = update(_TABLE).where(_TABLE.c.node_id == bindparam("checkpoint_node_id"))
_INSERT = insert(_TABLE)
_DELETE = delete(_TABLE).where(_TABLE.c.node_id == bindparam("checkpoint_node_id"))


class Checkpoint(BaseModel):
    """`step` names the next thing to do; `data` holds what the steps so far learned."""

    step: str
    data: dict[str, Any] = Field(default_factory=dict)


def load(session: Session, node_id: int) -> Checkpoint | None:
    row = session.get(ProcessCheckpointRow, node_id)
    return None if row is None else Checkpoint(step=row.step, data=dict(row.data))


def save(session: Session, node_id: int, checkpoint: Checkpoint) -> None:
    connection = session.connection()
    values = {"step": checkpoint.step, "data": dict(checkpoint.data), "updated": utcnow()}
    if not connection.execute(_UPDATE, {"checkpoint_node_id": node_id, **values}).rowcount:
        connection.execute(_INSERT, {"node_id": node_id, **values})


def remove(session: Session, node_id: int) -> None:
    session.connection().execute(_DELETE, {"checkpoint_node_id": node_id})
