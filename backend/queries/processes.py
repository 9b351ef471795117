"""Queries for `process list|report` and engine health, on top of the monitor's process rows.

Rows come from `monitor_processes` (the TUI's queries), so the CLI and the TUI show the same
fields; listing is one index range scan on (process_state, id), a page costs the same on 100 or
100k processes.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select

from ..store.schema import EngineRow, LogRow, NodeRow, ProcessLeaseRow
from ..store.store import Store
from . import monitor_processes


def page(
    store: Store,
    *,
    states: list[str] | None,
    since: datetime | None = None,
    limit: int = 100,
    before_pk: int | None = None,
    label_like: str | None = None,
) -> list[Any]:
    """Result rows of `monitor_processes.process_rows_query`, newest first; `states=None`: any state."""
    query = monitor_processes.process_rows_query()
    if states is not None:
        query = query.where(NodeRow.process_state.in_(states))
    if since is not None:
        query = query.where(NodeRow.ctime >= since)
    if before_pk is not None:
        query = query.where(NodeRow.id < before_pk)
    if label_like is not None:
        query = query.where(NodeRow.attributes["process_label"].as_string().like(label_like))
    with store.reading() as session:
        return list(session.execute(query.order_by(NodeRow.id.desc()).limit(limit)).all())


def count_in_states(store: Store, states: tuple[str, ...] | list[str]) -> int:
    """How many processes are in `states`: an index-only count on (process_state, id)."""
    with store.reading() as session:
        return session.scalar(select(func.count(NodeRow.id)).where(NodeRow.process_state.in_(states))) or 0


def logs(store: Store, pks: list[int], min_level: int) -> list[tuple[int, datetime, str, str]]:
    """(node pk, time, level, message) of the given nodes at `min_level` or above, in time order."""
    names = [name for name, level in logging.getLevelNamesMapping().items() if level >= min_level]
    with store.reading() as session:
        rows = session.execute(
            select(LogRow.node_id, LogRow.time, LogRow.levelname, LogRow.message)
            .where(LogRow.node_id.in_(pks), LogRow.levelname.in_(names))
            .order_by(LogRow.time, LogRow.id)
        ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


class EngineInfo(BaseModel):
    id: str
    hostname: str
    pid: int
    started: datetime
    heartbeat: datetime
    processes: int


def engines(store: Store) -> list[EngineInfo]:
    """Engines that have not stopped cleanly, with how many processes each holds."""
    with store.reading() as session:
        counts = dict(session.execute(
            select(ProcessLeaseRow.engine_id, func.count()).where(ProcessLeaseRow.engine_id.is_not(None))
            .group_by(ProcessLeaseRow.engine_id)
        ).all())
        rows = session.scalars(select(EngineRow).where(EngineRow.stopped.is_(None)).order_by(EngineRow.started)).all()
        return [EngineInfo(id=r.id, hostname=r.hostname, pid=r.pid, started=r.started, heartbeat=r.heartbeat,
                           processes=counts.get(r.id, 0)) for r in rows]
