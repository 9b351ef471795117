"""Kill, force-kill, pause and play from the processes screen: count what a kill reaches, confirm, run, report.

Killing cannot be undone, so it asks first (the dialog names the count including descendants);
pause and play are reversible and run at once. Every call blocks, so it runs in a thread worker
and its outcome arrives as a notification.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from provtop.backend.errors import ProvtopError
from provtop.backend.service.snapshots import DescendantCount
from textual import work

from ..control import ControlAction
from ..modals.confirm_kill import ConfirmControlDialog, ForceKillDialog

if TYPE_CHECKING:
    from ..app import ProvtopApp

TITLES = {"kill": "Kill", "force_kill": "Force-kill", "pause": "Pause", "play": "Play"}
DOING = {"kill": "Killing", "force_kill": "Force-killing", "pause": "Pausing", "play": "Resuming"}


def describe(names: list[str]) -> str:
    """`relax <12>` for one process, `3 marked processes` for several."""
    return names[0] if len(names) == 1 else f"{len(names)} marked processes"


def start_control(app: ProvtopApp, action: ControlAction, pks: list[int], names: list[str],
                  still_active: list[bool], done: Callable[[], None]) -> None:
    """Ask before a kill; pause and play at once. `still_active` says, per process, what the list last showed
    (True when unknown); `done` runs on the loop once the service answered."""
    if not any(still_active):  # known to be over: no need to ask the store
        _nothing_to_do(app, action, names)
    elif action in ("pause", "play"):
        _run(app, action, pks, names, done)
    else:
        _count(app, action, pks, names, done)


def _nothing_to_do(app: ProvtopApp, action: ControlAction, names: list[str]) -> None:
    have = "has" if len(names) == 1 else "have all"
    app.notify(f"Nothing to {action.replace('_', '-')}: {describe(names)} {have} terminated already.", title=TITLES[action])


@work(thread=True, group="process-control", exit_on_error=False)
def _count(app: ProvtopApp, action: ControlAction, pks: list[int], names: list[str], done: Callable[[], None]) -> None:
    count = app.service.count_descendants(pks)
    app.call_from_thread(_confirm, app, action, pks, names, count, done)


def _confirm(app: ProvtopApp, action: ControlAction, pks: list[int], names: list[str], count: DescendantCount,
             done: Callable[[], None]) -> None:
    if count.total == 0:
        _nothing_to_do(app, action, names)
        return
    dialog = ForceKillDialog(pks, count, names) if action == "force_kill" else ConfirmControlDialog(pks, count, names)
    app.push_screen(dialog, lambda yes: _run(app, action, pks, names, done) if yes else None)


@work(thread=True, group="process-control", exit_on_error=False)
def _run(app: ProvtopApp, action: ControlAction, pks: list[int], names: list[str], done: Callable[[], None]) -> None:
    title = TITLES[action]
    if action in ("kill", "force_kill"):  # a kill may wait for remote computers: say it started
        app.call_from_thread(app.notify, f"{DOING[action]} {describe(names)}…", title=title)
    try:
        reply = app.control.control(action, pks)
    except ProvtopError as exc:
        app.call_from_thread(app.notify, str(exc), title=f"{title} failed", severity="error", timeout=10)
        return
    severity = "information" if reply.complete else "warning"
    app.call_from_thread(app.notify, reply.message, title=title, severity=severity, timeout=8)
    app.call_from_thread(done)

