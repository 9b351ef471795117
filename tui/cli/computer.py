"""`provtop computer`: where calculations run."""

from __future__ import annotations

import json

import click

from .context import CliContext, pass_cli
from .output import console, json_option, print_json, print_mapping, print_table, success


def _settings(pairs: tuple[str, ...]) -> dict[str, object]:
    settings: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"'{pair}' is not KEY=VALUE", param_hint="--setting")
        try:
            settings[key] = json.loads(value)
        except json.JSONDecodeError:
            settings[key] = value
    return settings


@click.group()
def computer() -> None:
    """Set up, list, show and test computers."""


@computer.command("setup")
@click.option("-L", "--label", required=True, help="A unique name for the computer.")
@click.option("-H", "--hostname", help="Host name, address or ~/.ssh/config alias (default: the label).")
@click.option("-T", "--transport", type=click.Choice(["local", "ssh", "ssh_async"]), default="local", show_default=True)
@click.option("-S", "--scheduler", type=click.Choice(["direct", "slurm"]), default="direct", show_default=True)
@click.option("-w", "--workdir", default="/tmp/provtop", show_default=True, help="Absolute directory for job folders.")
@click.option("-D", "--description", default="")
@click.option("--max-concurrent-jobs", type=click.IntRange(min=1), help="Jobs in the scheduler at once.")
@click.option("--max-channels", type=click.IntRange(min=1), default=8, show_default=True,
              help="Concurrent channels per SSH connection (keep below the server's MaxSessions).")
@click.option("--setting", "settings", multiple=True, metavar="KEY=VALUE", help="A transport setting (repeatable).")
@click.option("--scheduler-setting", "scheduler_settings", multiple=True, metavar="KEY=VALUE",
              help="A scheduler setting, e.g. poll_interval=10 (repeatable).")
@json_option
@pass_cli
def setup(
    cli: CliContext, label: str, hostname: str | None, transport: str, scheduler: str, workdir: str, description: str,
    max_concurrent_jobs: int | None, max_channels: int, settings: tuple[str, ...], scheduler_settings: tuple[str, ...],
    as_json: bool,
) -> None:
    """Record a computer. For SSH, a ~/.ssh/config alias as --hostname is enough."""
    model = cli.service.setup_computer(
        label,
        hostname or label,
        transport_type=transport,
        scheduler_type=scheduler,
        workdir=workdir,
        description=description,
        transport_settings=_settings(settings),
        scheduler_settings=_settings(scheduler_settings),
        max_concurrent_jobs=max_concurrent_jobs,
        max_transport_channels=max_channels,
    )
    if as_json:
        print_json(model)
    else:
        success(f"computer '{model.label}' set up ({model.transport_type}, {model.scheduler_type}); "
                f"check it with 'provtop computer test {model.label}'")


@computer.command("list")
@json_option
@pass_cli
def list_(cli: CliContext, as_json: bool) -> None:
    """List computers."""
    computers = cli.service.list_computers()
    if as_json:
        print_json(computers)
        return
    print_table(None, ["Label", "Hostname", "Transport", "Scheduler", "Work directory"],
                [(c.label, c.hostname, c.transport_type, c.scheduler_type, c.workdir) for c in computers])


@computer.command("show")
@click.argument("label")
@json_option
@pass_cli
def show(cli: CliContext, label: str, as_json: bool) -> None:
    """Show computer LABEL."""
    model = cli.service.show_computer(label)
    if as_json:
        print_json(model)
    else:
        print_mapping(f"Computer {model.label}", model.model_dump())


@computer.command("test")
@click.argument("label")
@json_option
@pass_cli
def test(cli: CliContext, label: str, as_json: bool) -> None:
    """Connect to LABEL, run a command and write in its work directory."""
    result = cli.service.test_computer(label)
    if as_json:
        print_json(result)
    else:
        success(result.message)


@computer.command("trust")
@click.argument("label")
@click.option("-y", "--yes", is_flag=True, help="Trust without asking (scripts: check the fingerprint first).")
@json_option
@pass_cli
def trust(cli: CliContext, label: str, yes: bool, as_json: bool) -> None:
    """Show the SSH host key of computer LABEL and add it to known_hosts if you agree."""
    check = cli.service.check_host_key(label)
    if check.status == "trusted":
        result = cli.service.trust_host_key(check)
    else:
        if not as_json:
            console.print(f"{check.host} presents a {check.key_type} key with fingerprint [bold]{check.fingerprint}[/bold]"
                          f" ({check.status} to {check.known_hosts})", highlight=False)
        if not yes:
            click.confirm("Trust this key? Compare the fingerprint with what the cluster's admins publish", abort=True)
        result = cli.service.trust_host_key(check)
    if as_json:
        print_json({"check": check.model_dump(exclude={"key"}), "result": result})
    else:
        success(result.message)
