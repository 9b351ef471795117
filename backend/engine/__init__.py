"""The engine: runs calc jobs and workflows from the store, resumable after a crash.

`Engine` is imported lazily so that `processes` can use the engine's store helpers without a cycle.
"""

from __future__ import annotations

import logging
from typing import Any

REPORT = 23
logging.addLevelName(REPORT, "REPORT")  # AiiDA's level for process reports (`provtop process report`)


def __getattr__(name: str) -> Any:
    if name == "Engine":
        from .engine import Engine

        return Engine
    raise AttributeError(name)


__all__ = ["Engine", "REPORT"]
