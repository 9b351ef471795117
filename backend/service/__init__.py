"""The service API: what the CLI and the TUI may call. Pydantic models in and out, no SQLAlchemy."""

from __future__ import annotations

from .core import Service

__all__ = ["Service"]
