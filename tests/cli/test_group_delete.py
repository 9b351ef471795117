"""`provtop group delete`: explicit groups or filters (OR-combined labels, type string, age, node, user)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from provtop.backend.entities import CalcJobNode, Group, Int, LinkType, User
from provtop.backend.entities.current import set_current_store
from provtop.backend.profiles import load_profile

from .helpers import run_cli, run_json

OTHER_USER = "other@example.org"
MY_CORE_GROUPS = ["alpha-one", "alpha-two", "beta-one", "gamma", "x_y", "xay", "ancient", "provenance"]


@dataclass
class GroupWorld:
    """pks of the nodes the tests look for after deleting."""

    member: int
    calc: int
    calc_input: int
    created: int
    other_output: int
    unrelated: int


@pytest.fixture
def world(default_home: Path) -> Iterator[GroupWorld]:
    """Groups of two users and type strings, one of them holding a piece of provenance."""
    store = load_profile()
    try:
        other = User(OTHER_USER).store()
        member = Int(1).store()
        for label in MY_CORE_GROUPS[:6]:
            Group(label).store()
        Group.load("alpha-one").add_nodes([member])
        Group("ancient", time=datetime.now(UTC) - timedelta(days=30)).store()
        Group("alpha-foreign", user=other).store()
        Group("proj/old", type_string="project", time=datetime.now(UTC) - timedelta(days=10)).store()
        Group("proj/new", type_string="project").store()

        calc_input = Int(2).store()
        calc = CalcJobNode()
        calc.add_incoming(calc_input, LinkType.INPUT_CALC, "x")
        calc.store()
        created, other_output = Int(3), Int(4)
        created.add_incoming(calc, LinkType.CREATE, "result")
        other_output.add_incoming(calc, LinkType.CREATE, "other")
        created.store()
        other_output.store()
        Group("provenance").store().add_nodes([created])
        unrelated = Int(5).store()
        yield GroupWorld(member.pk, calc.pk, calc_input.pk, created.pk, other_output.pk, unrelated.pk)  # type: ignore[arg-type]
    finally:
        set_current_store(None)
        store.close()


def matched(*args: str) -> list[str]:
    """Labels that `group delete ARGS --dry-run` picks."""
    return [group["label"] for group in run_json("group", "delete", *args, "--dry-run")["groups"]]


def group_labels() -> list[str]:
    return sorted(group["label"] for group in run_json("group", "list"))


def node_exists(pk: int) -> bool:
    return run_cli("node", "show", str(pk)).exit_code == 0


def test_startswith_picks_my_groups_with_that_prefix(world: GroupWorld) -> None:
    assert matched("--startswith", "alpha") == ["alpha-one", "alpha-two"]


def test_label_filters_are_or_combined(world: GroupWorld) -> None:
    assert matched("-s", "beta", "-e", "two", "-c", "mm") == ["alpha-two", "beta-one", "gamma"]


def test_an_underscore_in_a_label_filter_is_no_wildcard(world: GroupWorld) -> None:
    assert matched("--contains", "_") == ["x_y"]


def test_percent_in_a_label_filter_is_no_wildcard(world: GroupWorld) -> None:
    assert matched("--contains", "%") == []


def test_all_users_includes_groups_of_others(world: GroupWorld) -> None:
    assert matched("-s", "alpha", "--all-users") == ["alpha-one", "alpha-two", "alpha-foreign"]


def test_user_picks_the_groups_of_that_user(world: GroupWorld) -> None:
    assert matched("-s", "alpha", "--user", OTHER_USER) == ["alpha-foreign"]


def test_type_string_selects_another_type(world: GroupWorld) -> None:
    assert matched("-T", "project", "-s", "proj") == ["proj/old", "proj/new"]


def test_type_string_takes_like_wildcards(world: GroupWorld) -> None:
    assert matched("-T", "proj%", "-c", "new") == ["proj/new"]
    assert matched("-T", "pro_ect", "-c", "old") == ["proj/old"]
    assert matched("-T", "proj", "-c", "o") == []


def test_past_days_picks_recent_groups(world: GroupWorld) -> None:
    assert sorted(matched("--past-days", "5")) == sorted(set(MY_CORE_GROUPS) - {"ancient"})
    assert matched("-T", "project", "--past-days", "20") == ["proj/old", "proj/new"]


def test_node_picks_the_groups_that_contain_it(world: GroupWorld) -> None:
    assert matched("--node", str(world.member)) == ["alpha-one"]


def test_no_match_says_so_and_deletes_nothing(world: GroupWorld) -> None:
    before = group_labels()

    result = run_cli("group", "delete", "-s", "zzz", "--force")

    assert result.exit_code == 0
    assert "No groups found matching the specified criteria." in result.stdout
    assert group_labels() == before


def test_dry_run_prints_the_table_and_deletes_nothing(world: GroupWorld) -> None:
    before = group_labels()

    result = run_cli("group", "delete", "-s", "alpha", "--dry-run", "--delete-nodes")

    assert result.exit_code == 0
    assert "Would have deleted:" in result.stdout
    assert "alpha-one" in result.stdout and "alpha-two" in result.stdout
    assert group_labels() == before
    assert node_exists(world.member)


def test_without_force_it_asks_and_no_keeps_everything(world: GroupWorld) -> None:
    before = group_labels()

    result = run_cli("group", "delete", "-s", "alpha", input="n\n")

    assert result.exit_code == 1
    assert "proceed?" in result.stdout
    assert group_labels() == before


def test_without_force_a_yes_deletes(world: GroupWorld) -> None:
    result = run_cli("group", "delete", "-s", "alpha", input="y\n")

    assert result.exit_code == 0, result.output
    assert "alpha-one" not in group_labels()


def test_force_deletes_the_matching_groups_and_keeps_their_nodes(world: GroupWorld) -> None:
    result = run_cli("group", "delete", "-s", "alpha", "--force")

    assert result.exit_code == 0, result.output
    assert group_labels() == sorted(set(MY_CORE_GROUPS + ["alpha-foreign", "proj/old", "proj/new"])
                                    - {"alpha-one", "alpha-two"})
    assert node_exists(world.member)


def test_explicit_groups_are_deleted(world: GroupWorld) -> None:
    result = run_cli("group", "delete", "gamma", "beta-one", "--force")

    assert result.exit_code == 0, result.output
    assert "gamma" not in group_labels() and "beta-one" not in group_labels()


def test_delete_nodes_removes_members_and_what_provenance_ties_to_them(world: GroupWorld) -> None:
    preview = run_json("group", "delete", "provenance", "--delete-nodes", "--dry-run")["result"]

    result = run_cli("group", "delete", "provenance", "--delete-nodes", "--force")

    assert preview["counts"] == {"groups": 1, "nodes": 3}
    assert result.exit_code == 0, result.output
    assert "provenance" not in group_labels()
    assert [node_exists(pk) for pk in (world.created, world.calc, world.other_output)] == [False] * 3
    assert [node_exists(pk) for pk in (world.calc_input, world.unrelated, world.member)] == [True] * 3


def test_delete_without_delete_nodes_keeps_the_provenance(world: GroupWorld) -> None:
    run_cli("group", "delete", "provenance", "--force")

    assert all(node_exists(pk) for pk in (world.created, world.calc, world.other_output, world.calc_input))
