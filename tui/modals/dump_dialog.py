"""`d` / `D`: dump a group or the profile: options, then the dry-run plan as a tree, then confirm, then progress.

The plan shown is the plan executed (the service runs the very object), so the preview cannot lie.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, ProgressBar, Static, Tree

from provtop.backend.dump.options import GroupDumpOptions, ProfileDumpOptions
from provtop.backend.errors import ProvtopError

from ..control import NotAvailable
from .base import CancelFirstDialog
from ..formatting import size

if TYPE_CHECKING:
    from ..app import ProvtopApp

OPTION_BOXES = (
    ("overwrite", "Overwrite: delete the earlier dump in the target first", False),
    ("include_outputs", "Include output data files (node_outputs/)", False),
    ("include_extras", "Include extras in the metadata files", False),
    ("flat", "Flat: all files of a calculation directly in its directory", False),
)
PROFILE_BOXES = (
    ("all_entries", "All processes (a profile dump needs --all or a filter)", True),
    ("also_ungrouped", "Also processes in no group (ungrouped/)", True),
)


def default_target(group: str | None) -> str:
    name = "profile" if group is None else re.sub(r"[^A-Za-z0-9._-]+", "_", group).strip("_") or "group"
    return str(Path.cwd() / f"{name}-dump")


def open_dump_dialog(app: ProvtopApp, group: str | None) -> None:
    """Start the dump flow, or say plainly that this provtop cannot dump yet."""
    needed = "plan_group_dump" if group is not None else "plan_profile_dump"
    if not (callable(getattr(app.service, needed, None)) and callable(getattr(app.service, "run_dump", None))):
        app.notify(str(NotAvailable("dump_plan")), title="Not available", severity="warning")
        return
    app.push_screen(DumpOptionsDialog(group), lambda options: _plan(app, group, options) if options else None)


class DumpOptionsDialog(ModalScreen[dict[str, Any] | None]):
    """The target path and the main options; Cancel is focused."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(self, group: str | None) -> None:
        super().__init__(classes="dialog dialog-dump")
        self.group = group

    def compose(self) -> ComposeResult:
        subject = f"group '{self.group}'" if self.group is not None else "the whole profile"
        with Vertical(id="dialog-box"):
            yield Static(f"Dump {subject}", id="dialog-title")
            yield Static("Target directory", id="dialog-count")
            yield Input(default_target(self.group), id="dump-path")
            for name, label, value in OPTION_BOXES + (PROFILE_BOXES if self.group is None else ()):
                yield Checkbox(label, value, id=f"dump-{name}")
            yield Static("Next: a dry-run plan of every change, before anything is written.", id="dialog-text")
            with Horizontal(id="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Plan (dry run)", id="confirm", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id != "confirm":
            self.dismiss(None)
            return
        options = {box.id.removeprefix("dump-"): box.value for box in self.query(Checkbox) if box.id}
        self.dismiss({"path": self.query_one("#dump-path", Input).value.strip(), "options": options})

    def action_cancel(self) -> None:
        self.dismiss(None)


def _plan(app: ProvtopApp, group: str | None, choice: dict[str, Any]) -> None:
    app.notify("Planning the dump (dry run)…")
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
        app.call_from_thread(app.notify, str(exc), title="dump", severity="error")
        return
    app.call_from_thread(app.push_screen, DumpPlanDialog(plan, tree), lambda yes: _run(app, plan) if yes else None)


def _totals_line(plan: Any) -> str:
    totals = plan.totals
    return (
        f"{totals.directories} directories, {totals.files} files ({size(totals.bytes)}), {totals.symlinks} symlinks, "
        f"{totals.removals} removals, {totals.moves} moves; {totals.nodes_written} process(es) written, "
        f"{totals.nodes_unchanged} unchanged"
    )


class DumpPlanDialog(CancelFirstDialog):
    """The dry-run plan as a tree of changes with sizes and totals; Cancel is focused, `y` dumps."""

    def __init__(self, plan: Any, tree: Any) -> None:
        super().__init__(classes="dialog dialog-dump")
        self.plan = plan
        self.change_tree = tree

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog-box"):
            yield Static(f"Dump {self.plan.subject} into {self.plan.target}", id="dialog-title")
            yield Static(_totals_line(self.plan), id="dialog-count")
            tree: Tree[None] = Tree(self.plan.target, id="dump-plan-tree")
            self._fill(tree.root, self.change_tree)
            tree.root.expand()
            yield tree
            notes = "\n".join(self.plan.notes)
            yield Static(notes or ("Nothing to change." if not self.plan.has_changes else ""), id="dialog-text")
            with Horizontal(id="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Dump (y)", id="confirm", variant="primary", disabled=not self.plan.has_changes)

    def _fill(self, node: Any, change: Any, depth: int = 0) -> None:
        for child in change.children:
            label = f"{child.name}  [dim]{child.change} {child.files} file(s) {size(child.bytes)}[/dim]"
            if child.children:
                branch = node.add(label, expand=depth < 1)
                self._fill(branch, child, depth + 1)
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
            yield Static(f"Dumping {self.plan.subject}", id="dialog-title")
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
        app.call_from_thread(app.notify, str(exc), title="dump failed", severity="error")
        return
    app.call_from_thread(dialog.dismiss, None)
    message = f"dumped {result.subject} into {result.target}: {result.totals.files} files, {size(result.totals.bytes)}"
    app.call_from_thread(app.notify, message, title="dump", timeout=10)
