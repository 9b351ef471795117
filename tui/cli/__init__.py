"""The `provtop` command line: the same verbs as the TUI, for scripts."""

from __future__ import annotations

from .main import main

__all__ = ["main"]
