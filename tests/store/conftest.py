"""Fixtures for the store tests: a fresh profile on SQLite and on PostgreSQL, made as a user makes one."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from provtop.backend.entities.current import set_current_store
from provtop.backend.profiles import load_profile, setup_profile
from provtop.backend.store.store import Store
from tests.fixtures.services import PostgresServer

BACKENDS = ["sqlite", "postgresql"]

OpenProfile = Callable[[str, str], Store]


@pytest.fixture
def open_profile(request: pytest.FixtureRequest, provtop_home: Path) -> Iterator[OpenProfile]:
    """Create and load profiles on either database; every store is closed at teardown.

    The last one opened is the current store, as after `load_profile`.
    """
    opened: list[Store] = []
    databases: list[tuple[PostgresServer, str]] = []

    def open_(name: str, backend: str) -> Store:
        if backend == "postgresql":
            # The session server, not `make_postgres_url`: databases must outlive the stores using them.
            server = request.getfixturevalue("postgres_server")
            database = f"provtop_store_{uuid.uuid4().hex[:12]}"
            databases.append((server, database))
            setup_profile(name, storage="postgresql", url=server.create_database(database))
        else:
            setup_profile(name)
        store = load_profile(name)
        opened.append(store)
        return store

    yield open_
    set_current_store(None)
    for store in opened:
        store.close()
    for server, database in databases:
        server.drop_database(database)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database a parametrised store test runs on."""
    return request.param


@pytest.fixture
def profile_store(backend: str, open_profile: OpenProfile) -> Store:
    """A fresh profile's store (default user, `localhost` computer), loaded as the current store."""
    return open_profile("test", backend)
