"""Profiles: the first run, setup/list/show/set-default/delete, and the store's schema version check."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from provtop.backend.entities import Int, load_node
from provtop.backend.entities.current import set_current_store
from provtop.backend.errors import SchemaVersionError, StorageError
from provtop.backend.profiles import load_profile
from provtop.backend.store import migrations_runner
from provtop.backend.store.store import Store
from tests.cli.helpers import assert_one_line_error, home_snapshot, run_cli, run_json

OpenProfile = Callable[[str, str], Store]


def config_of(home: Path) -> dict[str, object]:
    return tomllib.loads((home / "config.toml").read_text())


# -- the first run ---------------------------------------------------------------------------------


def test_the_first_command_creates_the_default_profile_with_localhost_asking_nothing(provtop_home: Path) -> None:
    computers = run_json("computer", "list")  # no input is given: a prompt would abort the command

    assert [(c["label"], c["transport_type"], c["scheduler_type"]) for c in computers] == [
        ("localhost", "local", "direct")
    ]
    assert config_of(provtop_home)["default_profile"] == "default"
    assert (provtop_home / "data" / "profiles" / "default" / "store.sqlite").is_file()


def test_provtop_without_a_command_shows_the_default_profile_outside_a_terminal(provtop_home: Path) -> None:
    result = run_cli()

    assert result.exit_code == 0, result.output
    assert "default" in result.stdout
    assert "schema_version" in result.stdout


def test_the_first_run_is_not_repeated(provtop_home: Path) -> None:
    run_json("computer", "list")
    run_json("group", "create", "kept")

    assert [g["label"] for g in run_json("group", "list")] == ["kept"]
    assert [p["name"] for p in run_json("profile", "list")] == ["default"]


def test_naming_an_unknown_profile_on_the_first_run_creates_nothing(provtop_home: Path) -> None:
    result = run_cli("-p", "elsewhere", "computer", "list")

    assert_one_line_error(result.exit_code, result.stderr, says="no profile 'elsewhere'")
    assert not provtop_home.exists()


# -- setup, list, show, set-default, delete --------------------------------------------------------


def test_profile_setup_creates_a_sqlite_profile_and_keeps_the_default(provtop_home: Path) -> None:
    run_json("profile", "setup", "first")

    info = run_json("profile", "setup", "second", "--email", "ada@example.org")

    assert (info["name"], info["storage"], info["is_default"]) == ("second", "sqlite", False)
    assert [(p["name"], p["is_default"]) for p in run_json("profile", "list")] == [("first", True), ("second", False)]
    assert run_json("-p", "second", "computer", "show", "localhost")["transport_type"] == "local"
    assert (provtop_home / "data" / "profiles" / "second" / "store.sqlite").is_file()


def test_profile_setup_creates_a_postgresql_profile(provtop_home: Path, postgres_url: str) -> None:
    info = run_json("profile", "setup", "team", "--storage", "postgresql", "--url", postgres_url)

    assert (info["name"], info["storage"], info["is_default"]) == ("team", "postgresql", True)
    assert info["database"].startswith("postgresql+psycopg://")
    assert [c["label"] for c in run_json("-p", "team", "computer", "list")] == ["localhost"]
    assert run_json("storage", "info")["storage"]["storage"] == "postgresql"


def test_profile_setup_with_set_default_makes_it_the_default(provtop_home: Path) -> None:
    run_json("profile", "setup", "first")

    run_json("profile", "setup", "second", "--set-default")

    assert run_json("profile", "show")["name"] == "second"


def test_profile_show_names_the_default_or_the_given_profile(provtop_home: Path) -> None:
    run_json("profile", "setup", "first")
    run_json("profile", "setup", "second")

    default, second = run_json("profile", "show"), run_json("profile", "show", "second")

    assert (default["name"], default["is_default"]) == ("first", True)
    assert (second["name"], second["is_default"]) == ("second", False)
    assert second["repository"].endswith("profiles/second/repository")


def test_set_default_changes_the_profile_commands_use(provtop_home: Path) -> None:
    run_json("profile", "setup", "first")
    run_json("profile", "setup", "second")
    run_json("-p", "second", "group", "create", "only-in-second")

    result = run_cli("profile", "set-default", "second")

    assert result.exit_code == 0, result.output
    assert config_of(provtop_home)["default_profile"] == "second"
    assert [g["label"] for g in run_json("group", "list")] == ["only-in-second"]


def test_profile_delete_removes_the_entry_and_its_data(provtop_home: Path) -> None:
    run_json("profile", "setup", "first")
    run_json("profile", "setup", "second")

    result = run_cli("profile", "delete", "second", "--force")

    assert result.exit_code == 0, result.output
    assert [p["name"] for p in run_json("profile", "list")] == ["first"]
    assert not (provtop_home / "data" / "profiles" / "second").exists()


def test_profile_delete_keep_data_forgets_the_profile_only(provtop_home: Path) -> None:
    run_json("profile", "setup", "first")
    run_json("profile", "setup", "second")

    run_cli("profile", "delete", "second", "--force", "--keep-data")

    assert [p["name"] for p in run_json("profile", "list")] == ["first"]
    assert (provtop_home / "data" / "profiles" / "second" / "store.sqlite").is_file()


def test_deleting_the_default_profile_makes_another_one_the_default(provtop_home: Path) -> None:
    run_json("profile", "setup", "first")
    run_json("profile", "setup", "second")

    run_cli("profile", "delete", "first", "--force")

    assert run_json("profile", "show")["name"] == "second"


def test_profile_delete_asks_first_and_a_no_changes_nothing(provtop_home: Path) -> None:
    run_json("profile", "setup", "first")
    before = home_snapshot(provtop_home)

    result = run_cli("profile", "delete", "first", input="n\n")

    assert result.exit_code == 1
    assert "Delete" in result.output
    assert home_snapshot(provtop_home) == before


@pytest.mark.parametrize("name", ["bad name", "-dash", "a/b", "x" * 65, "", "trailing\n"])
def test_profile_setup_refuses_an_invalid_name(provtop_home: Path, name: str) -> None:
    result = run_cli("profile", "setup", "--", name)

    assert_one_line_error(result.exit_code, result.stderr, says="invalid profile name")
    assert not provtop_home.exists()


def test_profile_setup_refuses_an_existing_name(provtop_home: Path) -> None:
    run_json("profile", "setup", "first")
    before = home_snapshot(provtop_home)

    result = run_cli("profile", "setup", "first")

    assert_one_line_error(result.exit_code, result.stderr, says="exists already")
    assert home_snapshot(provtop_home) == before


def test_profile_setup_refuses_a_url_for_sqlite(provtop_home: Path) -> None:
    result = run_cli("profile", "setup", "x", "--url", "sqlite:////tmp/elsewhere.sqlite")

    assert_one_line_error(result.exit_code, result.stderr, says="--url")
    assert not provtop_home.exists()


def test_profile_setup_refuses_postgresql_without_a_url(provtop_home: Path) -> None:
    result = run_cli("profile", "setup", "x", "--storage", "postgresql")

    assert_one_line_error(result.exit_code, result.stderr, says="--url")
    assert not provtop_home.exists()


# -- the schema version of a store -----------------------------------------------------------------


def execute(engine: Engine, statement: str) -> None:
    with engine.begin() as connection:
        connection.execute(text(statement))


def alembic(engine: Engine, command: str, revision: str) -> None:
    """Run an Alembic command on the store's database, as a provtop of another version would."""
    from alembic import command as commands
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", migrations_runner.SCRIPT_LOCATION)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(commands, command)(config, revision)


def reopen(store: Store) -> Store:
    store.close()
    set_current_store(None)
    return load_profile(store.name)


def test_a_store_of_a_newer_provtop_is_refused_naming_both_versions(profile_store: Store) -> None:
    head = migrations_runner.head_revision()
    execute(profile_store.engine, "UPDATE alembic_version SET version_num = '9999_future'")

    with pytest.raises(SchemaVersionError) as raised:
        reopen(profile_store)

    assert "9999_future" in str(raised.value) and head in str(raised.value)
    result = run_cli("-p", profile_store.name, "storage", "info")
    line = assert_one_line_error(result.exit_code, result.stderr, says="9999_future")
    assert head in line and "upgrade provtop" in line


def test_migrate_refuses_a_store_of_a_newer_provtop_and_leaves_it_alone(profile_store: Store) -> None:
    execute(profile_store.engine, "UPDATE alembic_version SET version_num = '9999_future'")

    result = run_cli("-p", profile_store.name, "storage", "migrate", "--force")

    assert_one_line_error(result.exit_code, result.stderr, says="9999_future")
    assert migrations_runner.current_revision(profile_store.engine) == "9999_future"


def test_a_store_without_a_version_row_asks_for_migrate_which_fixes_it(profile_store: Store) -> None:
    node = Int(7).store()
    execute(profile_store.engine, "DELETE FROM alembic_version")

    with pytest.raises(SchemaVersionError, match="provtop storage migrate"):
        reopen(profile_store)
    refused = run_cli("-p", profile_store.name, "node", "show", str(node.pk))
    assert_one_line_error(refused.exit_code, refused.stderr, says="provtop storage migrate")

    migrated = run_cli("-p", profile_store.name, "storage", "migrate", "-f")

    assert migrated.exit_code == 0, migrated.output
    assert migrations_runner.current_revision(profile_store.engine) == migrations_runner.head_revision()
    assert load_node(node.pk, reopen(profile_store)).value == 7


def test_a_store_of_an_older_provtop_asks_for_migrate_which_upgrades_it(profile_store: Store) -> None:
    base, head = migrations_runner.base_revision(), migrations_runner.head_revision()
    if base == head:
        pytest.skip("there is one schema revision only: no store can be older")
    node = Int(7).store()
    alembic(profile_store.engine, "downgrade", base)

    with pytest.raises(SchemaVersionError) as raised:
        reopen(profile_store)
    assert base in str(raised.value) and head in str(raised.value)
    assert "provtop storage migrate" in str(raised.value)

    migrated = run_cli("-p", profile_store.name, "storage", "migrate", "--force")

    assert migrated.exit_code == 0, migrated.output
    assert migrations_runner.current_revision(profile_store.engine) == head
    assert load_node(node.pk, reopen(profile_store)).value == 7


def test_an_empty_database_asks_for_migrate_which_creates_the_schema(profile_store: Store, backend: str) -> None:
    if backend == "postgresql":
        execute(profile_store.engine, "DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    else:
        profile_store.close()
        database = Path(profile_store.engine.url.database)  # type: ignore[arg-type]
        for path in database.parent.glob(database.name + "*"):
            path.unlink()

    with pytest.raises(StorageError, match="provtop storage migrate"):
        reopen(profile_store)

    migrated = run_cli("-p", profile_store.name, "storage", "migrate", "--force")

    assert migrated.exit_code == 0, migrated.output
    assert migrations_runner.current_revision(profile_store.engine) == migrations_runner.head_revision()


def test_migrate_of_a_current_store_changes_nothing(profile_store: Store) -> None:
    result = run_cli("-p", profile_store.name, "storage", "migrate", "--force")

    assert result.exit_code == 0, result.output
    assert "already" in result.stdout


def test_migrate_asks_for_confirmation(profile_store: Store) -> None:
    execute(profile_store.engine, "DELETE FROM alembic_version")

    result = run_cli("-p", profile_store.name, "storage", "migrate", input="n\n")

    assert result.exit_code == 1
    assert migrations_runner.current_revision(profile_store.engine) is None
