"""`d` / `D`: dump a group or the profile: options, then the dry-run plan as a tree, then confirm, then progress.

The plan shown is the plan executed (the service runs the very object), so the preview cannot lie.
A plan that cannot be made (a running process, a bad path) says why and opens the options again.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, ProgressBar, Static, Tree

from provtop.backend.errors import ProvtopError
from provtop.backend.service.dump_actions import GroupDumpOptions, ProfileDumpOptions

from ..formatting import plural, size
from .base import CancelFirstDialog

if TYPE_CHECKING:
    from ..app import ProvtopApp

OPTION_BOXES = (
    ("overwrite", "Overwrite: delete the earlier dump in the target first", False),
    ("include_outputs", "Include output data files (node_outputs/)", False),
    ("include_extras", "Include extras in the metadata files", False),
    ("flat", "Flat: all files of a calculation directly in its directory", False),
    ("dump_unsealed", "Also processes still running (not sealed yet)", False),
)
PROFILE_BOXES = (("also_ungrouped", "Also processes in no group (ungrouped/)", True),)
REMEDIES = {
    "path": "choose another target directory",
    "overwrite": "tick “Overwrite”",
    "dump_unsealed": "tick “Also processes still running”",
}
"""The dialog's words for the options a dump error's remedy names (the CLI names its flags)."""
CHANGE_STYLES = {"new": "green", "write": "yellow", "replace": "yellow", "remove": "red", "move": "cyan", "link": "cyan"}
NAME_WIDTH = 40  # plan tree names are padded to align their sizes, up to this many cells


def default_target(group: str | None) -> str:
    name = "profile" if group is None else re.sub(r"[^A-Za-z0-9._-]+", "_", group).strip("_") or "group"
    return str(Path.cwd() / f"{name}-dump")


def open_dump_dialog(app: ProvtopApp, group: str | None, choice: dict[str, Any] | None = None) -> None:
    """Start the dump flow (again with `choice` after a failed plan)."""
    app.push_screen(DumpOptionsDialog(group, choice), lambda options: _plan(app, group, options) if options else None)


class DumpOptionsDialog(ModalScreen[dict[str, Any] | None]):
    """The target path and the main options; Cancel is focused, enter in a field plans."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(self, group: str | None, choice: dict[str, Any] | None = None) -> None:
        super().__init__(classes="dialog dialog-dump")
        self.group = group
        self.choice = choice or {}

    def compose(self) -> ComposeResult:
        subject = f"group '{self.group}'" if self.group is not None else "the whole profile"
        chosen = self.choice.get("options", {})
        with VerticalScroll(id="dialog-box"):
            yield Static(f"Dump {subject}", id="dialog-title")
            yield Static("Target directory", classes="dialog-label")
            yield Input(self.choice.get("path", default_target(self.group)), id="dump-path", compact=True)
            yield Static("Only processes changed in the past N days (empty: all)", classes="dialog-label")
            days = chosen.get("past_days")
            yield Input("" if days is None else str(days), id="dump-days", type="integer", placeholder="all", compact=True)
            with Vertical(id="dump-boxes"):
                for name, label, value in OPTION_BOXES + (PROFILE_BOXES if self.group is None else ()):
                    yield Checkbox(label, chosen.get(name, value), id=f"dump-{name}", compact=True)
            with Horizontal(id="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Plan (dry run)", id="confirm", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def chosen(self) -> dict[str, Any]:
        options: dict[str, Any] = {box.id.removeprefix("dump-"): box.value for box in self.query(Checkbox) if box.id}
        days = self.query_one("#dump-days", Input).value.strip()
        options["past_days"] = int(days) if days else None
        if self.group is None:
            options["all_entries"] = not days  # a profile dump must be asked for everything or a filter
        return {"path": self.query_one("#dump-path", Input).value.strip(), "options": options}

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(self.chosen() if event.button.id == "confirm" else None)

    def on_input_submitted(self) -> None:
        self.dismiss(self.chosen())

    def action_cancel(self) -> None:
        self.dismiss(None)


def _plan(app: ProvtopApp, group: str | None, choice: dict[str, Any]) -> None:
    app.notify("Planning the dump (dry run)…", title="dump")
    _plan_in_thread(app, group, choice)


@work(thread=True, group="dump", exit_on_error=False)
def _plan_in_thread(app: ProvtopApp, group: str | None, choice: dict[str, Any]) -> None:
    try:
        if group is None:
            plan = app.service.plan_profile_dump(choice["path"], ProfileDumpOptions(**choice["options"]))
        else:
            plan = app.service.plan_group_dump(group, choice["path"], GroupDumpOptions(**choice["options"]))
        tree = app.service.dump_plan_tree(plan)
    except (ProvtopError, ValueError) as exc:
        text = exc.explain(REMEDIES) if isinstance(exc, ProvtopError) else str(exc)
        app.call_from_thread(app.notify, text, title="dump not planned", severity="error", timeout=10)
        app.call_from_thread(open_dump_dialog, app, group, choice)
        return
    app.call_from_thread(app.push_screen, DumpPlanDialog(plan, tree), lambda yes: _run(app, plan) if yes else None)


def totals_line(plan: Any) -> str:
    """What the plan does, naming only what it does: `12 processes written: 433 directories, 732 files (564.4 KiB)`."""
    totals = plan.totals
    if not plan.has_changes:
        unchanged = f" ({plural(totals.nodes_unchanged, 'process')} unchanged)" if totals.nodes_unchanged else ""
        return f"The dump is up to date{unchanged}: nothing to write."
    parts = [f"{plural(totals.directories, 'directory', 'directories')}", f"{plural(totals.files, 'file')} ({size(totals.bytes)})"]
    for count, noun in ((totals.symlinks, "symlink"), (totals.removals, "removal"), (totals.moves, "move")):
        if count:
            parts.append(plural(count, noun))
    text = f"{plural(totals.nodes_written, 'process')} to write: {', '.join(parts)}"
    if totals.nodes_unchanged:
        text += f"; {totals.nodes_unchanged} unchanged"
    return text + "."


class DumpPlanDialog(CancelFirstDialog):
    """The dry-run plan as a tree of changes with sizes and totals; Cancel is focused, `y` dumps."""

    def __init__(self, plan: Any, tree: Any) -> None:
        super().__init__(classes="dialog dialog-dump")
        self.plan = plan
        self.change_tree = tree

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog-box"):
            yield Static(f"Dump {self.plan.subject} into {self.plan.target}", id="dialog-title")
            yield Static(totals_line(self.plan), id="dialog-count")
            if self.plan.has_changes:
                tree: Tree[None] = Tree(Text(str(self.plan.target)), id="dump-plan-tree")
                self._fill(tree.root, self.change_tree)
                tree.root.expand()
                yield tree
            if self.plan.notes:
                yield Static("\n".join(self.plan.notes), id="dialog-text")
            with Horizontal(id="dialog-buttons"):
                yield Button("Cancel" if self.plan.has_changes else "Close", id="cancel")
                yield Button("Dump (y)", id="confirm", variant="primary", disabled=not self.plan.has_changes)

    def _fill(self, node: Any, change: Any, depth: int = 0) -> None:
        width = min(NAME_WIDTH, max((len(child.name) for child in change.children), default=0))
        for child in change.children:
            label = Text(child.name.ljust(width) + "  ")
            if child.change:
                label.append(f"{child.change:<7} ", style=CHANGE_STYLES.get(child.change, "dim"))
            label.append(f"{plural(child.files, 'file'):>10} {size(child.bytes):>10}", style="dim")
            if child.children:
                self._fill(node.add(label, expand=depth < 1), child, depth + 1)
            else:
                node.add_leaf(label)

    def action_confirm(self) -> None:
        if self.plan.has_changes:
            self.dismiss(True)


class DumpAdvanced(Message):
    def __init__(self, progress: Any) -> None:
        super().__init__()
        self.progress = progress


class DumpProgressDialog(ModalScreen[None]):
    """A progress bar in bytes while the plan is written; it closes itself when the dump ends."""

    def __init__(self, plan: Any) -> None:
        super().__init__(classes="dialog dialog-dump")
        self.plan = plan

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog-box"):
            yield Static(f"Dumping {self.plan.subject} into {self.plan.target}", id="dialog-title")
            yield ProgressBar(total=max(1, self.plan.totals.bytes), id="dump-progress")
            yield Static("starting…", id="dialog-text")

    def on_dump_advanced(self, message: DumpAdvanced) -> None:
        progress = message.progress
        self.query_one(ProgressBar).update(total=max(1, progress.bytes_total), progress=progress.bytes_done)
        self.query_one("#dialog-text", Static).update(
            f"{progress.phase}: {progress.nodes_done}/{progress.nodes_total} processes, "
            f"{progress.files_done}/{progress.files_total} files, {size(progress.bytes_done)} of {size(progress.bytes_total)}"
        )


def _run(app: ProvtopApp, plan: Any) -> None:
    dialog = DumpProgressDialog(plan)
    app.push_screen(dialog)
    _run_in_thread(app, plan, dialog)


@work(thread=True, group="dump", exit_on_error=False)
def _run_in_thread(app: ProvtopApp, plan: Any, dialog: DumpProgressDialog) -> None:
    try:
        result = app.service.run_dump(plan, progress=lambda progress: dialog.post_message(DumpAdvanced(progress)))
    except ProvtopError as exc:
        app.call_from_thread(dialog.dismiss, None)
        app.call_from_thread(app.notify, exc.explain(REMEDIES), title="dump failed", severity="error", timeout=10)
        return
    app.call_from_thread(dialog.dismiss, None)
    message = f"Dumped {result.subject} into {result.target}: {plural(result.totals.files, 'file')}, {size(result.totals.bytes)}."
    app.call_from_thread(app.notify, message, title="dump", timeout=10)
