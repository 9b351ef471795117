"""`s`: stash the remote folder of a finished calc job (a StashCalculation): mode, target, globs, then the result.

The dialog only gathers the choice; the service validates it (absolute target, known mode) and runs the
stash in a thread worker, so a slow remote never blocks the loop and every failure arrives as a notification.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from provtop.backend.errors import ProvtopError
from provtop.backend.service.snapshots import ProcessDetail, ProcessRow
from pydantic import BaseModel
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, RadioButton, RadioSet, Static

if TYPE_CHECKING:
    from ..app import ProvtopApp

STASH_MODES = ("copy", "tar", "tar.gz", "tar.bz2", "tar.xz")
DEFAULT_MODE = "tar.gz"
STASH_TIMEOUT = 600.0  # seconds a stash may run under an engine before the TUI reports it as still running
NOT_STASHABLE = "Stash needs a finished calc job with a remote folder"


class StashTarget(BaseModel):
    """What the dialog stashes: the calc job and its remote folder, and where that folder lives."""

    process_pk: int
    label: str
    computer: str | None
    remote_pk: int
    remote_workdir: str | None


class StashChoice(BaseModel):
    """The user's answer, passed unchanged to `Service.stash_remote`."""

    mode: str
    target_base: str
    source_list: list[str]


def stashable(row: ProcessRow | None) -> bool:
    """A finished calc job: the only kind whose remote folder a StashCalculation takes."""
    return row is not None and row.kind == "calcjob" and row.state == "finished"


def stash_target(detail: ProcessDetail) -> StashTarget | None:
    remote = next((link for link in detail.outputs if link.link_label == "remote_folder"), None)
    if remote is None or not stashable(detail.row):
        return None
    return StashTarget(process_pk=detail.row.pk, label=detail.row.title, computer=detail.row.computer, remote_pk=remote.pk,
                       remote_workdir=detail.remote_workdir)


def default_target_base(remote_workdir: str | None) -> str:
    """`stash/` beside the computer's job folders (`<workdir>/ab/cd/rest-of-uuid`, else the folder's parent)."""
    if not remote_workdir:
        return ""
    folder = PurePosixPath(remote_workdir)
    sharded = len(folder.parts) > 3 and len(folder.parent.name) == 2 and len(folder.parent.parent.name) == 2
    return str((folder.parents[2] if sharded else folder.parent) / "stash")


def parse_globs(text: str) -> list[str]:
    return [glob for glob in re.split(r"[\s,]+", text.strip()) if glob] or ["*"]


def open_stash_dialog(app: ProvtopApp, row: ProcessRow | None) -> None:
    """Start the stash flow for `row`, or say plainly why it cannot be stashed."""
    if not stashable(row):
        app.notify(f"{NOT_STASHABLE}; move the cursor to one.", title="stash", severity="warning")
        return
    assert row is not None
    _find_remote_folder(app, row.pk)


@work(thread=True, group="stash", exit_on_error=False)
def _find_remote_folder(app: ProvtopApp, pk: int) -> None:
    try:
        target = stash_target(app.service.process_detail(pk))
    except ProvtopError as exc:
        app.call_from_thread(app.notify, str(exc), title="stash", severity="error")
        return
    if target is None:
        app.call_from_thread(app.notify, f"{NOT_STASHABLE}: process {pk} has none.", title="stash", severity="warning")
        return
    app.call_from_thread(app.push_screen, StashDialog(target),
                         lambda choice: _stash(app, target, choice) if choice else None)


class StashDialog(ModalScreen[StashChoice | None]):
    """Mode, target base path and source globs; Cancel is focused, escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]
    DEFAULT_CSS = """
    StashDialog .dialog-label { margin-top: 1; }
    StashDialog #stash-mode { width: auto; layout: horizontal; }
    """

    def __init__(self, target: StashTarget) -> None:
        super().__init__(classes="dialog dialog-stash")
        self.target = target

    def compose(self) -> ComposeResult:
        where = f" on '{self.target.computer}'" if self.target.computer else ""
        with Vertical(id="dialog-box"):
            yield Static(f"Stash the remote folder of {self.target.label} <{self.target.process_pk}>", id="dialog-title")
            yield Static(f"Mode (RemoteData<{self.target.remote_pk}>{where})", id="dialog-count")
            with RadioSet(id="stash-mode"):
                for mode in STASH_MODES:
                    yield RadioButton(mode, value=mode == DEFAULT_MODE, id=f"stash-{mode.replace('.', '-')}")
            yield Static("Target base directory (absolute, on the remote computer)", classes="dialog-label")
            yield Input(default_target_base(self.target.remote_workdir), id="stash-target")
            yield Static("Files to stash (globs, space separated; * for everything)", classes="dialog-label")
            yield Input("*", id="stash-sources")
            yield Static("A StashCalculation records the provenance: remote folder -> stash -> stashed data.",
                         id="dialog-text")
            with Horizontal(id="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Stash", id="confirm", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def choice(self) -> StashChoice:
        pressed = self.query_one(RadioSet).pressed_button
        mode = str(pressed.label) if pressed is not None else DEFAULT_MODE
        return StashChoice(mode=mode, target_base=self.query_one("#stash-target", Input).value.strip(),
                           source_list=parse_globs(self.query_one("#stash-sources", Input).value))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(self.choice() if event.button.id == "confirm" else None)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _stash(app: ProvtopApp, target: StashTarget, choice: StashChoice) -> None:
    app.notify(f"stash: {choice.mode} of {' '.join(choice.source_list)} into {choice.target_base}…")
    _stash_in_thread(app, target, choice)


@work(thread=True, group="stash", exit_on_error=False)
def _stash_in_thread(app: ProvtopApp, target: StashTarget, choice: StashChoice) -> None:
    try:
        result = app.service.stash_remote(target.remote_pk, mode=choice.mode, target_base=choice.target_base,
                                          source_list=choice.source_list, timeout=STASH_TIMEOUT)
    except ProvtopError as exc:
        app.call_from_thread(app.notify, str(exc), title="stash failed", severity="error", timeout=10)
        return
    ok = result.exit_status == 0 and result.stash_pk is not None
    app.call_from_thread(app.notify, result.message, title="stash" if ok else "stash failed",
                         severity="information" if ok else "error", timeout=10)
