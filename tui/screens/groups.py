"""The groups screen: every group with its member count; enter opens its members, `d` dumps it."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from provtop.backend.service.group_actions import GroupSummary

from .. import keys
from ..widgets.mode_bar import ModeBar
from ..widgets.status_bar import StatusBar
from .members import MembersScreen

if TYPE_CHECKING:
    from ..app import ProvtopApp


class GroupsLoaded(Message):
    def __init__(self, groups: list[GroupSummary]) -> None:
        super().__init__()
        self.groups = groups


class GroupsScreen(Screen[None]):
    BINDINGS = keys.bindings("groups")

    def __init__(self) -> None:
        super().__init__(id="groups")
        self.groups: list[GroupSummary] = []

    @property
    def provtop(self) -> ProvtopApp:
        return cast("ProvtopApp", self.app)

    def compose(self) -> ComposeResult:
        yield ModeBar("groups")
        yield Static(id="group-empty", classes="-hidden")
        table: DataTable[str | Text] = DataTable(id="group-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield StatusBar(id="status-bar")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.provtop.mode_screens["groups"] = self
        table = self.query_one(DataTable)
        table.add_column("Group", key="label", width=32)
        table.add_column("Type", key="type", width=10)
        table.add_column(Text("Members", justify="right"), key="count", width=8)
        table.add_column("User", key="user", width=22)
        table.add_column("Description", key="description")
        table.focus()
        self.action_reload()
        self.update_status()

    def on_screen_resume(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self._load_groups()

    @work(thread=True, exclusive=True, group="groups", exit_on_error=False)
    def _load_groups(self) -> None:
        self.post_message(GroupsLoaded(self.provtop.service.list_groups()))

    @on(GroupsLoaded)
    def _groups_loaded(self, message: GroupsLoaded) -> None:
        """Rows are updated in place by group pk, so the cursor stays on its group."""
        table = self.query_one(DataTable)
        self.groups = message.groups
        wanted = {str(group.pk): group for group in message.groups}
        with self.app.batch_update():
            for key in [row_key.value for row_key in table.rows]:
                if key not in wanted:
                    table.remove_row(key)
            for key, group in wanted.items():
                cells = (group.label, group.type_string, Text(str(group.count), justify="right"), group.user, group.description)
                if key in {row_key.value for row_key in table.rows}:
                    for column, value in zip(("label", "type", "count", "user", "description"), cells, strict=True):
                        table.update_cell(key, column, value)
                else:
                    table.add_row(*cells, key=key)
        self._show_empty_state()
        self.update_status()

    def _show_empty_state(self) -> None:
        empty = self.query_one("#group-empty", Static)
        empty.set_class(bool(self.groups), "-hidden")
        if not self.groups:
            dump = "" if self.provtop.read_only else " [b]D[/b] dumps the whole profile meanwhile."
            empty.update(
                "No groups yet. Groups collect processes and data: `provtop group create NAME`, then "
                f"`provtop group add NAME PK...`; the finished demo workflows (key [b]N[/b] on screen 1) come in groups.{dump}"
            )

    def selected_group(self) -> GroupSummary | None:
        table = self.query_one(DataTable)
        if not self.groups or table.cursor_row < 0 or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((group for group in self.groups if str(group.pk) == key), None)

    def action_open_group(self) -> None:
        group = self.selected_group()
        if group is not None:
            self.app.push_screen(MembersScreen(group))

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_open_group()

    def action_dump_group(self) -> None:
        group = self.selected_group()
        if group is None:
            self.notify("No group to dump; D dumps the whole profile.", severity="warning")
        else:
            self.provtop.start_dump(group.label)

    def action_dump_profile(self) -> None:
        self.provtop.start_dump(None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (self.provtop.read_only and action in keys.DANGEROUS_ACTIONS)

    def update_status(self) -> None:
        app = self.provtop
        view = f"{len(self.groups)} group(s)"
        self.query_one(StatusBar).show(app.monitor_status, view=view)
