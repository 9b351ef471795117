"""The top line: which profile, which screen, and the keys that switch screens."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

MODES = (("1", "processes", "Processes"), ("2", "groups", "Groups"), ("3", "transfers", "Transfers"))


class ModeBar(Static):
    DEFAULT_CSS = """
    ModeBar { height: 1; background: $primary-background; color: $text; padding: 0 1; }
    """

    def __init__(self, current: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.current = current

    def on_mount(self) -> None:
        profile = getattr(self.app, "profile_name", "")
        text = Text()
        text.append("provtop", style="bold")
        text.append(f" · {profile}   ", style="dim")
        for key, mode, title in MODES:
            style = "bold reverse" if mode == self.current else ""
            text.append(f" {key} {title} ", style=style)
            text.append(" ")
        text.append("   ? help  ctrl+p commands  ctrl+q quit", style="dim")
        self.update(text)
