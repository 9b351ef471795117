"""provtop's backend: the provenance store, its entities, and the service API the TUI uses."""

from __future__ import annotations

from .profiles import load_profile

__all__ = ["load_profile"]
