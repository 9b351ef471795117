"""`provtop config`: option values kept in the configuration file."""

from __future__ import annotations

import json

import click

from provtop.backend.config import DEFAULT_OPTIONS, Config
from provtop.backend.errors import InputError

from .output import json_option, print_json, print_table, success


@click.group()
def config() -> None:
    """Show and set options such as transport.task_maximum_attempts."""


@config.command("list")
@json_option
def list_(as_json: bool) -> None:
    """List every option with its value and default."""
    current = Config.load()
    values = {key: current.option(key) for key in sorted(DEFAULT_OPTIONS)}
    if as_json:
        print_json(values)
        return
    print_table(None, ["Option", "Value", "Default"], [(k, v, DEFAULT_OPTIONS[k]) for k, v in values.items()])


@config.command("get")
@click.argument("key")
def get(key: str) -> None:
    """Print the value of option KEY."""
    click.echo(json.dumps(Config.load().option(key)))


@config.command("set")
@click.argument("key")
@click.argument("value")
def set_(key: str, value: str) -> None:
    """Set option KEY to VALUE (a number, true/false, or text)."""
    current = Config.load()
    default = current.option(key)
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        parsed = value
    if isinstance(default, (int, float)) and (isinstance(parsed, bool) or not isinstance(parsed, (int, float))):
        raise InputError(f"option '{key}' takes a number, not '{value}'")
    current.options[key] = parsed
    current.save()
    success(f"{key} = {json.dumps(parsed)}")


@config.command("unset")
@click.argument("key")
def unset(key: str) -> None:
    """Restore the default of option KEY."""
    current = Config.load()
    current.option(key)
    current.options.pop(key, None)
    current.save()
    success(f"{key} is back to its default {json.dumps(DEFAULT_OPTIONS[key])}")
