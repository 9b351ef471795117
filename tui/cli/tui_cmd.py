"""`provtop tui`: the terminal UI; `provtop` with no command opens it too (in a terminal)."""

from __future__ import annotations

import sys

import click

from provtop.backend import event_loop

from .context import CliContext, pass_cli


def run_tui(cli: CliContext, *, read_only: bool) -> None:
    """Open the profile's service and run the app, with the engine in the app's own event loop, until the user quits.

    The engine starts only if no other live engine runs the profile (and never in read-only mode);
    on quitting it stops its runners and releases their leases, so the next engine resumes them.
    """
    from provtop.tui.app import ProvtopApp
    from provtop.tui.keys import load_keymap

    keymap = load_keymap()
    service = cli.service
    app = ProvtopApp(service, profile_name=service.store.name, read_only=read_only, keymap=keymap)

    async def run() -> None:
        async with service.hosted_engine(enabled=not read_only) as choice:
            app.engine_choice = choice
            await app.run_async()

    event_loop.run(run())
    if app.return_code:
        sys.exit(app.return_code)


@click.command("tui")
@click.option("--read-only", is_flag=True, help="Hide and refuse every key that changes processes or writes files.")
@pass_cli
def tui(cli: CliContext, read_only: bool) -> None:
    """Watch and steer processes, browse and dump groups, see transfers move."""
    run_tui(cli, read_only=read_only)
