"""A process's place in its lifecycle, saved before each step so a restarted engine continues there."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import delete, insert, update
from sqlalchemy.orm import Session

from ..store.schema import ProcessCheckpointRow
from .leases import utcnow


class Checkpoint(BaseModel):
    """`step` names the next thing to do; `data` holds what the steps so far learned."""

    step: str
    data: dict[str, Any] = Field(default_factory=dict)


def load(session: Session, node_id: int) -> Checkpoint | None:
    row = session.get(ProcessCheckpointRow, node_id)
    return None if row is None else Checkpoint(step=row.step, data=dict(row.data))


def save(session: Session, node_id: int, checkpoint: Checkpoint) -> None:
    values = {"step": checkpoint.step, "data": dict(checkpoint.data), "updated": utcnow()}
    changed = session.execute(
        update(ProcessCheckpointRow).where(ProcessCheckpointRow.node_id == node_id).values(**values)
    ).rowcount
    if not changed:
        session.execute(insert(ProcessCheckpointRow).values(node_id=node_id, **values))


def remove(session: Session, node_id: int) -> None:
    session.execute(delete(ProcessCheckpointRow).where(ProcessCheckpointRow.node_id == node_id))
