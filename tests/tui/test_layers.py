"""The one direction of imports: the TUI talks to the service; the backend never imports Textual."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TUI = Path(__file__).resolve().parents[2] / "tui"


def test_the_backend_service_loads_without_textual() -> None:
    code = "import sys, provtop.backend.service; sys.exit('textual' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_no_screen_widget_or_modal_touches_sqlalchemy_or_transports() -> None:
    offenders = [
        str(path.relative_to(TUI))
        for folder in ("screens", "widgets", "modals")
        for path in (TUI / folder).rglob("*.py")
        if "sqlalchemy" in path.read_text() or "provtop.transports" in path.read_text()
    ]
    assert offenders == []
