"""What the transfers screen draws, kept by the app from start-up, so the graph has history when the screen opens."""

from __future__ import annotations

from collections import deque

from provtop.backend.service.snapshots import TransferStats

HISTORY = 600  # one sample a second: the last ten minutes


class TransferLog:
    """The latest figures, one (download, upload) sample per second, and each computer's peak rates."""

    def __init__(self, capacity: int = HISTORY) -> None:
        self.latest = TransferStats(available=False)
        self.samples: deque[tuple[float, float]] = deque(maxlen=capacity)
        self.peaks: dict[str, tuple[float, float]] = {}

    def update(self, stats: TransferStats) -> None:
        """Newer figures (from the event stream or a sample); peaks follow them."""
        self.latest = stats
        for entry in stats.computers:
            down, up = self.peaks.get(entry.computer, (0.0, 0.0))
            self.peaks[entry.computer] = (max(down, entry.download_rate), max(up, entry.upload_rate))

    def sample(self, stats: TransferStats) -> None:
        """The once-a-second point of the graph."""
        self.update(stats)
        if stats.available:
            self.samples.append((stats.download_rate, stats.upload_rate))
