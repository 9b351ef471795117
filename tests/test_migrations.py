"""The schema version check reads the revision files itself; it must agree with Alembic."""

from __future__ import annotations

from alembic.config import Config
from alembic.script import ScriptDirectory

from provtop.backend.store import migrations_runner


def alembic_scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", migrations_runner.SCRIPT_LOCATION)
    return ScriptDirectory.from_config(config)


def test_head_revision_matches_alembic() -> None:
    assert migrations_runner.head_revision() == alembic_scripts().get_current_head()


def test_known_revisions_match_alembic() -> None:
    assert migrations_runner.known_revisions() == {s.revision for s in alembic_scripts().walk_revisions()}
