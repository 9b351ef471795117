"""A btop-style throughput graph: download bars grow up from the middle, upload bars grow down, auto-scaled."""

from __future__ import annotations

from collections import deque

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from ..formatting import rate

UP_BLOCKS = " ▁▂▃▄▅▆▇█"
MIN_SCALE = 10 * 1024.0  # never scale below 10 KiB/s, so idle noise stays flat (btop's net_auto floor)


class ThroughputGraph(Widget):
    """The newest (download, upload) samples of a shared deque, one column per sample, newest on the right."""

    DEFAULT_CSS = """
    ThroughputGraph { height: 1fr; min-height: 6; max-height: 16; border: round $foreground 30%; border-title-color: $text; }
    """

    def __init__(self, samples: deque[tuple[float, float]], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.samples = samples

    def scale(self, shown: list[tuple[float, float]]) -> float:
        return max([MIN_SCALE, *(max(d, u) for d, u in shown)])

    def render_line(self, y: int) -> Strip:
        width, height = self.size.width, self.size.height
        half = max(1, height // 2)
        shown = list(self.samples)[-width:]
        scale = self.scale(shown)
        shown = [(0.0, 0.0)] * (width - len(shown)) + shown
        base = self.rich_style
        if y in (0, height - 1):
            label = f" ▲▼ scale {rate(scale)} " if y == 0 else f" last {len(self.samples)} s "
            return Strip([Segment(label[:width], base + Style(dim=True)), Segment(" " * max(0, width - len(label)), base)])
        down_style = base + Style(color="green")
        up_style = base + Style(color="magenta")
        # Upload grows down from the middle: a lower block in reverse video fills a cell from its top.
        up_partial = Style(color=base.bgcolor, bgcolor="magenta") if base.bgcolor else None
        segments: list[Segment] = []
        for download, upload in shown:
            if y < half:  # download, growing up towards row 0 from the middle
                eighths = round(download / scale * (half - 1) * 8)
                filled = max(0, min(8, eighths - (half - 1 - y) * 8))
                segments.append(Segment(UP_BLOCKS[filled], down_style))
            else:
                eighths = round(upload / scale * (height - half - 1) * 8)
                filled = max(0, min(8, eighths - (y - half) * 8))
                if filled == 0:
                    segments.append(Segment(" ", up_style))
                elif filled == 8:
                    segments.append(Segment("█", up_style))
                elif up_partial is not None:
                    segments.append(Segment(UP_BLOCKS[8 - filled], up_partial))
                else:
                    segments.append(Segment("▀", up_style))
        return Strip(segments, width)
