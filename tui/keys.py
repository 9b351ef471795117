"""Every key of the TUI, with an id a user can rebind in config.toml:

    [tui.keys]
    "process.kill" = "x"
    "app.help" = "question_mark,f1"

Dangerous keys (they change processes or write files) are hidden and refused in read-only mode.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from typing import Literal

from textual.binding import Binding

from provtop.backend.config import config_file
from provtop.backend.errors import ConfigError

Scope = Literal["app", "processes", "groups", "members", "transfers"]


@dataclass(frozen=True)
class KeySpec:
    id: str
    key: str
    action: str
    description: str
    scope: Scope
    dangerous: bool = False
    show: bool = True
    key_display: str | None = None
    priority: bool = False
    long: str = ""  # the help screen's wording, where the footer's is too short to say it

    @property
    def explanation(self) -> str:
        return self.long or self.description


KEYS: tuple[KeySpec, ...] = (
    KeySpec("app.help", "question_mark,f1", "help", "Help", "app", key_display="?"),
    KeySpec("app.processes", "1", "switch_mode('processes')", "Processes", "app", show=False),
    KeySpec("app.groups", "2", "switch_mode('groups')", "Groups", "app", show=False),
    KeySpec("app.transfers", "3", "switch_mode('transfers')", "Transfers", "app", show=False),
    KeySpec("app.freeze", "Z", "toggle_freeze", "Freeze", "app", show=False),
    KeySpec("app.refresh", "ctrl+r", "refresh_now", "Refresh", "app", show=False),
    KeySpec("process.filter", "slash", "filter", "Filter", "processes", key_display="/"),
    KeySpec("process.clear_filter", "escape", "clear_filter", "Clear filter", "processes", show=False),
    KeySpec("process.tree", "t", "toggle_tree", "Tree", "processes", long="Tree or flat list"),
    KeySpec("process.expand", "plus,equals_sign", "expand", "Expand", "processes", show=False, key_display="+"),
    KeySpec("process.collapse", "minus", "collapse", "Collapse", "processes", show=False, key_display="-"),
    KeySpec("process.toggle_all", "asterisk", "toggle_all", "Expand/collapse all", "processes", show=False, key_display="*"),
    KeySpec("process.mark", "space", "mark", "Mark", "processes", show=False),
    KeySpec("process.unmark_all", "U", "unmark_all", "Unmark all", "processes", show=False),
    KeySpec("process.sort_next", "greater_than_sign", "sort_next", "Next sort column", "processes", show=False, key_display=">"),
    KeySpec("process.sort_previous", "less_than_sign", "sort_previous", "Previous sort column", "processes", show=False, key_display="<"),
    KeySpec("process.sort_invert", "I", "sort_invert", "Invert sort", "processes", show=False),
    KeySpec("process.sort_state", "S", "sort_by('state')", "Sort by state", "processes", show=False),
    KeySpec("process.sort_age", "A", "sort_by('ctime')", "Sort by age", "processes", show=False),
    KeySpec("process.details", "enter", "toggle_details", "Details", "processes", long="Show or hide the detail pane"),
    KeySpec("process.kill", "k", "kill", "Kill", "processes", dangerous=True),
    KeySpec("process.force_kill", "K", "force_kill", "Force-kill", "processes", dangerous=True),
    KeySpec("process.pause", "p", "pause", "Pause", "processes", dangerous=True, long="Pause (with what it called)"),
    KeySpec("process.play", "P", "play", "Play", "processes", dangerous=True, long="Play: resume paused processes"),
    KeySpec("process.stash", "s", "stash", "Stash remote folder", "processes", dangerous=True, show=False),
    KeySpec("process.demo", "n", "launch_demo", "Launch live demo workflows", "processes", dangerous=True, show=False),
    KeySpec("process.demo_finished", "N", "add_demo", "Add finished demo workflows", "processes", dangerous=True, show=False),
    KeySpec("group.open", "enter", "open_group", "Members", "groups"),
    KeySpec("group.dump", "d", "dump_group", "Dump group", "groups", dangerous=True),
    KeySpec("group.dump_profile", "D", "dump_profile", "Dump profile", "groups", dangerous=True),
    KeySpec("group.reload", "r", "reload", "Reload", "groups", show=False),
    KeySpec("members.back", "escape,q", "back", "Back", "members"),
    KeySpec("members.dump", "d", "dump_group", "Dump group", "members", dangerous=True),
)

DANGEROUS_ACTIONS = frozenset(spec.action for spec in KEYS if spec.dangerous)


def bindings(scope: Scope) -> list[Binding]:
    """The Textual bindings of one scope, each with its id so that `App.set_keymap` can rebind it."""
    return [
        Binding(
            spec.key,
            spec.action,
            spec.description,
            show=spec.show,
            key_display=spec.key_display,
            id=spec.id,
            priority=spec.priority,
        )
        for spec in KEYS
        if spec.scope == scope
    ]


def specs(scope: Scope) -> list[KeySpec]:
    return [spec for spec in KEYS if spec.scope == scope]


def load_keymap() -> dict[str, str]:
    """The `[tui.keys]` table of config.toml: binding id -> keys; unknown ids are an error to fix."""
    path = config_file()
    if not path.exists():
        return {}
    try:
        raw = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    keymap = raw.get("tui", {}).get("keys", {})
    known = {spec.id for spec in KEYS}
    unknown = sorted(set(keymap) - known)
    if unknown:
        raise ConfigError(f"unknown key binding id(s) in {path} [tui.keys]: {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return {str(key): str(value) for key, value in keymap.items()}
