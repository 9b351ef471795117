"""`provtop code`: executables installed on computers."""

from __future__ import annotations

import click

from .context import CliContext, pass_cli
from .output import attributes_of, json_option, print_json, print_mapping, print_table, success


@click.group()
def code() -> None:
    """Create, list and show codes (LABEL@COMPUTER)."""


@code.command("create")
@click.option("-L", "--label", required=True)
@click.option("-Y", "--computer", required=True, help="Label of the computer the executable is on.")
@click.option("-X", "--executable", required=True, help="Absolute path of the executable on that computer.")
@click.option("-D", "--description", default="")
@click.option("--prepend-text", default="", help="Shell lines to run before the executable.")
@click.option("--append-text", default="", help="Shell lines to run after the executable.")
@click.option("--with-mpi/--without-mpi", default=None)
@click.option("--default-calc-job-plugin", help="Calculation class this code is usually run with.")
@json_option
@pass_cli
def create(
    cli: CliContext, label: str, computer: str, executable: str, description: str, prepend_text: str,
    append_text: str, with_mpi: bool | None, default_calc_job_plugin: str | None, as_json: bool,
) -> None:
    """Record an executable installed on a computer."""
    model = cli.service.create_code(
        label, computer, executable, description=description, prepend_text=prepend_text,
        append_text=append_text, with_mpi=with_mpi, default_calc_job_plugin=default_calc_job_plugin,
    )
    if as_json:
        print_json(model)
    else:
        success(f"code '{model.label}@{model.computer}' created (pk {model.pk})")


@code.command("list")
@click.option("-Y", "--computer", help="Only codes on this computer.")
@json_option
@pass_cli
def list_(cli: CliContext, computer: str | None, as_json: bool) -> None:
    """List codes."""
    codes = cli.service.list_codes(computer)
    if as_json:
        print_json(codes)
        return
    print_table(None, ["PK", "Full label", "Executable"],
                [(c.pk, f"{c.label}@{c.computer}", attributes_of(c).get("filepath_executable")) for c in codes])


@code.command("show")
@click.argument("identifier")
@json_option
@pass_cli
def show(cli: CliContext, identifier: str, as_json: bool) -> None:
    """Show a code by pk or LABEL@COMPUTER."""
    model = cli.service.show_code(identifier)
    if as_json:
        print_json(model)
    else:
        values = {"pk": model.pk, "uuid": model.uuid, "label": model.label, "computer": model.computer,
                  "description": model.description, **attributes_of(model)}
        print_mapping(f"Code {model.label}@{model.computer}", values)
