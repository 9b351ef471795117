"""A group's members, page by page (keyset), pushed over the groups screen."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from provtop.backend.service.group_actions import GroupSummary
from provtop.backend.service.snapshots import state_symbol

from .. import keys
from ..formatting import STATE_STYLES, age, short_type, style_name
from ..messages import MembersLoaded

if TYPE_CHECKING:
    from ..app import ProvtopApp

PAGE_SIZE = 500
LOAD_AHEAD = 50


class MembersScreen(Screen[None]):
    BINDINGS = keys.bindings("members")

    def __init__(self, group: GroupSummary) -> None:
        super().__init__(id="members")
        self.group = group
        self.next_after_pk: int | None = None
        self.loading = False
        self.loaded = 0

    @property
    def provtop(self) -> ProvtopApp:
        return cast("ProvtopApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static(id="members-title", classes="screen-title")
        table: DataTable[str | Text] = DataTable(id="member-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for title, width in (("PK", 8), ("Type", 18), ("Label", 34), ("State", 16), ("Age", 5)):
            table.add_column(Text(title, justify="right") if title in ("PK", "Age") else title, width=width)
        table.focus()
        self._title()
        self._load(None)

    def _title(self) -> None:
        self.query_one("#members-title", Static).update(
            f"[b]{escape(self.group.label)}[/b]  {self.loaded} of {self.group.count} members shown"
        )

    @work(thread=True, exclusive=True, group="members", exit_on_error=False)
    def _load(self, after_pk: int | None) -> None:
        page = self.provtop.service.group_members(self.group.pk, after_pk=after_pk, size=PAGE_SIZE)
        self.post_message(MembersLoaded(page, first=after_pk is None))

    @on(MembersLoaded)
    def _loaded(self, message: MembersLoaded) -> None:
        table = self.query_one(DataTable)
        now = self.provtop.clock()
        for row in message.page.rows:
            state = Text()
            if row.state:
                style = STATE_STYLES[style_name(row.state, row.exit_status)]
                state.append(f"{state_symbol(row.state)} {row.state.capitalize()}", style=style)
                if row.state == "finished" and row.exit_status is not None:
                    state.append(f" [{row.exit_status}]", style=style)
            table.add_row(Text(str(row.pk), justify="right"), short_type(row.node_type), Text(row.label), state,
                          Text(age(row.ctime, now), justify="right"), key=str(row.pk))
        self.loaded += len(message.page.rows)
        self.group = self.group.model_copy(update={"count": message.page.total})
        self.next_after_pk = message.page.next_after_pk
        self.loading = False
        self._title()

    @on(DataTable.RowHighlighted)
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
        table = self.query_one(DataTable)
        if self.next_after_pk is not None and not self.loading and event.cursor_row >= table.row_count - LOAD_AHEAD:
            self.loading = True
            self._load(self.next_after_pk)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_dump_group(self) -> None:
        self.provtop.start_dump(self.group.label)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (self.provtop.read_only and action in keys.DANGEROUS_ACTIONS)
