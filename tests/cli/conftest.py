"""Fixtures for the command-line tests: a private PROVTOP_HOME, empty or with the default profile."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import run_cli


@pytest.fixture
def default_home(provtop_home: Path) -> Path:
    """A PROVTOP_HOME whose `default` profile exists, made by a first command as a user would."""
    result = run_cli("profile", "show")
    assert result.exit_code != 0  # no profile yet: `profile show` creates nothing
    result = run_cli("computer", "list")
    assert result.exit_code == 0, result.output
    return provtop_home
