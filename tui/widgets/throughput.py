"""A btop-style throughput graph: download bars grow up from the middle, upload bars grow down, auto-scaled."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from ..formatting import rate

UP_BLOCKS = " ▁▂▃▄▅▆▇█"
MIN_SCALE = 10 * 1024.0  # never scale below 10 KiB/s, so idle noise stays flat (btop's net_auto floor)


class ThroughputGraph(Widget):
    """The last `capacity` samples of (download, upload) bytes per second, one column per sample."""

    DEFAULT_CSS = """
    ThroughputGraph { height: 12; border: round $foreground 30%; border-title-color: $text; }
    """

    def __init__(self, capacity: int = 240, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.samples: deque[tuple[float, float]] = deque(maxlen=capacity)

    def add(self, download: float, upload: float) -> None:
        self.samples.append((download, upload))
        self.refresh()

    def extend(self, samples: Iterable[tuple[float, float]]) -> None:
        self.samples.extend(samples)
        self.refresh()

    @property
    def scale(self) -> float:
        return max([MIN_SCALE, *(max(d, u) for d, u in self.samples)])

    def render_line(self, y: int) -> Strip:
        width, height = self.size.width, self.size.height
        half = max(1, height // 2)
        shown = list(self.samples)[-width:]
        shown = [(0.0, 0.0)] * (width - len(shown)) + shown
        scale = self.scale
        down_style = Style(color="green")
        up_style = Style(color="magenta")
        segments: list[Segment] = []
        if y == 0:
            label = f" ▼ max {rate(scale)} "
            return Strip([Segment(label[:width], Style(dim=True)), Segment(" " * max(0, width - len(label)))])
        for download, upload in shown:
            if y < half:  # download, growing up towards row 0 from the middle
                eighths = round(download / scale * (half - 1) * 8)
                level = (half - 1 - y) * 8
                filled = max(0, min(8, eighths - level))
                segments.append(Segment(UP_BLOCKS[filled], down_style))
            else:  # upload, growing down from the middle
                eighths = round(upload / scale * (height - half) * 8)
                level = (y - half) * 8
                filled = max(0, min(8, eighths - level))
                char = "█" if filled >= 6 else "▀" if filled >= 3 else " "
                segments.append(Segment(char, up_style))
        return Strip(segments, width)
