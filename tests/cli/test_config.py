"""`provtop config set/get/unset/list`: options kept in the configuration file, defaults without one."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from provtop.backend.config import DEFAULT_OPTIONS

from .helpers import assert_one_line_error, home_snapshot, run_cli, run_json

OPTION = "transport.task_maximum_attempts"


def get(key: str) -> object:
    result = run_cli("config", "get", key)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_get_gives_the_default_without_a_config_file(provtop_home: Path) -> None:
    assert get(OPTION) == DEFAULT_OPTIONS[OPTION]
    assert not provtop_home.exists()


def test_set_then_get_gives_the_new_value(provtop_home: Path) -> None:
    result = run_cli("config", "set", OPTION, "9")

    assert result.exit_code == 0, result.output
    assert get(OPTION) == 9
    assert tomllib.loads((provtop_home / "config.toml").read_text())["options"] == {OPTION: 9}


def test_set_takes_a_float_for_a_float_option(provtop_home: Path) -> None:
    run_cli("config", "set", "transport.task_retry_initial_interval", "2.5")

    assert get("transport.task_retry_initial_interval") == 2.5


def test_unset_restores_the_default(provtop_home: Path) -> None:
    run_cli("config", "set", OPTION, "9")

    result = run_cli("config", "unset", OPTION)

    assert result.exit_code == 0, result.output
    assert get(OPTION) == DEFAULT_OPTIONS[OPTION]


def test_list_shows_every_option_with_its_value(provtop_home: Path) -> None:
    run_cli("config", "set", OPTION, "9")

    values = run_json("config", "list")

    assert values == {**DEFAULT_OPTIONS, OPTION: 9}


def test_options_survive_the_first_run_and_profile_changes(provtop_home: Path) -> None:
    run_cli("config", "set", OPTION, "9")

    run_json("computer", "list")
    run_json("profile", "setup", "second", "--set-default")

    assert get(OPTION) == 9
    assert [p["name"] for p in run_json("profile", "list")] == ["default", "second"]


@pytest.mark.parametrize("value", ["many", "true", "[1]"])
def test_set_refuses_a_value_of_the_wrong_type_and_changes_nothing(provtop_home: Path, value: str) -> None:
    run_cli("config", "set", OPTION, "9")
    before = home_snapshot(provtop_home)

    result = run_cli("config", "set", OPTION, value)

    assert_one_line_error(result.exit_code, result.stderr, says="takes a number")
    assert home_snapshot(provtop_home) == before


@pytest.mark.parametrize("command", [["get"], ["set"], ["unset"]])
def test_an_unknown_option_is_refused_with_the_known_ones(provtop_home: Path, command: list[str]) -> None:
    args = ["config", *command, "no.such.option", *(["1"] if command == ["set"] else [])]

    result = run_cli(*args)

    assert_one_line_error(result.exit_code, result.stderr, says=OPTION)
    assert not provtop_home.exists()


def test_a_broken_config_file_is_a_one_line_error(provtop_home: Path) -> None:
    provtop_home.mkdir()
    (provtop_home / "config.toml").write_text("this is [not toml\n")

    result = run_cli("config", "get", OPTION)

    assert_one_line_error(result.exit_code, result.stderr, says="config.toml")
