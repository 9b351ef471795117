"""Demo content: the synthetic provenance graph for trying provtop and for its benchmarks."""

from __future__ import annotations

from ..demo import DemoSummary, Progress, populate
from ..store.store import Store


class DemoActions:
    store: Store

    def populate_demo(self, workflows: int, *, seed: int = 0, progress: Progress | None = None) -> DemoSummary:
        """Write `workflows` demo workflows (38 nodes each, AiiDA's measured shape) into the store."""
        return populate(self.store, workflows, progress=progress, seed=seed)
