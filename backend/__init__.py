"""provtop's backend: the provenance store, its entities, and the service API the TUI uses."""

from __future__ import annotations

from .dump import dump_profile
from .profiles import load_profile

__all__ = ["dump_profile", "load_profile"]
