"""Bad input on the command line: exit code 1 (2 for usage), one `Error: ...` line, nothing half-written."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.daemons import free_port

from .helpers import assert_one_line_error, home_snapshot, run_cli, run_json, run_provtop


@pytest.fixture
def read_only_data_dir(provtop_home: Path) -> Iterator[Path]:
    """PROVTOP_HOME/data exists, but nobody may create anything in it: not even root.

    Tests run as root, and root ignores permission bits, so `chmod 0o555` would stop nothing.
    As root the directory gets the immutable flag (`chattr +i`), which root's writes obey too.
    Where the filesystem has no such flag, `data` is a regular file instead: creating the
    profile's directory below it fails with ENOTDIR for every user. Either way the fixture first
    proves that a write really fails, so the test cannot pass by accident.
    """
    provtop_home.mkdir()
    data = provtop_home / "data"
    undo: list[str] = []
    if os.geteuid() != 0:
        data.mkdir()
        data.chmod(0o555)
    else:
        data.mkdir()
        if subprocess.run(["chattr", "+i", str(data)], capture_output=True).returncode == 0:
            undo = ["chattr", "-i", str(data)]
        else:
            data.rmdir()
            data.write_text("a file where the data directory should be\n")
    with pytest.raises(OSError):
        (data / "probe").mkdir()
    yield data
    if undo:
        subprocess.run(undo, check=True)
    elif data.is_dir():
        data.chmod(0o755)


# -- unknown names -----------------------------------------------------------------------------------

UNKNOWN: dict[str, tuple[list[str], str]] = {
    "profile option": (["-p", "nope", "storage", "info"], "no profile 'nope'"),
    "profile show": (["profile", "show", "nope"], "no profile 'nope'"),
    "profile set-default": (["profile", "set-default", "nope"], "no profile 'nope'"),
    "profile delete": (["profile", "delete", "nope", "--force"], "no profile 'nope'"),
    "group show": (["group", "show", "nope"], "no group 'nope'"),
    "group add": (["group", "add", "nope", "1"], "no group 'nope'"),
    "group remove": (["group", "remove", "nope", "1"], "no group 'nope'"),
    "group relabel": (["group", "relabel", "nope", "new"], "no group 'nope'"),
    "group delete": (["group", "delete", "nope", "--force"], "no group 'nope'"),
    "node pk": (["node", "show", "99999"], "no node with pk 99999"),
    "node uuid": (["node", "show", "0badc0de-0000-4000-8000-000000000000"], "no node with uuid"),
    "node uuid prefix": (["node", "attributes", "0badc0de"], "no node with uuid"),
    "node extras": (["node", "extras", "99999"], "no node with pk 99999"),
    "node that is no identifier": (["node", "show", "x!"], "neither a pk nor a uuid"),
    "computer": (["computer", "show", "nope"], "no computer 'nope'"),
    "code": (["code", "show", "nope"], "no code 'nope'"),
    "code on an unknown computer": (["code", "create", "-L", "c", "-Y", "nope", "-X", "/bin/true"], "no computer"),
    "config option": (["config", "get", "no.such.option"], "unknown option"),
}


@pytest.mark.parametrize("case", sorted(UNKNOWN))
def test_an_unknown_name_is_a_one_line_error_that_changes_nothing(default_home: Path, case: str) -> None:
    args, says = UNKNOWN[case]
    before = home_snapshot(default_home)

    result = run_cli(*args)

    assert_one_line_error(result.exit_code, result.stderr, says=says)
    assert home_snapshot(default_home) == before


def test_an_unknown_node_in_a_group_command_adds_nothing(default_home: Path) -> None:
    run_cli("group", "create", "g")

    result = run_cli("group", "add", "g", str(uuid.uuid4()))

    assert_one_line_error(result.exit_code, result.stderr, says="no node with uuid")
    assert run_json("group", "show", "g")["nodes"] == []


# -- bad values ---------------------------------------------------------------------------------------

BAD_VALUES: dict[str, tuple[list[str], str]] = {
    "relative work directory": (["computer", "setup", "-L", "c", "-w", "relative/dir"], "absolute"),
    "computer label taken": (["computer", "setup", "-L", "localhost"], "exists already"),
    "group label taken": (["group", "create", "taken"], "exists already"),
    "groups and filters together": (["group", "delete", "taken", "--startswith", "t", "--force"], "not both"),
    "group delete without groups or filters": (["group", "delete", "--force"], "name groups or give a filter"),
    "option value of the wrong type": (["config", "set", "transport.task_maximum_attempts", "many"], "number"),
    "uuid prefix too short": (["node", "show", "abc"], "neither a pk nor a uuid"),
}


@pytest.mark.parametrize("case", sorted(BAD_VALUES))
def test_a_bad_value_is_a_one_line_error_that_changes_nothing(default_home: Path, case: str) -> None:
    run_cli("group", "create", "taken")
    args, says = BAD_VALUES[case]
    before = home_snapshot(default_home)
    groups_before = run_cli("group", "list", "--json").stdout

    result = run_cli(*args)

    assert_one_line_error(result.exit_code, result.stderr, says=says)
    assert home_snapshot(default_home) == before
    assert run_cli("group", "list", "--json").stdout == groups_before


# -- profiles that cannot be made ----------------------------------------------------------------------

BAD_URLS = {
    "malformed port": "postgresql+psycopg://:::",
    "not a URL": "nonsense",
    "not PostgreSQL": "mysql://user@localhost/db",
    "no database": "postgresql+psycopg://postgres@127.0.0.1:5432",
}


@pytest.mark.parametrize("url", sorted(BAD_URLS.values()), ids=sorted(BAD_URLS))
@pytest.mark.parametrize("home_fixture", ["provtop_home", "default_home"])
def test_a_bad_database_url_is_refused_before_anything_is_written(
    request: pytest.FixtureRequest, home_fixture: str, url: str
) -> None:
    home: Path = request.getfixturevalue(home_fixture)
    before = home_snapshot(home)

    result = run_cli("profile", "setup", "x", "--storage", "postgresql", "--url", url)

    assert_one_line_error(result.exit_code, result.stderr)
    assert home_snapshot(home) == before


@pytest.mark.parametrize("home_fixture", ["provtop_home", "default_home"])
def test_an_unreachable_postgresql_is_a_one_line_error_and_leaves_no_profile(
    request: pytest.FixtureRequest, home_fixture: str
) -> None:
    home: Path = request.getfixturevalue(home_fixture)
    before = home_snapshot(home)
    closed_port = free_port()  # nothing listens there

    result = run_cli("profile", "setup", "x", "--storage", "postgresql", "--url",
                     f"postgresql+psycopg://postgres@127.0.0.1:{closed_port}/provtop")

    line = assert_one_line_error(result.exit_code, result.stderr, says="cannot open the database")
    assert str(closed_port) in line
    assert home_snapshot(home) == before


def test_a_long_error_stays_on_one_line_in_a_narrow_terminal(provtop_home: Path) -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/{'a_rather_long_database_name_' * 3}"

    result = run_provtop("profile", "setup", "x", "--storage", "postgresql", "--url", url)

    assert_one_line_error(result.returncode, result.stderr, says="a_rather_long_database_name_" * 3)


def test_a_read_only_data_directory_is_a_one_line_error_and_writes_no_config(
    provtop_home: Path, read_only_data_dir: Path
) -> None:
    before = home_snapshot(provtop_home)

    result = run_cli("computer", "list")

    assert_one_line_error(result.exit_code, result.stderr, says="cannot create")
    assert home_snapshot(provtop_home) == before
    assert not (provtop_home / "config.toml").exists()


# -- usage errors and --debug ----------------------------------------------------------------------

USAGE = {
    "unknown command": ["frobnicate"],
    "missing argument": ["node", "show"],
    "unknown option": ["group", "list", "--colour"],
    "bad choice": ["profile", "setup", "x", "--storage", "mysql"],
    "bad number": ["node", "list", "--limit", "many"],
    "missing required option": ["computer", "setup"],
}


@pytest.mark.parametrize("case", sorted(USAGE))
def test_a_usage_error_exits_with_2_and_no_traceback(default_home: Path, case: str) -> None:
    before = home_snapshot(default_home)

    result = run_cli(*USAGE[case])

    assert result.exit_code == 2
    assert "Error:" in result.stderr
    assert "Traceback" not in result.output
    assert home_snapshot(default_home) == before


def test_a_real_process_prints_the_one_line_error_without_a_traceback(provtop_home: Path) -> None:
    run_cli("computer", "list")

    result = run_provtop("node", "show", "99999")

    assert_one_line_error(result.returncode, result.stderr, says="no node with pk 99999")
    assert result.stdout == ""


def test_debug_shows_the_traceback(provtop_home: Path) -> None:
    run_cli("computer", "list")

    result = run_provtop("--debug", "node", "show", "99999")

    assert result.returncode != 0
    assert "Traceback (most recent call last)" in result.stderr
    assert "NotExistent: no node with pk 99999" in result.stderr
