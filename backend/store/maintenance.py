"""Repository upkeep: delete objects no node references, clear crash leftovers, vacuum.

Objects younger than a grace period are kept: a writer stores its files before the node that
references them commits, and maintenance must not pull them from under it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from pydantic import BaseModel
from sqlalchemy import select, text

from .schema import NodeRow
from .store import Store

GRACE_SECONDS = 600
Progress = Callable[[int, int], None]


class MaintenancePlan(BaseModel):
    objects_total: int
    unreferenced_keys: list[str]
    unreferenced_bytes: int
    staging_files: int
    skipped_recent: int


class MaintenanceReport(BaseModel):
    deleted_objects: int
    freed_bytes: int
    deleted_staging_files: int
    vacuumed: bool


def referenced_keys(store: Store) -> set[str]:
    keys: set[str] = set()
    with store.reading() as session:
        for metadata in session.scalars(select(NodeRow.repository_metadata).execution_options(yield_per=2000)):
            keys.update(entry["key"] for entry in metadata.values())
    return keys


def plan_maintenance(store: Store, *, grace_seconds: float = GRACE_SECONDS) -> MaintenancePlan:
    referenced = referenced_keys(store)
    cutoff = time.time() - grace_seconds
    unreferenced, size, recent, total = [], 0, 0, 0
    for key in store.repository.keys():
        total += 1
        if key in referenced:
            continue
        stat = store.repository.object_path(key).stat()
        if stat.st_mtime > cutoff:
            recent += 1
            continue
        unreferenced.append(key)
        size += stat.st_size
    staging = [p for p in store.repository.staging_leftovers() if p.stat().st_mtime <= cutoff]
    return MaintenancePlan(
        objects_total=total,
        unreferenced_keys=unreferenced,
        unreferenced_bytes=size,
        staging_files=len(staging),
        skipped_recent=recent,
    )


def run_maintenance(
    store: Store, plan: MaintenancePlan, *, progress: Progress | None = None, grace_seconds: float = GRACE_SECONDS
) -> MaintenanceReport:
    total = len(plan.unreferenced_keys)
    for done, key in enumerate(plan.unreferenced_keys, start=1):
        store.repository.delete(key)
        if progress:
            progress(done, total)
    cutoff = time.time() - grace_seconds
    staging = [p for p in store.repository.staging_leftovers() if p.stat().st_mtime <= cutoff]
    for path in staging:
        path.unlink(missing_ok=True)
    vacuum(store)
    return MaintenanceReport(
        deleted_objects=total,
        freed_bytes=plan.unreferenced_bytes,
        deleted_staging_files=len(staging),
        vacuumed=True,
    )


def vacuum(store: Store) -> None:
    """Give free pages back (SQLite) or refresh statistics and reclaim space (PostgreSQL)."""
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM" if store.dialect == "sqlite" else "VACUUM ANALYZE"))
