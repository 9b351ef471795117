"""`provtop schema`: the JSON schema of an entity's serialised form."""

from __future__ import annotations

import json

import click

from provtop.backend.service.schemas import ENTITY_CLASSES, entity_schema


@click.command()
@click.argument("entity", type=click.Choice(sorted(ENTITY_CLASSES), case_sensitive=False))
def schema(entity: str) -> None:
    """Print the JSON schema of ENTITY (what serialize() gives and from_serialized() takes)."""
    click.echo(json.dumps(entity_schema(entity), indent=2))
