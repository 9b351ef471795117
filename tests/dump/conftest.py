"""Fixtures for the dump tests: a fresh profile (SQLite, or PostgreSQL where a test asks) and a dump root."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from provtop.backend.entities.current import set_current_store
from provtop.backend.profiles import load_profile, setup_profile
from provtop.backend.store.store import Store



@pytest.fixture
def store(provtop_home: Path) -> Iterator[Store]:
    """A fresh SQLite profile named 'dumptest', loaded as the current store."""
    setup_profile("dumptest")
    opened = load_profile("dumptest")
    yield opened
    set_current_store(None)
    opened.close()


@pytest.fixture
def pg_store(provtop_home: Path, request: pytest.FixtureRequest) -> Iterator[Store]:
    """The same on PostgreSQL (skipped where the server binaries are missing)."""
    server = request.getfixturevalue("postgres_server")
    database = f"provtop_dump_{uuid.uuid4().hex[:12]}"
    setup_profile("dumptest", storage="postgresql", url=server.create_database(database))
    opened = load_profile("dumptest")
    yield opened
    set_current_store(None)
    opened.close()
    server.drop_database(database)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """Where dumps go; each test's own."""
    return tmp_path / "dumps"
