"""The journal that makes an interrupted dump harmless.

Before a run changes anything it records what it is about to create or move. The log of
the last completed run is only replaced at the very end, so after a SIGKILL the next run
finds the journal, undoes what the log does not know (new directories, files, symlinks,
moves, half-written temporary files) and then re-checks every process against the disk.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticValidationError

from ..atomic import atomic_write_bytes
from .errors import DumpStateError
from .guard import TargetGuard
from .plan import DumpPlan
from .state import JOURNAL_FILE, SAFEGUARD_FILE, STATE_FILE, DumpState

TEMPORARY_PREFIX = ".provtop-partial-"


class Journal(BaseModel):
    clear: bool = False
    moves: list[tuple[str, str]] = Field(default_factory=list)
    directories: list[str] = Field(default_factory=list, description="Process and group directories created.")
    plain_directories: list[str] = Field(default_factory=list)
    files: list[str] = Field(default_factory=list, description="New files in directories that existed.")
    links: list[str] = Field(default_factory=list)
    replaced_in: list[str] = Field(default_factory=list, description="Directories with files replaced atomically.")


def journal_for(plan: DumpPlan) -> Journal:
    created = {item.path for item in plan.directories}
    fresh = {item.path for item in plan.directories if item.safeguard}
    return Journal(
        clear=plan.clear_target,
        moves=[(move.source, move.destination) for move in plan.moves],
        directories=sorted(fresh),
        plain_directories=sorted(created - fresh),
        files=[item.path for item in plan.files if not item.replace and item.slot not in created],
        links=[item.path for item in plan.symlinks],
        replaced_in=sorted({item.path.rpartition("/")[0] or "." for item in plan.files if item.replace}),
    )


def write_journal(root: Path, journal: Journal) -> None:
    atomic_write_bytes(root / JOURNAL_FILE, journal.model_dump_json().encode())


def remove_journal(root: Path) -> None:
    (root / JOURNAL_FILE).unlink(missing_ok=True)


def clear_root(root: Path) -> None:
    """Delete everything of an earlier dump at `root` but its safeguard and the journal."""
    for entry in os.scandir(root):
        if entry.name in (SAFEGUARD_FILE, JOURNAL_FILE):
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)


def recover(root: Path, state: DumpState | None) -> bool:
    """Undo what an interrupted run left; True if there was something to recover from."""
    path = root / JOURNAL_FILE
    try:
        journal = Journal.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        return False
    except (OSError, PydanticValidationError):
        raise DumpStateError(f"the journal {path} of an interrupted dump is unreadable", "{overwrite}") from None
    if journal.clear:
        clear_root(root)
    else:
        _undo(TargetGuard(root), journal, state)
    for entry in os.scandir(root):
        if entry.name.startswith(f".{STATE_FILE}.") or entry.name.startswith(f".{JOURNAL_FILE}."):
            os.unlink(entry.path)
    remove_journal(root)
    return True


def _undo(guard: TargetGuard, journal: Journal, state: DumpState | None) -> None:
    records = state.nodes.values() if state is not None else []
    known_dirs = {p for record in records for p in record.paths} | set(state.containers if state else [])
    known_links = {p for record in records for p in record.links}
    known_files = {
        f"{p}/{rel}" if p != "." else rel for record in records for p in record.paths for rel in record.files
    }
    known_files |= set(state.root_files if state else {})
    for source, destination in reversed(journal.moves):
        origin, moved = guard.absolute(source), guard.absolute(destination)
        if moved.is_dir() and not origin.exists():
            guard.make_parents(source)
            os.rename(moved, origin)
    for directory in journal.directories:
        location = guard.absolute(directory)
        if directory not in known_dirs and guard.has_safeguard(directory) and not location.is_symlink():
            shutil.rmtree(location)
    for item in journal.files:
        location = guard.absolute(item)
        if item not in known_files and (location.is_file() or location.is_symlink()):
            location.unlink()
    for item in journal.links:
        location = guard.absolute(item)
        if item not in known_links and location.is_symlink():
            location.unlink()
    for directory in journal.replaced_in:
        location = guard.absolute(directory)
        if location.is_dir() and not location.is_symlink():
            for entry in os.scandir(location):
                if entry.name.startswith(TEMPORARY_PREFIX):
                    os.unlink(entry.path)
    for directory in sorted(journal.plain_directories, key=lambda p: p.count("/"), reverse=True):
        try:
            guard.absolute(directory).rmdir()
        except OSError:
            pass  # not empty (something else lives there now) or gone already
