"""Every data command takes --json and then prints one JSON document, nothing else."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from provtop.backend.entities import Dict, Group
from provtop.backend.entities.current import set_current_store
from provtop.backend.profiles import load_profile

from .helpers import run_cli


@pytest.fixture
def filled_home(default_home: Path) -> Iterator[int]:
    """The default profile with a node in a group and a code; yields the node's pk."""
    store = load_profile()
    try:
        node = Dict({"a": 1}).store()
        node.set_extra("tag", "x")
        Group("g").store().add_nodes([node])
        yield node.pk  # type: ignore[misc]
    finally:
        set_current_store(None)
        store.close()
    del default_home


COMMANDS = [
    ["profile", "list"],
    ["profile", "show"],
    ["profile", "setup", "another"],
    ["computer", "list"],
    ["computer", "show", "localhost"],
    ["computer", "setup", "-L", "cluster", "-H", "cluster.example.org", "-T", "ssh", "-S", "slurm"],
    ["computer", "test", "localhost"],
    ["code", "create", "-L", "bash", "-Y", "localhost", "-X", "/bin/bash"],
    ["code", "list"],
    ["node", "show", "{pk}"],
    ["node", "attributes", "{pk}"],
    ["node", "extras", "{pk}"],
    ["node", "list"],
    ["node", "list", "-t", "data.", "-n", "1"],
    ["group", "create", "new-group"],
    ["group", "list"],
    ["group", "show", "g"],
    ["group", "delete", "g", "--dry-run"],
    ["group", "delete", "g", "--force"],
    ["group", "delete", "-s", "nothing-matches", "--force"],
    ["storage", "info"],
    ["storage", "info", "--detailed"],
    ["storage", "maintain", "--dry-run"],
    ["storage", "maintain", "--force"],
    ["config", "list"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_json_output_parses_as_one_document(filled_home: int, command: list[str]) -> None:
    args = [arg.format(pk=filled_home) for arg in command]

    result = run_cli(*args, "--json")

    assert result.exit_code == 0, result.output
    json.loads(result.stdout)


def test_code_show_json_after_create(filled_home: int) -> None:
    run_cli("code", "create", "-L", "bash", "-Y", "localhost", "-X", "/bin/bash")

    result = run_cli("code", "show", "bash@localhost", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["attributes"]["filepath_executable"] == "/bin/bash"


def test_node_show_json_has_the_node_and_its_links(filled_home: int) -> None:
    detail = json.loads(run_cli("node", "show", str(filled_home), "--json").stdout)

    assert (detail["node"]["pk"], detail["node"]["attributes"], detail["node"]["extras"]) == (
        filled_home, {"a": 1}, {"tag": "x"})
    assert (detail["incoming"], detail["outgoing"]) == ([], [])


ISSUE_3_GROUPS = ("profile", "computer", "code", "node", "group", "storage", "config")
STATE_CHANGERS = {"profile set-default", "profile delete", "group add", "group remove", "group relabel",
                  "storage migrate", "config get", "config set", "config unset"}


@pytest.mark.parametrize("group_name", ISSUE_3_GROUPS)
def test_every_data_command_offers_json(group_name: str) -> None:
    """Each command of the group has --json, except those that only change state or print one value."""
    from provtop.tui.cli.main import cli

    group = cli.commands[group_name]  # type: ignore[attr-defined]
    without_json = {
        f"{group_name} {name}"
        for name, command in group.commands.items()
        if not any(param.name == "as_json" for param in command.params)
    }

    assert without_json <= STATE_CHANGERS
