"""Fixtures for backend tests: fresh profiles in a private PROVTOP_HOME, and a populated demo graph."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from provtop.backend.demo import DemoSummary, populate
from provtop.backend.entities.current import set_current_store
from provtop.backend.profiles import load_profile, setup_profile
from provtop.backend.store.store import Store

DEMO_WORKFLOWS = 50


@contextmanager
def loaded_profile(name: str | None = None) -> Iterator[Store]:
    """Load a profile as the current store; unset and close it afterwards."""
    opened = load_profile(name)
    try:
        yield opened
    finally:
        set_current_store(None)
        opened.close()



@pytest.fixture
def store(provtop_home: Path) -> Iterator[Store]:
    """The default profile (SQLite, a `localhost` computer), made on first use and loaded as current."""
    with loaded_profile() as opened:
        yield opened


@pytest.fixture
def open_profile(provtop_home: Path) -> Iterator[Callable[[str], Store]]:
    """Create and load further SQLite profiles in the same home; each is closed at teardown."""
    with ExitStack() as stack:

        def open_(name: str) -> Store:
            setup_profile(name)
            return stack.enter_context(loaded_profile(name))

        yield open_


@pytest.fixture
def postgres_store(provtop_home: Path, postgres_url: str) -> Iterator[Store]:
    """A fresh profile on PostgreSQL (skipped without the server's binaries), loaded as current."""
    setup_profile("postgres", storage="postgresql", url=postgres_url)
    with loaded_profile("postgres") as opened:
        yield opened


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request: pytest.FixtureRequest) -> Store:
    """`store` or `postgres_store`: a test that uses this runs on both databases."""
    return request.getfixturevalue("store" if request.param == "sqlite" else "postgres_store")


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, DemoSummary]]:
    """A store holding the demo graph of 50 workflows, shared by a module's read-only tests."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("PROVTOP_HOME", str(tmp_path_factory.mktemp("demo-home")))
        with loaded_profile() as opened:
            yield opened, populate(opened, DEMO_WORKFLOWS)
