"""Schema versions: what a store has, what this provtop expects, and upgrading between them.

Checking a version happens on every start, so it reads the revision files and the
`alembic_version` table directly; Alembic itself (slow to import) loads only to migrate.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, inspect, text

VERSIONS = Path(__file__).parent / "migrations" / "versions"
SCRIPT_LOCATION = "provtop.backend.store:migrations"
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*=\s*(.+)$", re.MULTILINE)


@cache
def _revision_graph() -> dict[str, str | None]:
    """revision -> the revision it follows, from the migration files."""
    graph: dict[str, str | None] = {}
    for path in VERSIONS.glob("*.py"):
        values = {name: value.strip().strip("'\"") for name, value in _ASSIGNMENT.findall(path.read_text())}
        if "revision" in values:
            down = values.get("down_revision")
            graph[values["revision"]] = None if down in (None, "None") else down
    return graph


def head_revision() -> str:
    graph = _revision_graph()
    heads = set(graph) - {down for down in graph.values() if down}
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


def known_revisions() -> set[str]:
    return set(_revision_graph())


def current_revision(engine: Engine) -> str | None:
    """The store's revision; None for a database without provtop's schema."""
    if "alembic_version" not in inspect(engine).get_table_names():
        return None
    with engine.connect() as connection:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def is_empty(engine: Engine) -> bool:
    return not inspect(engine).get_table_names()


# What revision 0001 creates: a store with these tables but no version row is at least at 0001.
INITIAL_TABLES = frozenset({"users", "computers", "nodes", "links", "groups", "group_members", "logs"})


def base_revision() -> str:
    return next(revision for revision, down in _revision_graph().items() if down is None)


def revision_of_unversioned(engine: Engine) -> str | None:
    """The revision a store that lost its version row has, judged by its tables; None if none fits."""
    from .schema import Base

    tables = set(inspect(engine).get_table_names())
    if set(Base.metadata.tables) <= tables:
        return head_revision()
    if INITIAL_TABLES <= tables:
        return base_revision()
    return None


def upgrade_to_head(engine: Engine, *, from_revision: str | None = None) -> None:
    """Upgrade in one transaction; `from_revision` first records the version of an unversioned store."""
    from alembic.command import stamp, upgrade
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        if from_revision is not None:
            stamp(config, from_revision)
        upgrade(config, "head")
