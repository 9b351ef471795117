"""Kill and force-kill dialogs: they name what dies, count descendants, and open with Cancel focused."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from provtop.backend.service.snapshots import DescendantCount

from ..formatting import plural
from .base import CancelFirstDialog


def count_sentence(count: DescendantCount, names: list[str]) -> str:
    """`relax <12> and 2 active processes it called.` (and which chosen ones terminated already)."""
    if len(names) == 1:
        text = names[0]
    else:
        shown = ", ".join(names[:3]) + (f", and {len(names) - 3} more" if len(names) > 3 else "")
        text = f"{plural(len(names), 'marked process')} ({shown})"
    if count.descendants:
        they = "it" if len(names) == 1 else "they"
        text += f" and {plural(count.descendants, 'active process')} {they} called"
    text += "."
    if count.terminated:
        rest = "has terminated already and stays as it is" if count.terminated == 1 else (
            "have terminated already and stay as they are")
        text += f" {plural(count.terminated, 'marked process')} {rest}."
    return text


class ConfirmControlDialog(CancelFirstDialog):
    """Kill after a confirmation that names what dies; Cancel has the focus, `y` confirms, `n` or escape cancels."""

    VERB = "Kill"
    EXPLANATION = ("Each remote scheduler job is cancelled first, then its process is marked killed, deepest first. "
                   "This cannot be undone.")
    CONFIRM = ("Kill (y)", "warning")

    def __init__(self, pks: list[int], count: DescendantCount, names: list[str]) -> None:
        super().__init__(classes="dialog dialog-kill")
        self.pks = pks
        self.count = count
        self.names = names

    def compose(self) -> ComposeResult:
        label, variant = self.CONFIRM
        with Vertical(id="dialog-box"):
            yield Static(f"{self.VERB} {plural(self.count.total, 'process')}?", id="dialog-title")
            yield Static(Text(count_sentence(self.count, self.names)), id="dialog-count")
            yield Static(self.EXPLANATION, id="dialog-text")
            with Horizontal(id="dialog-buttons"):
                yield Button("Cancel", id="cancel", variant="default")
                yield Button(label, id="confirm", variant=variant)  # type: ignore[arg-type]


class ForceKillDialog(ConfirmControlDialog):
    """The red dialog: says that remote jobs may stay running and become orphans."""

    VERB = "FORCE-kill"
    EXPLANATION = ("They are marked killed at once, without waiting for the remote computers. Cancelling their "
                   "scheduler jobs is tried once, but remote jobs may stay running: those whose cancel is not "
                   "confirmed are listed as orphans (status bar, `provtop process orphans`).")
    CONFIRM = ("Force-kill (y)", "error")

    def __init__(self, pks: list[int], count: DescendantCount, names: list[str]) -> None:
        super().__init__(pks, count, names)
        self.set_class(True, "dialog-force")
