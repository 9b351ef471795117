"""Who runs which process: engine rows with heartbeats and one lease per active process.

Every function takes the session of a write transaction. On SQLite the transaction holds the
database's write lock from its start (BEGIN IMMEDIATE), so a claim is atomic; on PostgreSQL the
claim selects `FOR UPDATE SKIP LOCKED`, so engines that claim at once take different processes.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.orm import Session

from ..store.schema import EngineRow, ProcessLeaseRow
from .errors import LeaseLost


def utcnow() -> datetime:
    return datetime.now(UTC)


def register_engine(session: Session, engine_id: str) -> None:
    now = utcnow()
    session.add(EngineRow(id=engine_id, hostname=socket.gethostname(), pid=os.getpid(), started=now, heartbeat=now))


def heartbeat(session: Session, engine_id: str, ttl: float) -> set[int]:
    """Extend this engine's leases; return the processes it still owns."""
    now = utcnow()
    session.execute(update(EngineRow).where(EngineRow.id == engine_id).values(heartbeat=now))
    session.execute(
        update(ProcessLeaseRow)
        .where(ProcessLeaseRow.engine_id == engine_id)
        .values(expires_at=now + timedelta(seconds=ttl))
    )
    return set(session.scalars(select(ProcessLeaseRow.node_id).where(ProcessLeaseRow.engine_id == engine_id)))


def claim(session: Session, engine_id: str, ttl: float, limit: int) -> list[int]:
    """Take up to `limit` processes that have no owner or whose owner's lease expired."""
    if limit <= 0:
        return []
    now = utcnow()
    free = or_(ProcessLeaseRow.engine_id.is_(None), ProcessLeaseRow.expires_at < now)
    query = select(ProcessLeaseRow.node_id).where(free).order_by(ProcessLeaseRow.node_id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    node_ids = list(session.scalars(query))
    if node_ids:
        session.execute(
            update(ProcessLeaseRow)
            .where(ProcessLeaseRow.node_id.in_(node_ids))
            .values(engine_id=engine_id, expires_at=now + timedelta(seconds=ttl))
        )
    return node_ids


def create_lease(session: Session, node_id: int, engine_id: str | None, ttl: float) -> None:
    """Make a new process runnable; an engine that creates it may own it from the start."""
    now = utcnow()
    expires = now + timedelta(seconds=ttl) if engine_id else None
    session.add(ProcessLeaseRow(node_id=node_id, engine_id=engine_id, expires_at=expires, created=now))


# The fence runs before every engine write, the release once per process: Core statements built
# once and run on the session's connection cost about half of the ORM path (autoflush, compiling).
_LEASES = ProcessLeaseRow.__table__
_OWNER = select(_LEASES.c.engine_id).where(_LEASES.c.node_id == bindparam("lease_node_id"))
_OWNER_LOCKED = _OWNER.with_for_update()
_RELEASE = delete(_LEASES).where(_LEASES.c.node_id == bindparam("lease_node_id"))


def assert_owner(session: Session, node_id: int, engine_id: str) -> None:
    """Fence a write: raise LeaseLost unless `engine_id` still holds the process's lease."""
    connection = session.connection()
    query = _OWNER_LOCKED if connection.dialect.name == "postgresql" else _OWNER
    owner = connection.execute(query, {"lease_node_id": node_id}).scalar()
    if owner != engine_id:
        raise LeaseLost(f"process {node_id} is no longer run by this engine")


def release(session: Session, node_id: int) -> None:
    """The process terminated: nobody needs to run it any more."""
    session.connection().execute(_RELEASE, {"lease_node_id": node_id})


def release_all(session: Session, engine_id: str) -> None:
    """A clean stop: hand every process back at once instead of waiting for the leases to expire."""
    session.execute(
        update(ProcessLeaseRow).where(ProcessLeaseRow.engine_id == engine_id).values(engine_id=None, expires_at=None)
    )
    session.execute(update(EngineRow).where(EngineRow.id == engine_id).values(stopped=utcnow()))
