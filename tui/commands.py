"""Command palette entries, named "category: action" and offered only where they make sense."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from . import keys

if TYPE_CHECKING:
    from .app import ProvtopApp

# (screen id or "*", title, action, help)
ENTRIES: tuple[tuple[str, str, str, str], ...] = (
    ("*", "view: processes", "app.switch_mode('processes')", "The live process tree (key 1)"),
    ("*", "view: groups", "app.switch_mode('groups')", "Groups with member counts (key 2)"),
    ("*", "view: transfers", "app.switch_mode('transfers')", "Throughput per computer and process (key 3)"),
    ("*", "view: freeze or unfreeze live updates", "app.toggle_freeze", "Stop redrawing changes (Z)"),
    ("*", "help: keys", "app.help", "Every key of this screen (?)"),
    ("processes", "process: kill selected", "kill", "Kill the marked processes or the one under the cursor (k)"),
    ("processes", "process: force-kill selected", "force_kill", "Mark killed at once; remote jobs may become orphans (K)"),
    ("processes", "process: pause selected", "pause", "Pause at the next step, at once (p)"),
    ("processes", "process: play selected", "play", "Resume paused processes, at once (P)"),
    ("processes", "process: stash remote folder", "stash", "Stash the folder of the finished calc job under the cursor (s)"),
    ("processes", "process: filter", "filter", "Filter by text, state:… and computer:… (/)"),
    ("processes", "process: clear filter", "clear_filter", "Show every process again (escape)"),
    ("processes", "view: tree or flat list", "toggle_tree", "Switch between the call tree and a flat list (t)"),
    ("processes", "view: expand or collapse all", "toggle_all", "Open or close every loaded workflow (*)"),
    ("processes", "view: details pane", "toggle_details", "Show or hide the detail pane (enter)"),
    ("processes", "process: launch demo workflows", "launch_demo", "Real jobs on localhost to watch run, fail and move files, about a minute (n)"),
    ("processes", "process: add finished demo workflows", "add_demo", "10 finished workflows in groups, to browse and dump (N)"),
    ("groups", "group: open members", "open_group", "List the members of the group under the cursor (enter)"),
    ("groups", "group: dump selected group", "dump_group", "Dry-run plan first, then dump (d)"),
    ("groups", "profile: dump", "dump_profile", "Dry-run plan first, then dump the whole profile (D)"),
    ("groups", "group: reload", "reload", "Read the groups and member counts again (r)"),
    ("members", "group: dump this group", "dump_group", "Dry-run plan first, then dump (d)"),
    ("members", "view: back to the groups", "back", "Leave the member list (escape)"),
)


class ProvtopCommands(Provider):
    def _entries(self) -> list[tuple[str, Callable[[], Any], str]]:
        app = cast("ProvtopApp", self.app)
        screen = self.screen
        found = []
        for scope, title, action, help_text in ENTRIES:
            bare = action.removeprefix("app.")
            if scope != "*" and screen.id != scope:
                continue
            if app.read_only and bare in keys.DANGEROUS_ACTIONS:
                continue
            if scope != "*" and screen.check_action(bare, ()) is False:
                continue
            target = app if action.startswith("app.") else screen
            found.append((title, partial(target.run_action, bare), help_text))
        return found

    async def discover(self) -> Hits:
        for title, command, help_text in self._entries():
            yield DiscoveryHit(title, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, command, help_text in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), command, help=help_text)
