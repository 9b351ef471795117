"""The process view's state without a terminal: loaded rows, expansion, marks and a cursor keyed by pk.

The view asks the backend for pages and children in worker threads and hands the results here;
live changes arrive as rows and are merged by pk, so the cursor stays on its process whatever moves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from provtop.backend.service.snapshots import ProcessFilter, ProcessPage, ProcessRow, SortField


@dataclass(frozen=True)
class VisibleLine:
    pk: int
    depth: int


def sort_key(row: ProcessRow, sort: SortField) -> tuple[Any, int]:
    value: Any = {"pk": row.pk, "label": row.label, "state": row.state or "", "ctime": row.ctime}[sort]
    if isinstance(value, datetime):
        value = value.timestamp()
    return value, row.pk


class ProcessTreeModel:
    """Roots (or, in flat mode, every process) page by page; children loaded on expand."""

    def __init__(self) -> None:
        self.rows: dict[int, ProcessRow] = {}
        self.roots: list[int] = []
        self.children: dict[int, list[int]] = {}
        self.expanded: set[int] = set()
        self.marked: set[int] = set()
        self.cursor_pk: int | None = None
        self.cursor_placed = False  # by the user; until then the cursor follows the first row
        self.flat = False
        self.filter = ProcessFilter()
        self.sort: SortField = "pk"
        self.descending = True
        self.total = 0
        self.next_cursor: tuple[Any, int] | None = None
        self.loaded = False
        self._visible: list[VisibleLine] | None = None
        self._index: dict[int, int] = {}

    # -- what the backend sends ---------------------------------------------------------------

    @property
    def exhausted(self) -> bool:
        return self.loaded and self.next_cursor is None

    def reset(self, page: ProcessPage) -> None:
        """A new first page (after a filter, sort or mode change): keeps the cursor's pk if still listed."""
        self.rows = {row.pk: row for row in page.rows}
        self.roots = [row.pk for row in page.rows]
        self.children = {}
        self.marked &= set(self.rows)  # expansions stay: after a filter, the tree opens as it was
        self.total = page.total
        self.next_cursor = page.next_cursor
        self.loaded = True
        self._invalidate()
        if self.cursor_pk not in self.rows or not self.cursor_placed:
            self.cursor_pk = self.roots[0] if self.roots else None

    def append_page(self, page: ProcessPage) -> None:
        for row in page.rows:
            if row.pk not in self.rows:
                self.roots.append(row.pk)
            self.rows[row.pk] = row
        self.total = page.total
        self.next_cursor = page.next_cursor
        self._invalidate()
        if self.cursor_pk is None and self.roots:
            self.cursor_pk = self.roots[0]

    def set_children(self, parent: int, rows: list[ProcessRow]) -> None:
        for row in rows:
            self.rows[row.pk] = row
        self.children[parent] = [row.pk for row in rows]
        self._invalidate()

    def apply(self, rows: Iterable[ProcessRow]) -> bool:
        """Merge changed or new rows by pk; returns whether the visible lines changed."""
        structural = False
        for row in rows:
            known = self.rows.get(row.pk)
            if known is not None:
                self.rows[row.pk] = row
                continue
            if not self.flat and row.parent_pk is not None:
                structural |= self._add_child(row)
            elif self.flat or row.parent_pk is None:
                if self.filter.matches(row):
                    structural |= self._add_root(row)
        if structural:
            self._invalidate()
        return structural

    def _add_child(self, row: ProcessRow) -> bool:
        parent = self.rows.get(row.parent_pk)  # type: ignore[arg-type]
        if parent is None:
            return False
        siblings = self.children.get(parent.pk)
        if siblings is None:  # children not loaded yet: only the expander needs the new count
            if parent.child_count == 0:
                self.rows[parent.pk] = parent.model_copy(update={"child_count": 1})
                return True
            return False
        self.rows[row.pk] = row
        siblings.append(row.pk)
        siblings.sort()
        if parent.child_count < len(siblings):
            self.rows[parent.pk] = parent.model_copy(update={"child_count": len(siblings)})
        return True

    def _add_root(self, row: ProcessRow) -> bool:
        key = sort_key(row, self.sort)
        keys = [sort_key(self.rows[pk], self.sort) for pk in self.roots]
        beyond_loaded = keys and not self.exhausted and (key < keys[-1] if self.descending else key > keys[-1])
        if beyond_loaded:  # it belongs to a page not loaded yet; it shows when that page loads
            self.total += 1
            return False
        position = 0
        while position < len(keys) and ((keys[position] > key) if self.descending else (keys[position] < key)):
            position += 1
        self.roots.insert(position, row.pk)
        self.rows[row.pk] = row
        self.total += 1
        if self.cursor_pk is None or not self.cursor_placed:
            self.cursor_pk = self.roots[0]
        return True

    # -- what the view shows ------------------------------------------------------------------

    def _invalidate(self) -> None:
        self._visible = None

    def visible(self) -> list[VisibleLine]:
        if self._visible is None:
            lines: list[VisibleLine] = []
            stack: list[tuple[int, int]] = [(pk, 0) for pk in reversed(self.roots)]
            while stack:
                pk, depth = stack.pop()
                lines.append(VisibleLine(pk, depth))
                if not self.flat and pk in self.expanded:
                    stack.extend((child, depth + 1) for child in reversed(self.children.get(pk, [])))
            self._visible = lines
            self._index = {line.pk: index for index, line in enumerate(lines)}
        return self._visible

    def index_of(self, pk: int | None) -> int | None:
        self.visible()
        return None if pk is None else self._index.get(pk)

    @property
    def cursor_index(self) -> int:
        index = self.index_of(self.cursor_pk)
        if index is None:
            lines = self.visible()
            if not lines:
                return 0
            self.cursor_pk = self._visible_ancestor(self.cursor_pk) or lines[0].pk
            index = self.index_of(self.cursor_pk) or 0
        return index

    def _visible_ancestor(self, pk: int | None) -> int | None:
        while pk is not None:
            row = self.rows.get(pk)
            pk = row.parent_pk if row is not None else None
            if pk is not None and pk in self._index:
                return pk
        return None

    def move_cursor(self, delta: int) -> None:
        self.set_cursor_index(self.cursor_index + delta)

    def set_cursor_index(self, index: int) -> None:
        """Where the user put the cursor: from now on it stays on that process."""
        lines = self.visible()
        if lines:
            self.cursor_pk = lines[max(0, min(index, len(lines) - 1))].pk
            self.cursor_placed = True

    @property
    def cursor_row(self) -> ProcessRow | None:
        return None if self.cursor_pk is None else self.rows.get(self.cursor_pk)

    # -- tree operations ----------------------------------------------------------------------

    def can_expand(self, pk: int) -> bool:
        row = self.rows.get(pk)
        return not self.flat and row is not None and row.child_count > 0

    def expand(self, pk: int) -> bool:
        """Open a node; returns True when its children must be loaded first."""
        if not self.can_expand(pk):
            return False
        self.expanded.add(pk)
        self._invalidate()
        return pk not in self.children

    def collapse(self, pk: int) -> None:
        """Close a node, or, on a leaf, its parent; the cursor moves up to the closed node."""
        target: int | None = pk
        if pk not in self.expanded:
            row = self.rows.get(pk)
            target = row.parent_pk if row is not None and row.parent_pk in self.expanded else None
        if target is None:
            return
        self.expanded.discard(target)
        self._invalidate()
        if self.index_of(self.cursor_pk) is None:
            self.cursor_pk = target

    def toggle_all(self) -> list[int]:
        """Expand every loaded root with children, or collapse all when any is open; returns roots to load."""
        if any(pk in self.expanded for pk in self.roots):
            self.expanded.clear()
            self._invalidate()
            return []
        to_load = [pk for pk in self.roots if self.can_expand(pk)]
        self.expanded.update(to_load)
        self._invalidate()
        return [pk for pk in to_load if pk not in self.children]

    def toggle_mark(self, pk: int) -> None:
        self.marked ^= {pk}

    def selection(self) -> list[int]:
        """The marked processes, or the one under the cursor."""
        if self.marked:
            return sorted(self.marked)
        return [self.cursor_pk] if self.cursor_pk is not None else []
