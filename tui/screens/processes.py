"""The processes screen: the live tree (or flat list), its filter, the detail pane, kill/pause/play."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from provtop.backend.errors import ProvtopError
from provtop.backend.service.snapshots import (
    ProcessFilter,
    ProcessQuery,
    ProcessRow,
    SortField,
)
from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Static

from .. import keys
from ..formatting import FILTER_STATES
from ..messages import ChildrenLoaded, DetailLoaded, PageLoaded
from ..modals.stash_dialog import open_stash_dialog
from ..widgets.filter_bar import FilterBar
from ..widgets.mode_bar import ModeBar
from ..widgets.process_detail import ProcessDetailPane
from ..widgets.process_tree import ProcessTableHeader, ProcessTreeView
from ..widgets.status_bar import StatusBar
from ..widgets.tree_model import ProcessTreeModel
from .process_control import ControlAction, start_control

if TYPE_CHECKING:
    from ..app import ProvtopApp

PAGE_SIZE = 200
SORTS: tuple[SortField, ...] = ("pk", "ctime", "state", "label")
DETAIL_DELAY = 0.15  # seconds the cursor rests before the detail pane loads
DETAIL_MIN_WIDTH = 140  # narrower terminals open the detail pane below the list, on enter only
DEMO_JOB_SECONDS = 20  # each demo job sleeps this long: about a minute to watch, kill, pause


class ProcessesScreen(Screen[None]):
    BINDINGS = keys.bindings("processes")

    def __init__(self) -> None:
        super().__init__(id="processes")
        self.model = ProcessTreeModel()
        self.user_flat = False  # what `t` chose; a filter shows a flat list whatever it says
        self._generation = 0
        self._loading_more = False
        self._detail_timer: Timer | None = None
        self.details_chosen: bool | None = None  # what enter chose; None follows the terminal's width

    @property
    def provtop(self) -> ProvtopApp:
        return cast("ProvtopApp", self.app)

    def compose(self) -> ComposeResult:
        yield ModeBar("processes")
        with Horizontal(id="process-main"):
            with Vertical(id="process-list"):
                yield ProcessTableHeader(id="process-header")
                yield Static(id="process-empty", classes="-hidden")
                yield ProcessTreeView(self.model, self.provtop.clock, id="process-tree")
                yield FilterBar(id="process-filter", classes="-hidden")
            yield ProcessDetailPane(self.provtop.clock, id="process-detail", classes="-hidden")
        yield StatusBar(id="status-bar")
        yield Footer(compact=True)

    @property
    def tree(self) -> ProcessTreeView:
        return self.query_one(ProcessTreeView)

    @property
    def detail_pane(self) -> ProcessDetailPane:
        return self.query_one(ProcessDetailPane)

    def on_mount(self) -> None:
        self.provtop.mode_screens["processes"] = self
        self.tree.focus()
        self.reload()
        self.update_status()

    # -- loading ------------------------------------------------------------------------------

    def _query(self, cursor: tuple[object, int] | None = None) -> ProcessQuery:
        model = self.model
        return ProcessQuery(
            roots_only=not model.flat,
            filter=model.filter,
            sort=model.sort,
            descending=model.descending,
            size=PAGE_SIZE,
            cursor=cursor,
        )

    def reload(self) -> None:
        """Load the first page again (a filter, sort or mode change); the cursor keeps its process."""
        self._generation += 1
        self._loading_more = False
        self._load_page(self._query(), self._generation, True)

    @work(thread=True, exclusive=True, group="process-pages", exit_on_error=False)
    def _load_page(self, query: ProcessQuery, generation: int, first: bool) -> None:
        page = self.provtop.service.process_page(query)
        self.post_message(PageLoaded(page, generation=generation, first=first))

    @on(PageLoaded)
    def _page_loaded(self, message: PageLoaded) -> None:
        if message.generation != self._generation:
            return
        if message.first:
            self.model.reset(message.page)
        else:
            self._loading_more = False
            self.model.append_page(message.page)
        # Children of the page's workflows in one query, ahead of time: `+` then opens at once.
        parents = [row.pk for row in message.page.rows if row.child_count and not self.model.flat]
        if parents:
            self._load_children(parents)
        self._show_empty_state()
        self.tree.model_changed(follow_cursor=message.first)
        self.update_status()

    def _show_empty_state(self) -> None:
        empty = self.query_one("#process-empty", Static)
        nothing = self.model.loaded and not self.model.roots
        empty.set_class(not nothing, "-hidden")
        self._place_details()
        if nothing and self.model.filter.is_empty:
            hint = "" if self.provtop.read_only else (
                "\nPress [b]n[/b] to launch the demo workflows: real jobs on localhost that you can watch run,"
                " fail and transfer files (about a minute).\nPress [b]N[/b] to add 10 finished demo workflows to browse."
                " Both keys work later too."
            )
            empty.update(f"No processes in profile '{self.provtop.profile_name}' yet.{hint}")
        elif nothing:
            empty.update(f"No process matches '{self.model.filter.describe()}'. Press [b]escape[/b] to clear the filter.")

    @on(ProcessTreeView.MoreWanted)
    def _more_wanted(self) -> None:
        if not self._loading_more and self.model.next_cursor is not None:
            self._loading_more = True
            self._load_page(self._query(self.model.next_cursor), self._generation, False)

    @work(thread=True, group="process-children", exit_on_error=False)
    def _load_children(self, parents: list[int]) -> None:
        self.post_message(ChildrenLoaded(self.provtop.service.process_children(parents)))

    @on(ChildrenLoaded)
    def _children_loaded(self, message: ChildrenLoaded) -> None:
        for parent, rows in message.children.items():
            self.model.set_children(parent, rows)
        self.tree.model_changed()

    def apply_rows(self, rows: list[ProcessRow]) -> None:
        """Live changes from the event stream: rows update in place, new processes appear."""
        self.model.apply(rows)
        self.tree.model_changed()
        self._show_empty_state()
        detail = self.detail_pane
        if detail.pk is not None and any(row.pk == detail.pk for row in rows):
            self._schedule_detail(detail.pk)

    def tick(self) -> None:
        """Once a second: ages move on in the list and in the detail pane; nothing is loaded."""
        self.tree.refresh()
        if self.detail_pane.display:
            self.detail_pane.tick()

    # -- detail pane --------------------------------------------------------------------------

    @on(ProcessTreeView.CursorMoved)
    def _cursor_moved(self, message: ProcessTreeView.CursorMoved) -> None:
        if message.pk is not None:
            self._schedule_detail(message.pk)

    def _schedule_detail(self, pk: int) -> None:
        """Load the detail of `pk` once the cursor rests; a hidden pane loads nothing until it opens."""
        if not self.detail_pane.display:
            return
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(DETAIL_DELAY, lambda: self._load_detail(pk))

    @work(thread=True, exclusive=True, group="process-detail", exit_on_error=False)
    def _load_detail(self, pk: int) -> None:
        try:
            self.post_message(DetailLoaded(pk, self.provtop.service.process_detail(pk)))
        except ProvtopError as exc:
            self.post_message(DetailLoaded(pk, None, str(exc)))

    @on(DetailLoaded)
    def _detail_loaded(self, message: DetailLoaded) -> None:
        if message.pk != self.model.cursor_pk:
            return
        pane = self.detail_pane
        if message.detail is None:
            pane.show_missing(message.pk, message.error or "gone")
        else:
            pane.show(message.detail)

    def action_toggle_details(self) -> None:
        self.details_chosen = not self.detail_pane.display
        self._place_details()

    def on_resize(self, event: events.Resize) -> None:
        self._place_details()

    def _place_details(self) -> None:
        """Beside the list where there is room, else below it when asked for; only when there is a process."""
        narrow = self.size.width < DETAIL_MIN_WIDTH
        self.set_class(narrow, "-narrow")
        wanted = self.details_chosen if self.details_chosen is not None else not narrow
        shown = wanted and bool(self.model.roots)
        pane = self.detail_pane
        if shown == pane.display:
            return
        pane.set_class(not shown, "-hidden")
        if shown and self.model.cursor_pk is not None and pane.pk != self.model.cursor_pk:
            self._schedule_detail(self.model.cursor_pk)

    # -- view options -------------------------------------------------------------------------

    def action_toggle_tree(self) -> None:
        self.user_flat = not self.user_flat
        self.model.flat = self.user_flat or not self.model.filter.is_empty
        self.reload()

    def action_expand(self) -> None:
        pk = self.model.cursor_pk
        if pk is not None and self.model.expand(pk):
            self._load_children([pk])
        self.tree.model_changed()

    def action_collapse(self) -> None:
        if self.model.cursor_pk is not None:
            self.model.collapse(self.model.cursor_pk)
            self.tree.model_changed(follow_cursor=True)

    @on(ProcessTreeView.ExpandWanted)
    def _expand_wanted(self) -> None:
        self.action_expand()

    def action_toggle_all(self) -> None:
        to_load = self.model.toggle_all()
        if to_load:
            self._load_children(to_load)
        self.tree.model_changed(follow_cursor=True)

    def action_mark(self) -> None:
        if self.model.cursor_pk is not None:
            self.model.toggle_mark(self.model.cursor_pk)
            self.model.move_cursor(1)
            self.tree.model_changed(follow_cursor=True)
            self.update_status()

    def action_unmark_all(self) -> None:
        self.model.marked.clear()
        self.tree.model_changed()
        self.update_status()

    def action_sort_by(self, field: SortField) -> None:
        if self.model.sort == field:
            self.model.descending = not self.model.descending
        else:
            self.model.sort, self.model.descending = field, field in ("pk", "ctime")
        self.reload()

    def _sort_step(self, step: int) -> None:
        position = SORTS.index(self.model.sort)
        self.model.sort = SORTS[(position + step) % len(SORTS)]
        self.reload()

    def action_sort_next(self) -> None:
        self._sort_step(1)

    def action_sort_previous(self) -> None:
        self._sort_step(-1)

    def action_sort_invert(self) -> None:
        self.model.descending = not self.model.descending
        self.reload()

    def action_filter(self) -> None:
        self.query_one(FilterBar).open(self.model.filter)

    @on(FilterBar.Chosen)
    def _filter_chosen(self, message: FilterBar.Chosen) -> None:
        if message.done:
            self.tree.focus()
            unknown = [state for state in message.filter.states if state not in FILTER_STATES]
            if unknown:
                self.notify(f"No process state {', '.join(map(repr, unknown))}; states are {', '.join(FILTER_STATES)}.",
                            title="filter", severity="warning")
        if message.filter != self.model.filter:
            self.set_filter(message.filter)

    def set_filter(self, flt: ProcessFilter) -> None:
        """Filter the view; any filter lists matching processes at every depth (a flat list)."""
        self.model.filter = flt
        self.model.flat = self.user_flat or not flt.is_empty
        self.reload()

    def action_clear_filter(self) -> None:
        if not self.model.filter.is_empty:
            self.set_filter(ProcessFilter())

    # -- status -------------------------------------------------------------------------------

    def view_summary(self) -> str:
        model = self.model
        mode = "flat" if model.flat else "tree"
        arrow = "↓" if model.descending else "↑"
        parts = [f"{mode}", f"sort {model.sort} {arrow}", f"{len(model.roots)}/{model.total} loaded"]
        if not model.filter.is_empty:
            parts.append(f"filter: {model.filter.describe()}")
        if model.marked:
            parts.append(f"{len(model.marked)} marked")
        return " · ".join(parts)

    def update_status(self) -> None:
        app = self.provtop
        self.query_one(StatusBar).show(app.monitor_status, view=self.view_summary())

    # -- actions on processes -----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (self.provtop.read_only and action in keys.DANGEROUS_ACTIONS)

    def action_kill(self) -> None:
        self._control("kill")

    def action_force_kill(self) -> None:
        self._control("force_kill")

    def action_pause(self) -> None:
        self._control("pause")

    def action_play(self) -> None:
        self._control("play")

    def _control(self, action: ControlAction) -> None:
        pks = self.model.selection()
        if not pks:
            self.notify("No process selected.", severity="warning")
            return
        rows = [self.model.rows.get(pk) for pk in pks]
        names = [f"{row.title} <{pk}>" if row is not None else f"<{pk}>" for pk, row in zip(pks, rows, strict=True)]
        active = [row is None or row.is_active for row in rows]
        start_control(self.provtop, action, pks, names, active, lambda: self._control_done(action))

    def _control_done(self, action: ControlAction) -> None:
        """Marks served their purpose once the service answered (a pause keeps them, to play the same ones)."""
        if self.model.marked and action != "pause":
            self.model.marked.clear()
            self.tree.model_changed()
            self.update_status()

    def action_stash(self) -> None:
        """`s`: stash the remote folder of the finished calc job under the cursor."""
        pk = self.model.cursor_pk
        open_stash_dialog(self.provtop, self.model.rows.get(pk) if pk is not None else None)

    def action_launch_demo(self) -> None:
        self.notify("Launching the demo workflows…")
        self._launch_demo()

    @work(thread=True, group="demo", exclusive=True, exit_on_error=False)
    def _launch_demo(self) -> None:
        rows = self.provtop.service.launch_demo(sleep_seconds=DEMO_JOB_SECONDS)
        choice = self.provtop.engine_choice
        if choice is not None and choice.mode == "embedded":
            note = "the engine inside provtop runs them now"
        elif choice is not None and choice.mode == "external":
            note = "the engine of another provtop process runs them"
        else:
            note = "they wait until an engine runs: `provtop engine run`"
        self.app.call_from_thread(self.notify, f"Launched {len(rows)} demo workflows; {note}.", title="demo")
        self.app.call_from_thread(self.reload)

    def action_add_demo(self) -> None:
        self.notify("Adding 10 demo workflows…")
        self._add_demo()

    @work(thread=True, group="demo", exclusive=True, exit_on_error=False)
    def _add_demo(self) -> None:
        summary = self.provtop.service.populate_demo(10)
        self.app.call_from_thread(self.notify, f"Added {summary.workflows} finished demo workflows ({summary.nodes_created} nodes) and"
                                  " their groups (key 2).", title="demo")
        self.app.call_from_thread(self.reload)
