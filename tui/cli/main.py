"""The root command: global options, error handling, and the command groups."""

from __future__ import annotations

import sys
from typing import Any

import click
from rich.markup import escape

from provtop.backend.errors import ProvtopError

from . import code, computer, config_cmd, demo, dump, group, node, process, profile, schema, stash, storage, tui_cmd
from .context import CliContext, pass_cli
from .output import error_console


class ProvtopGroup(click.Group):
    """Turns every ProvtopError into `Error: ...` on one line (exit 1); --debug shows the traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ProvtopError as exc:
            if ctx.find_root().params.get("debug"):
                raise
            # One line whatever the terminal width: no wrapping, and any line breaks joined.
            message = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
            error_console.print(f"[red]Error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            error_console.print("Aborted.")
            sys.exit(130)


@click.group(cls=ProvtopGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-p", "--profile", "profile_name", metavar="NAME", help="Profile to use (default: the default profile).")
@click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
@click.version_option(package_name="provtop")
@click.pass_context
def cli(ctx: click.Context, profile_name: str | None, debug: bool) -> None:
    """provtop: provenance-tracked workflows on this machine and on HPC clusters.

    Without a command, opens the TUI in a terminal (and shows the profile's status elsewhere).
    """
    ctx.obj = CliContext(profile_name)
    ctx.call_on_close(ctx.obj.close)
    if ctx.invoked_subcommand is None:
        if sys.stdin.isatty() and sys.stdout.isatty():
            tui_cmd.run_tui(ctx.obj, read_only=False)
        else:
            ctx.invoke(storage.info)


for command_group in (
    profile.profile,
    computer.computer,
    code.code,
    node.node,
    group.group,
    storage.storage,
    schema.schema,
    config_cmd.config,
    tui_cmd.tui,
    process.process,
    process.engine,
    demo.demo,
    stash.stash,
):
    cli.add_command(command_group)

process.process.add_command(dump.process_dump)
group.group.add_command(dump.group_dump)
profile.profile.add_command(dump.profile_dump)


def main() -> None:
    cli(prog_name="provtop")


__all__ = ["cli", "main", "pass_cli"]
