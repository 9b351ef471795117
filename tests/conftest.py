"""Suite-wide pytest configuration: real services come from the plugin in tests/fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["tests.fixtures.services"]


@pytest.fixture
def provtop_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, not yet existing PROVTOP_HOME: no test sees the user's configuration or another test's."""
    home = tmp_path / "provtop-home"
    monkeypatch.setenv("PROVTOP_HOME", str(home))
    return home
