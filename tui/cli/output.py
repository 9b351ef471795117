"""How the command line prints: rich tables for people, `--json` for scripts, one-line errors."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import click
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

console = Console()
error_console = Console(stderr=True)

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")


def to_jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: to_jsonable(item) for key, item in value.items()}
    return value


def print_json(value: Any) -> None:
    click.echo(json.dumps(to_jsonable(value), indent=2, default=str))


def print_table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    table = Table(title=title, header_style="bold", title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    console.print(table)


def print_mapping(title: str, values: dict[str, Any]) -> None:
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    for key, value in values.items():
        shown = json.dumps(value, default=str) if isinstance(value, (dict, list)) else value
        table.add_row(key, "" if shown is None else str(shown))
    console.print(table)


def success(message: str) -> None:
    console.print(f"[green]✔[/green] {message}", highlight=False)


def human_size(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.2f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def attributes_of(model: Any) -> dict[str, Any]:
    """A node model's attributes as a dict, whether they are typed or free-form."""
    attributes = model.attributes
    if isinstance(attributes, BaseModel):
        return attributes.model_dump(mode="json", exclude_unset=True)
    return attributes
