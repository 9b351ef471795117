"""The process tree: a Line-API scroll view that draws only the rows on screen, whatever the store holds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from provtop.backend.service.snapshots import ProcessRow

from ..formatting import STATE_STYLES, age, state_style_name
from .tree_model import ProcessTreeModel

LOAD_AHEAD = 60  # rows before the end of what is loaded at which the next page is asked for


@dataclass(frozen=True)
class _LineStyles:
    """The styles every line is drawn with, looked up once per frame."""

    base: Style
    cursor: Style
    marked: Style
    dim: Style


# Columns that give way, last first, when the list is narrow (the detail pane shows them all).
OPTIONAL_COLUMNS: tuple[tuple[str, int], ...] = (("computer", 10), ("job", 9), ("scheduler", 8))
FIXED = 2 + 1 + 7 + 1 + 14 + 1 + 4  # mark, then a space and PK, State, Age
MIN_LABEL = 18
MIN_INFO = 16
ROOMY = 28  # label and status each get at least this much before an optional column is shown
MAX_LABEL = 48


@dataclass(frozen=True)
class Columns:
    """Widths of the process table's columns for one width; 0 hides a column."""

    label: int
    pk: int = 7
    state: int = 14
    age: int = 4
    computer: int = 0
    job: int = 0
    scheduler: int = 0
    info: int = 0

    @classmethod
    @lru_cache(maxsize=16)
    def for_width(cls, width: int) -> Columns:
        """Label and status first; computer, job and scheduler state only where both stay roomy."""
        free = max(0, width - FIXED)
        optional: dict[str, int] = {}
        for name, size in OPTIONAL_COLUMNS:
            if free - (size + 1) < 2 * ROOMY + 1:
                break
            optional[name] = size
            free -= size + 1
        if free < MIN_LABEL + MIN_INFO + 1:
            return cls(label=free, **optional)
        label = max(MIN_LABEL, min(MAX_LABEL, free // 2))
        return cls(label=label, info=free - label - 1, **optional)

    def header(self) -> list[tuple[str, int, bool]]:
        """(title, width, right-aligned) for each column after the mark."""
        return [
            ("Process", self.label, False),
            ("PK", self.pk, True),
            ("State", self.state, False),
            ("Age", self.age, True),
            ("Computer", self.computer, False),
            ("Job", self.job, True),
            ("Sched", self.scheduler, False),
            ("Status / reason", self.info, False),
        ]


def _cell(text: str, width: int, right: bool = False) -> str:
    if width <= 0:
        return ""
    if cell_len(text) > width:
        text = set_cell_size(text, width - 1) + "…"
    return set_cell_size(" " * (width - cell_len(text)) + text if right else text, width)


class ProcessTableHeader(Widget):
    """The column titles above the tree, laid out by the same `Columns` for the same width."""

    DEFAULT_CSS = """
    ProcessTableHeader { padding-right: 1; }  /* the tree's scrollbar gutter: titles stay over their columns */
    """

    def render(self) -> str:
        columns = Columns.for_width(self.size.width)
        return "  " + " ".join(_cell(title, w, right) for title, w, right in columns.header() if w > 0)


class ProcessTreeView(ScrollView, can_focus=True):
    """Rows of `ProcessTreeModel`; posts messages, never loads anything itself."""

    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "last", "Last", show=False),
        Binding("right", "expand_cursor", "Expand", show=False),
        Binding("left", "collapse_cursor", "Collapse", show=False),
    ]

    COMPONENT_CLASSES = {"process-tree--cursor", "process-tree--marked", "process-tree--dim"}

    DEFAULT_CSS = """
    ProcessTreeView { height: 1fr; overflow-x: hidden; scrollbar-gutter: stable; scrollbar-size-vertical: 1; }
    ProcessTreeView > .process-tree--cursor { background: $accent 40%; text-style: bold; }
    ProcessTreeView:focus > .process-tree--cursor { background: $accent 70%; }
    ProcessTreeView > .process-tree--marked { color: $warning; text-style: bold; }
    ProcessTreeView > .process-tree--dim { color: $text-muted; }
    """

    class CursorMoved(Message):
        """The cursor is on another process (or on none)."""

        def __init__(self, pk: int | None) -> None:
            super().__init__()
            self.pk = pk

    class MoreWanted(Message):
        """The cursor or the scroll position nears the end of the loaded rows."""

    class ExpandWanted(Message):
        def __init__(self, pk: int) -> None:
            super().__init__()
            self.pk = pk

    def __init__(self, model: ProcessTreeModel, clock: Callable[[], datetime], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.model = model
        self.clock = clock
        self._last_cursor: int | None = None
        self._styles: _LineStyles | None = None

    # -- keeping the view in step with the model ----------------------------------------------

    def model_changed(self, *, follow_cursor: bool = False) -> None:
        """Call after the model changed: resizes the scroll area and repaints, cursor kept on its pk."""
        self._set_line_count(len(self.model.visible()))
        if follow_cursor:
            self._scroll_to_cursor()
        self.refresh()
        self._announce_cursor()
        self._want_more_if_near_end()

    def _announce_cursor(self) -> None:
        if self.model.cursor_pk != self._last_cursor:
            self._last_cursor = self.model.cursor_pk
            self.post_message(self.CursorMoved(self.model.cursor_pk))

    def _want_more_if_near_end(self) -> None:
        if self.model.loaded and not self.model.exhausted:
            bottom = max(self.model.cursor_index, int(self.scroll_offset.y) + self.size.height)
            if bottom >= len(self.model.visible()) - LOAD_AHEAD:
                self.post_message(self.MoreWanted())

    def _scroll_to_cursor(self) -> None:
        index = self.model.cursor_index
        self.scroll_to_region(Region(0, index, max(1, self.size.width), 1), animate=False, immediate=True)

    def _set_line_count(self, count: int) -> None:
        """Resize the scroll area without a layout of the screen.

        Assigning `virtual_size` asks for a layout, which re-renders every widget on the screen
        (the detail pane's tables most of all) on each expand, collapse or new row. Only the
        scroll range changes here; if the scrollbar appears or goes, that reactive asks for the
        layout it needs by itself.
        """
        size = Size(self.size.width, count)
        if size != self.virtual_size:
            self.set_reactive(ScrollView.virtual_size, size)
            self._scroll_update(size)

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self.model.visible()))

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._want_more_if_near_end()

    # -- actions ------------------------------------------------------------------------------

    def action_cursor(self, delta: int) -> None:
        self.model.move_cursor(delta)
        self.model_changed(follow_cursor=True)

    def action_page(self, direction: int) -> None:
        self.model.move_cursor(direction * max(1, self.size.height - 1))
        self.model_changed(follow_cursor=True)

    def action_first(self) -> None:
        self.model.set_cursor_index(0)
        self.model_changed(follow_cursor=True)

    def action_last(self) -> None:
        self.model.set_cursor_index(len(self.model.visible()) - 1)
        self.model_changed(follow_cursor=True)

    def action_expand_cursor(self) -> None:
        if self.model.cursor_pk is not None:
            self.post_message(self.ExpandWanted(self.model.cursor_pk))

    def action_collapse_cursor(self) -> None:
        if self.model.cursor_pk is not None:
            self.model.collapse(self.model.cursor_pk)
            self.model_changed(follow_cursor=True)

    def on_click(self, event: events.Click) -> None:
        self.model.set_cursor_index(int(self.scroll_offset.y) + event.y)
        self.model_changed()

    # -- drawing ------------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        self._styles = None
        super().notify_style_update()

    def render_lines(self, crop: Region) -> list[Strip]:
        self._styles = None  # looked up once per frame, not once per line: `rich_style` walks the DOM
        return super().render_lines(crop)

    def _line_styles(self) -> _LineStyles:
        if self._styles is None:
            cursor = self.get_component_rich_style("process-tree--cursor")
            self._styles = _LineStyles(
                base=self.rich_style,
                cursor=Style(bgcolor=cursor.bgcolor, bold=cursor.bold),
                marked=Style(color=self.get_component_rich_style("process-tree--marked").color, bold=True),
                dim=Style(color=self.get_component_rich_style("process-tree--dim").color),
            )
        return self._styles

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        lines = self.model.visible()
        index = int(self.scroll_offset.y) + y
        styles = self._line_styles()
        if index >= len(lines):
            return Strip.blank(width, styles.base)
        line = lines[index]
        row = self.model.rows[line.pk]
        overlay = styles.cursor if line.pk == self.model.cursor_pk else Style()
        return Strip(self._segments(row, line.depth, width, styles, overlay), width).crop(0, width)

    def _segments(self, row: ProcessRow, depth: int, width: int, styles: _LineStyles, overlay: Style) -> list[Segment]:
        columns = Columns.for_width(width)
        marked = row.pk in self.model.marked
        base = styles.base
        plain = base + overlay
        mark_style = base + styles.marked + overlay
        dim = base + styles.dim + overlay
        state_style = base + Style.parse(STATE_STYLES[state_style_name(row)]) + overlay
        if self.model.flat or row.child_count == 0:
            expander = "  "
        else:
            expander = "▾ " if row.pk in self.model.expanded else "▸ "
        indent = "  " * min(depth, max(0, columns.label - 12) // 2)  # deep trees keep some of the label
        title_width = max(0, columns.label - cell_len(indent) - 4)
        info = row.pending_reason or row.status or ""
        if row.pending_reason and row.status:
            info = f"{row.pending_reason} · {row.status}"
        cells = [
            ("● " if marked else "  ", mark_style),
            (indent + expander, dim),
            (row.symbol + " ", state_style),
            (_cell(row.title, title_width), mark_style if marked else plain),
        ]
        for text, size, right, style in (
            (str(row.pk), columns.pk, True, plain),
            (row.state_text, columns.state, False, state_style),
            (age(row.ctime, self.clock()), columns.age, True, plain),
            (row.computer or "", columns.computer, False, dim),
            (row.job_id or "", columns.job, True, plain),
            (row.scheduler_state or "", columns.scheduler, False, plain),
            (info, columns.info, False, dim),
        ):
            if size > 0:
                cells += [(" ", plain), (_cell(text, size, right), style)]
        used = sum(cell_len(text) for text, _ in cells)
        if used < width:
            cells.append((" " * (width - used), plain))
        return [Segment(text, style) for text, style in cells]
