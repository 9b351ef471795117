"""`provtop profile`: create, list, show, choose and delete profiles."""

from __future__ import annotations

import click

from provtop.backend.service import profile_actions

from .output import json_option, print_json, print_mapping, print_table, success


@click.group()
def profile() -> None:
    """Manage profiles: each is one store (SQLite or PostgreSQL) and its files."""


@profile.command("setup")
@click.argument("name")
@click.option("--storage", type=click.Choice(["sqlite", "postgresql"]), default="sqlite", show_default=True)
@click.option("--url", help="PostgreSQL URL, e.g. postgresql+psycopg://user@host:5432/dbname.")
@click.option("--email", help="Email of the profile's user (default: USER@localhost).")
@click.option("--set-default", is_flag=True, help="Make it the default profile.")
@json_option
def setup(name: str, storage: str, url: str | None, email: str | None, set_default: bool, as_json: bool) -> None:
    """Create profile NAME with its store, a user and a `localhost` computer."""
    info = profile_actions.create_profile(name, storage=storage, url=url, email=email, make_default=set_default)
    if as_json:
        print_json(info)
    else:
        success(f"created profile '{info.name}' ({info.storage}: {info.database})")


@profile.command("list")
@json_option
def list_(as_json: bool) -> None:
    """List profiles; * marks the default."""
    profiles = profile_actions.list_profiles()
    if as_json:
        print_json(profiles)
        return
    print_table(None, ["", "Name", "Storage", "Database"], [("*" if p.is_default else "", p.name, p.storage, p.database) for p in profiles])


@profile.command("show")
@click.argument("name", required=False)
@json_option
def show(name: str | None, as_json: bool) -> None:
    """Show profile NAME (default: the default profile)."""
    info = profile_actions.show_profile(name)
    if as_json:
        print_json(info)
    else:
        print_mapping(f"Profile {info.name}", info.model_dump())


@profile.command("set-default")
@click.argument("name")
def set_default(name: str) -> None:
    """Make NAME the default profile."""
    success(profile_actions.make_default(name).message)


@profile.command("delete")
@click.argument("name")
@click.option("--keep-data", is_flag=True, help="Keep the store and files; only forget the profile.")
@click.option("-f", "--force", is_flag=True, help="Do not ask for confirmation.")
def delete(name: str, keep_data: bool, force: bool) -> None:
    """Delete profile NAME and (unless --keep-data) its SQLite store and files."""
    info = profile_actions.show_profile(name)
    if not force:
        what = "the profile entry" if keep_data else f"the profile and its data ({info.database}, {info.repository})"
        click.confirm(f"Delete {what}?", abort=True)
    success(profile_actions.remove_profile(name, keep_data=keep_data).message)
