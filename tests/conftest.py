"""Suite-wide pytest configuration: real services come from the plugin in tests/fixtures."""

from __future__ import annotations

from asyncio import AbstractEventLoop
from collections.abc import Callable
from pathlib import Path

import pytest

from provtop.backend import event_loop

pytest_plugins = ["tests.fixtures.services"]


@pytest.fixture
def provtop_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, not yet existing PROVTOP_HOME: no test sees the user's configuration or another test's."""
    home = tmp_path / "provtop-home"
    monkeypatch.setenv("PROVTOP_HOME", str(home))
    return home


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict[str, Callable[[], AbstractEventLoop]]:
    """Async tests run on the loop provtop itself runs on (uvloop where installed)."""
    return {"loop": event_loop.new_event_loop}
