"""The store as a whole: what it holds, upkeep, and schema migration."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from ..config import Config
from ..errors import SchemaVersionError, StorageError
from ..queries.nodes import CreationStatistics, get_creation_statistics
from ..store import migrations_runner
from ..store.database import create_database_engine
from ..store.maintenance import MaintenancePlan, MaintenanceReport, plan_maintenance, run_maintenance
from ..store.schema import ComputerRow, GroupRow, NodeRow, UserRow
from ..store.store import Store
from .models import ActionResult, StorageInfo


def _hide_password(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


class StorageActions:
    store: Store

    def storage_info(self) -> StorageInfo:
        profile = Config.load().profile(self.store.name)
        with self.store.reading() as session:
            states = dict(
                session.execute(
                    select(NodeRow.process_state, func.count())
                    .where(NodeRow.process_state.is_not(None))
                    .group_by(NodeRow.process_state)
                ).all()
            )
            counts = {
                name: session.scalar(select(func.count()).select_from(table)) or 0
                for name, table in (("nodes", NodeRow), ("groups", GroupRow), ("computers", ComputerRow), ("users", UserRow))
            }
        objects = list(self.store.repository.keys())
        return StorageInfo(
            profile=profile.name,
            storage=profile.storage,
            database=_hide_password(profile.database_url),
            schema_version=migrations_runner.current_revision(self.store.engine) or "",
            repository=str(self.store.repository.root),
            repository_objects=len(objects),
            repository_bytes=sum(self.store.repository.size_of(key) for key in objects),
            process_states=states,
            **counts,
        )

    def creation_statistics(self, user: str | None = None) -> CreationStatistics:
        return get_creation_statistics(self.store, user)

    def plan_maintenance(self) -> MaintenancePlan:
        return plan_maintenance(self.store)

    def run_maintenance(
        self, plan: MaintenancePlan, progress: Callable[[int, int], None] | None = None
    ) -> MaintenanceReport:
        return run_maintenance(self.store, plan, progress=progress)


def migrate_profile(name: str | None = None) -> ActionResult:
    """Bring a profile's store to this provtop's schema; a newer store is refused."""
    profile = Config.load().profile(name)
    engine = create_database_engine(profile.database_url)
    try:
        head = migrations_runner.head_revision()
        current = migrations_runner.current_revision(engine)
        start = None
        if current is None and not migrations_runner.is_empty(engine):
            start = migrations_runner.revision_of_unversioned(engine)
            if start is None:
                raise SchemaVersionError(
                    f"the store of profile '{profile.name}' has tables but no schema version, and they match "
                    "no version of provtop; restore it from a backup"
                )
        elif current == head:
            return ActionResult(message=f"profile '{profile.name}' is at schema version {head} already")
        elif current is not None and current not in migrations_runner.known_revisions():
            raise SchemaVersionError(
                f"the store of profile '{profile.name}' has schema version {current}, newer than this "
                f"provtop's {head}; upgrade provtop instead"
            )
        try:
            migrations_runner.upgrade_to_head(engine, from_revision=start)
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise StorageError(
                f"migrating the store of profile '{profile.name}' failed and changed nothing: {reason}"
            ) from None
    finally:
        engine.dispose()
    was = current or (f"no recorded version (tables of {start})" if start else "empty")
    return ActionResult(message=f"profile '{profile.name}' migrated from {was} to {head}")
