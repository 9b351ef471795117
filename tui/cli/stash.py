"""`provtop stash REMOTE_PK`: keep a finished calc job's files on its computer (copy or archive)."""

from __future__ import annotations

import click

from .context import CliContext, pass_cli
from .output import console, json_option, print_json, success

MODES = ("copy", "tar", "tar.gz", "tar.bz2", "tar.xz")


@click.command("stash")
@click.argument("remote")
@click.option("-m", "--mode", default="tar.gz", show_default=True, metavar="|".join(MODES),
              help="copy keeps a folder; the others make one archive.")
@click.option("-t", "--target-base", required=True, help="Absolute directory on the computer to stash under.")
@click.option("-s", "--source-list", multiple=True, metavar="GLOB",
              help="Files to stash, globs relative to the folder (repeatable; default: everything).")
@click.option("--dereference", is_flag=True, help="Follow symbolic links.")
@json_option
@pass_cli
def stash(cli: CliContext, remote: str, mode: str, target_base: str, source_list: tuple[str, ...],
          dereference: bool, as_json: bool) -> None:
    """Stash the RemoteData REMOTE (e.g. a calc job's remote_folder) through a StashCalculation."""
    result = cli.service.stash_remote(remote, mode=mode, target_base=target_base, source_list=list(source_list) or ["*"],
                                      dereference=dereference)
    if as_json:
        print_json(result)
    elif result.stash_pk is not None and result.exit_status == 0:
        success(result.message)
    else:
        console.print(f"[yellow]{result.message}[/yellow]", highlight=False, soft_wrap=True, markup=True)
        raise SystemExit(1)
