"""Running the CLI as a user would, and checking what a failed command may and may not leave behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from provtop.tui.cli.main import cli

PROVTOP = Path(sys.executable).with_name("provtop")


def run_cli(*args: str, input: str | None = None) -> Result:
    """Invoke `provtop ARGS` in-process; anything but a clean exit (including a crash) is in the result."""
    result = CliRunner().invoke(cli, list(args), input=input)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"provtop {' '.join(args)} crashed") from result.exception
    return result


def run_json(*args: str) -> Any:
    """Invoke a command with --json and parse what it printed; the command must succeed."""
    result = run_cli(*args, "--json")
    assert result.exit_code == 0, f"provtop {' '.join(args)} --json failed:\n{result.output}"
    return json.loads(result.stdout)


def run_provtop(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed `provtop` script in a real process (for tracebacks and terminal output)."""
    return subprocess.run(
        [str(PROVTOP), *args], capture_output=True, text=True, stdin=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "60", **(env or {})},
    )


def assert_one_line_error(exit_code: int, stderr: str, *, expected_code: int = 1, says: str = "") -> str:
    """A user mistake: the exit code, and one `Error: ...` line on stderr, never a traceback."""
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert exit_code == expected_code, stderr
    assert len(lines) == 1, f"expected one line, got:\n{stderr}"
    assert lines[0].startswith("Error: "), lines[0]
    assert says in lines[0]
    return lines[0]


def home_snapshot(home: Path) -> dict[str, Any]:
    """What a failed command must not change: the directories under PROVTOP_HOME and the config file."""
    if not home.exists():
        return {"exists": False}
    config = home / "config.toml"
    return {
        "exists": True,
        "directories": sorted(str(p.relative_to(home)) for p in home.rglob("*") if p.is_dir()),
        "config": config.read_text() if config.exists() else None,
    }
