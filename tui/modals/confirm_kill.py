"""Kill and force-kill dialogs: they name the count including descendants and open with Cancel focused."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from provtop.backend.service.snapshots import DescendantCount

from .base import CancelFirstDialog


def count_sentence(count: DescendantCount) -> str:
    """`3 processes: 1 selected and 2 descendants still active` (and what is finished already)."""
    noun = "process" if count.total == 1 else "processes"
    text = f"{count.total} {noun}: {count.selected} selected and {count.descendants} descendant(s) still active"
    if count.terminated:
        text += f"; {count.terminated} selected one(s) terminated already and stay as they are"
    return text


class ConfirmControlDialog(CancelFirstDialog):
    """Kill, pause or play after a confirmation; Cancel has the focus, `y` confirms, `n` or escape cancels."""

    VERBS = {"kill": "Kill", "pause": "Pause", "play": "Play"}
    EXPLANATIONS = {
        "kill": "Each remote scheduler job is cancelled first, then its process is marked killed, "
        "deepest first. This cannot be undone.",
        "pause": "Each process stops at its next step and keeps its place; play resumes it.",
        "play": "Paused processes continue from where they stopped.",
    }

    def __init__(self, action: str, pks: list[int], count: DescendantCount) -> None:
        super().__init__(classes=f"dialog dialog-{action}")
        self.action_name = action
        self.pks = pks
        self.count = count

    def compose(self) -> ComposeResult:
        verb = self.VERBS[self.action_name]
        with Vertical(id="dialog-box"):
            yield Static(f"{verb} {self.count.total} process(es)?", id="dialog-title")
            yield Static(count_sentence(self.count), id="dialog-count")
            yield Static(self.EXPLANATIONS[self.action_name], id="dialog-text")
            with Horizontal(id="dialog-buttons"):
                yield Button("Cancel", id="cancel", variant="default")
                yield Button(f"{verb} (y)", id="confirm", variant="warning" if self.action_name == "kill" else "primary")


class ForceKillDialog(ConfirmControlDialog):
    """The red dialog: says that remote jobs may stay running and become orphans."""

    def __init__(self, pks: list[int], count: DescendantCount) -> None:
        super().__init__("kill", pks, count)
        self.set_class(True, "dialog-force")

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog-box"):
            yield Static(f"FORCE-kill {self.count.total} process(es)?", id="dialog-title")
            yield Static(count_sentence(self.count), id="dialog-count")
            yield Static(
                "They are marked killed at once, without waiting for the remote computers. "
                "Cancelling their scheduler jobs is still tried in the background, but remote jobs may "
                "stay running: those whose cancel is not confirmed are listed as orphans "
                "(status bar, `provtop process orphans`).",
                id="dialog-text",
            )
            with Horizontal(id="dialog-buttons"):
                yield Button("Cancel", id="cancel", variant="default")
                yield Button("Force-kill (y)", id="confirm", variant="error")
