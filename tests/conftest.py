"""Suite-wide pytest configuration: real services come from the plugin in tests/fixtures."""

from __future__ import annotations

pytest_plugins = ["tests.fixtures.services"]
