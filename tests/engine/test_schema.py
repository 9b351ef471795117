"""Schema 0002: the engine's tables come from a hand-written migration that matches schema.py on both databases."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from provtop.backend.store import migrations_runner
from provtop.backend.store.schema import Base
from sqlalchemy import create_engine, inspect

ENGINE_TABLES = {"engines", "process_leases", "process_checkpoints", "process_control_requests", "remote_jobs"}


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_migration_0002_creates_exactly_the_tables_schema_py_declares(database: str, request: pytest.FixtureRequest) -> None:
    url = "sqlite://" if database == "sqlite" else request.getfixturevalue("postgres_url")
    engine = create_engine(url)
    try:
        migrations_runner.upgrade_to_head(engine)
        assert migrations_runner.current_revision(engine) == "0002"
        assert ENGINE_TABLES <= set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        engine.dispose()
