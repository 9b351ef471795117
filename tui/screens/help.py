"""`?`: every key of the current screen and of the app, as configured (rebinding included)."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from .. import keys
from ..formatting import FILTER_STATES

NAVIGATION = (
    ("↑ ↓ PgUp PgDn g G", "move the cursor; it stays on its process while rows change"),
    ("→ ←", "expand or collapse the workflow under the cursor"),
    ("tab", "move between the list, the detail pane and dialog buttons"),
    ("ctrl+p", "command palette: every action by name"),
    ("ctrl+q", "quit"),
)
FILTER_HELP = (
    f"Filter (/): words match labels; state:running,waiting (any of {', '.join(FILTER_STATES)}, or the start of one); "
    "computer:NAME; a leading ! shows the rest. The list follows as you type; enter keeps the filter, "
    "escape restores the one before, escape in the list clears it."
)


def key_label(keys_text: str) -> str:
    names = {"question_mark": "?", "slash": "/", "plus": "+", "minus": "-", "asterisk": "*", "equals_sign": "=",
             "greater_than_sign": ">", "less_than_sign": "<", "space": "space", "escape": "esc", "enter": "enter"}
    return " ".join(names.get(key, key) for key in keys_text.split(","))


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Close", id="help.close")]

    def __init__(self, scope: keys.Scope, keymap: dict[str, str], read_only: bool) -> None:
        super().__init__(classes="dialog")
        self.scope = scope
        self.keymap = keymap
        self.read_only = read_only

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=True, header_style="bold", expand=True)
        table.add_column("Key", no_wrap=True, style="bold cyan")
        table.add_column("Action")
        table.add_column("Id (rebind in config.toml \\[tui.keys])", style="dim", no_wrap=True)
        for scope in (self.scope, "app"):
            for spec in keys.specs(scope):
                if self.read_only and spec.dangerous:
                    continue
                table.add_row(key_label(self.keymap.get(spec.id, spec.key)), spec.explanation, spec.id)
        navigation = Table(box=None, show_header=False, expand=True)
        navigation.add_column("Key", no_wrap=True, style="bold cyan")
        navigation.add_column("Action")
        for key, text in NAVIGATION:
            navigation.add_row(key, text)
        note = "Read-only mode: kill, pause, play, stash, dump and demo keys are off." if self.read_only else (
            "k kills after a dialog with Cancel focused; K force-kills (remote jobs may become orphans); "
            "p and P pause and resume at once.")
        with VerticalScroll(id="dialog-box"):
            yield Static(f"Keys of the {self.scope} screen" if self.scope != "app" else "Keys", id="dialog-title")
            yield Static(table)
            yield Static(navigation, classes="dialog-label")
            if self.scope == "processes":
                yield Static(FILTER_HELP, classes="dialog-label")
            yield Static(note, id="dialog-text", classes="dialog-label")

    def action_close(self) -> None:
        self.dismiss(None)
