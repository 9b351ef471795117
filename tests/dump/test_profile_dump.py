"""`provtop profile dump`: groups/, ungrouped/, incremental updates that AiiDA 2.7 misses."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from provtop.backend.dump import ProfileDumpOptions, dump_group, dump_profile, plan_profile_dump
from provtop.backend.dump.errors import DumpStateError
from provtop.backend.entities import User
from provtop.backend.store.store import Store
from tests.dump.graphs import calcjob, contents, delete_node, group, multiply_add, tree

META = "provtop_node_metadata.yaml"
SAFEGUARD = ".provtop_dump_safeguard"


def _processes(root: Path) -> set[str]:
    """Relative paths of every top-level process directory (or symlink) in a profile dump."""
    found = set()
    for entry in tree(root):
        path = entry.partition(" -> ")[0].rstrip("/")
        parts = path.split("/")
        if len(parts) >= 2 and parts[-2] in ("calculations", "workflows"):
            found.add(path)
    return found


def test_nothing_is_dumped_without_a_filter_or_all(store: Store, out: Path) -> None:
    group("g", multiply_add())

    result = dump_profile(out)

    assert not out.exists()
    assert result.executed is False
    assert "--all" in result.notes[0] and "--groups" in result.notes[0]


def test_all_gives_one_directory_per_group_nested_on_slashes(store: Store, out: Path) -> None:
    alpha, beta, loose = multiply_add("a"), calcjob("b"), multiply_add("loose")
    group("project/alpha", alpha)
    group("project/beta", beta)

    dump_profile(out, all_entries=True)

    assert _processes(out) == {
        f"groups/project/alpha/workflows/a-{alpha.pk}",
        f"groups/project/beta/calculations/b-{beta.pk}",
    }
    assert (out / "groups/project/alpha" / SAFEGUARD).is_file()
    assert not (out / "ungrouped").exists()
    assert loose.pk  # in no group: only with --also-ungrouped


def test_also_ungrouped_on_a_second_run_adds_ungrouped(store: Store, out: Path) -> None:
    grouped, loose = multiply_add("g"), multiply_add("loose")
    group("g", grouped)
    dump_profile(out, all_entries=True)

    dump_profile(out, all_entries=True, also_ungrouped=True)

    assert _processes(out) == {f"groups/g/workflows/g-{grouped.pk}", f"ungrouped/workflows/loose-{loose.pk}"}


def test_no_organize_by_groups_puts_every_process_under_the_root(store: Store, out: Path) -> None:
    first, second = multiply_add("first"), calcjob("second")
    group("a", first, second)
    group("b", first)

    dump_profile(out, all_entries=True, organize_by_groups=False)

    assert _processes(out) == {f"workflows/first-{first.pk}", f"calculations/second-{second.pk}"}


def test_groups_option_dumps_only_those_groups(store: Store, out: Path) -> None:
    first, second = calcjob("first"), calcjob("second")
    group("wanted", first)
    group("other", second)

    dump_profile(out, groups=["wanted"])

    assert _processes(out) == {f"groups/wanted/calculations/first-{first.pk}"}


def test_user_filter_without_groups_keeps_the_group_layout(store: Store, out: Path) -> None:
    mine = calcjob("mine")
    group("g", mine)

    dump_profile(out / "mine", user=User.default(store).email)
    dump_profile(out / "nobody", user=User("nobody@example.com").store().email)

    assert _processes(out / "mine") == {f"groups/g/calculations/mine-{mine.pk}"}
    assert _processes(out / "nobody") == set()


def test_a_node_in_two_groups_is_copied_or_symlinked(store: Store, out: Path) -> None:
    calc = calcjob("shared")
    group("a", calc)
    group("b", calc)

    dump_profile(out / "copies", all_entries=True)
    dump_profile(out / "links", all_entries=True, symlink_calcs=True)

    copy = out / "copies/groups/b/calculations" / f"shared-{calc.pk}"
    assert copy.is_dir() and not copy.is_symlink()
    link = out / "links/groups/b/calculations" / f"shared-{calc.pk}"
    assert link.is_symlink()
    assert link.resolve() == (out / "links/groups/a/calculations" / f"shared-{calc.pk}").resolve()
    assert os.readlink(link) == f"../../a/calculations/shared-{calc.pk}"


def test_relabelled_group_moves_its_directory(store: Store, out: Path) -> None:
    workflow = multiply_add("w")
    made = group("old-name", workflow)
    dump_profile(out, all_entries=True)

    made.relabel("new-name")
    plan = plan_profile_dump(store, out, ProfileDumpOptions(all_entries=True))
    dump_profile(out, all_entries=True)

    assert [(move.source, move.destination) for move in plan.moves] == [
        (f"groups/old-name/workflows/w-{workflow.pk}", f"groups/new-name/workflows/w-{workflow.pk}")
    ]
    assert plan.counts.groups_renamed == 1 and plan.totals.files == 0
    assert not (out / "groups/old-name").exists()
    assert (out / f"groups/new-name/workflows/w-{workflow.pk}" / META).is_file()


def test_no_relabel_groups_keeps_the_old_directory(store: Store, out: Path) -> None:
    made = group("old-name", calcjob("c"))
    dump_profile(out, all_entries=True)

    made.relabel("new-name")
    dump_profile(out, all_entries=True, relabel_groups=False)

    assert (out / "groups/old-name/calculations").is_dir()
    assert not (out / "groups/new-name").exists()


def test_moving_a_node_between_groups_moves_its_directory(store: Store, out: Path) -> None:
    calc = calcjob("mover")
    first, second = group("first", calc), group("second")
    dump_profile(out, all_entries=True)

    first.remove_nodes([calc])
    second.add_nodes([calc])
    result = dump_profile(out, all_entries=True)

    assert _processes(out) == {f"groups/second/calculations/mover-{calc.pk}"}
    assert result.totals.moves == 1 and result.counts.memberships_added == 1 and result.counts.memberships_removed == 1


def test_deleted_group_goes_and_its_nodes_reappear_under_ungrouped(store: Store, out: Path) -> None:
    workflow = multiply_add("w")
    made = group("doomed", workflow)
    dump_profile(out, all_entries=True)

    made.delete()
    dump_profile(out, all_entries=True, also_ungrouped=True)

    assert _processes(out) == {f"ungrouped/workflows/w-{workflow.pk}"}
    assert not (out / "groups/doomed").exists()


def test_deleted_node_disappears_with_its_copies_and_symlinks(store: Store, out: Path) -> None:
    keep, gone = calcjob("keep"), calcjob("gone")
    group("a", keep, gone)
    group("b", gone)
    dump_profile(out, all_entries=True, symlink_calcs=True)

    delete_node(store, gone.pk)
    result = dump_profile(out, all_entries=True, symlink_calcs=True)

    assert _processes(out) == {f"groups/a/calculations/keep-{keep.pk}"}
    assert result.counts.nodes_deleted == 1
    assert not any(" -> " in entry for entry in tree(out))


def test_a_node_with_new_extras_is_written_again(store: Store, out: Path) -> None:
    calc = calcjob("c")
    group("g", calc)
    dump_profile(out, all_entries=True, include_extras=True)

    calc.set_extra("verdict", "good")
    result = dump_profile(out, all_entries=True, include_extras=True)

    assert result.totals.files == 1
    assert "verdict: good" in (out / f"groups/g/calculations/c-{calc.pk}" / META).read_text()


def test_all_without_also_ungrouped_says_how_many_processes_it_leaves_out(store: Store, out: Path) -> None:
    group("g", calcjob("grouped"))
    calcjob("loose")
    multiply_add("loose too")

    plan = plan_profile_dump(store, out, ProfileDumpOptions(all_entries=True, dry_run=True))
    with_them = plan_profile_dump(store, out, ProfileDumpOptions(all_entries=True, also_ungrouped=True, dry_run=True))

    assert plan.notes == ["2 processes in no group are left out: add --also-ungrouped to dump them under ungrouped/"]
    assert with_them.notes == [] and with_them.totals.files > plan.totals.files


def test_a_second_run_without_changes_writes_nothing(store: Store, out: Path) -> None:
    group("g", multiply_add(), calcjob())
    first = dump_profile(out, all_entries=True, also_ungrouped=True)

    again = dump_profile(out, all_entries=True, also_ungrouped=True)

    assert again.totals.model_dump() == {
        **again.totals.model_dump(),
        "directories": 0,
        "files": 0,
        "removals": 0,
        "moves": 0,
        "symlinks": 0,
        "prunes": 0,
        "nodes_written": 0,
    }
    assert again.totals.nodes_unchanged == first.totals.nodes_written > 0


def test_a_bare_rerun_refreshes_what_the_first_run_selected(store: Store, out: Path) -> None:
    first = calcjob("first")
    made = group("g", first)
    dump_profile(out, groups=["g"])

    second = calcjob("second")
    made.add_nodes([second])
    dump_profile(out)

    assert _processes(out) == {f"groups/g/calculations/first-{first.pk}", f"groups/g/calculations/second-{second.pk}"}


def test_incremental_history_ends_in_the_same_tree_as_a_fresh_dump(store: Store, out: Path) -> None:
    options = {"all_entries": True, "also_ungrouped": True, "include_extras": True, "symlink_calcs": True}
    first, second, loose = multiply_add("first"), calcjob("second"), calcjob("loose")
    alpha, beta = group("alpha", first, second), group("beta", second)
    dump_profile(out / "incremental", **options)

    alpha.relabel("alpha-2")
    beta.remove_nodes([second])
    group("gamma", loose)
    second.set_extra("seen", True)
    delete_node(store, loose.pk)
    group("delta", multiply_add("late"))
    dump_profile(out / "incremental", **options)
    dump_profile(out / "fresh", **options)

    assert contents(out / "incremental") == contents(out / "fresh")


def test_dry_run_writes_nothing_and_counts_like_aiida(store: Store, out: Path) -> None:
    group("g", multiply_add(), calcjob())

    plan = plan_profile_dump(store, out, ProfileDumpOptions(all_entries=True, dry_run=True))

    assert not out.exists()
    assert plan.counts.calculations == 3 and plan.counts.workflows == 1
    assert plan.counts.groups_new == 1 and plan.counts.memberships_added == 2


def test_a_group_dump_into_a_profile_dump_is_refused(store: Store, out: Path) -> None:
    group("g", calcjob())
    dump_profile(out, all_entries=True)

    with pytest.raises(DumpStateError, match="holds the dump of profile"):
        dump_group("g", out)
