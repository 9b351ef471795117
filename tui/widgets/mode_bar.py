"""The top line: which profile, which screen, the keys that switch screens, and the modes that change what keys do."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widget import Widget

MODES = (("1", "processes", "Processes"), ("2", "groups", "Groups"), ("3", "transfers", "Transfers"))
HINTS = ("? help  ctrl+p commands  ctrl+q quit", "? help  ^q quit", "? help")


class ModeBar(Widget):
    DEFAULT_CSS = """
    ModeBar { height: 1; background: $primary-background; color: $text; padding: 0 1; }
    """

    def __init__(self, current: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.current = current

    def render(self) -> Text:
        app = self.app
        text = Text()
        text.append("provtop", style="bold")
        text.append(f" · {getattr(app, 'profile_name', '')}  ", style="dim")
        if getattr(app, "read_only", False):
            text.append(" READ-ONLY ", style="bold black on yellow")
            text.append(" ")
        if getattr(app, "frozen", False):
            text.append(" FROZEN (Z) ", style="bold black on cyan")
            text.append(" ")
        for key, mode, title in MODES:
            text.append(f" {key} {title} ", style="bold reverse" if mode == self.current else "")
        room = self.size.width - text.cell_len
        hint = next((hint for hint in HINTS if len(hint) + 2 <= room), "")
        if hint:
            text.append(" " * (room - len(hint)) + hint, style="dim")
        return text
