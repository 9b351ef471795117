"""`provtop group dump`: calculations/ and workflows/ of one group, kept up to date incrementally."""

from __future__ import annotations

import os
from pathlib import Path

from provtop.backend.dump import GroupDumpOptions, dump_group, plan_group_dump
from provtop.backend.store.store import Store
from tests.dump.graphs import calcjob, delete_node, group, multiply_add, tree

META = "provtop_node_metadata.yaml"


def _top(root: Path) -> set[str]:
    """The process directories directly under calculations/ and workflows/."""
    return {path.rstrip("/") for path in tree(root) if path.count("/") == 2 and path.endswith("/")}


def test_members_go_to_calculations_and_workflows(store: Store, out: Path) -> None:
    calc, workflow = calcjob("single"), multiply_add()
    group("mixed", calc, workflow)

    dump_group("mixed", out)

    assert _top(out) == {f"calculations/single-{calc.pk}", f"workflows/MultiplyAddWorkChain-{workflow.pk}"}
    assert (out / ".provtop_dump_safeguard").is_file()
    assert not (out / "README.md").exists()


def test_called_processes_appear_only_inside_their_caller_by_default(store: Store, out: Path) -> None:
    workflow = multiply_add()
    group("wf", workflow)

    dump_group("wf", out)

    assert _top(out) == {f"workflows/MultiplyAddWorkChain-{workflow.pk}"}


def test_no_only_top_level_calcs_gives_called_calculations_their_own_directory(store: Store, out: Path) -> None:
    workflow = multiply_add()
    multiply, add = sorted((link.node for link in workflow.get_outgoing()), key=lambda node: node.pk)
    group("wf", workflow)

    dump_group("wf", out, only_top_level_calcs=False)

    assert _top(out) == {
        f"workflows/MultiplyAddWorkChain-{workflow.pk}",
        f"calculations/multiply-{multiply.pk}",
        f"calculations/ArithmeticAddCalculation-{add.pk}",
    }


def test_a_group_of_called_calculations_dumps_each_in_calculations(store: Store, out: Path) -> None:
    workflow = multiply_add()
    multiply, add = sorted((link.node for link in workflow.get_outgoing()), key=lambda node: node.pk)
    group("children", multiply, add)

    dump_group("children", out)

    assert _top(out) == {f"calculations/multiply-{multiply.pk}", f"calculations/ArithmeticAddCalculation-{add.pk}"}


def test_adding_a_node_dumps_exactly_that_node_and_leaves_the_others_untouched(store: Store, out: Path) -> None:
    first = calcjob("first")
    made = group("grow", first)
    dump_group("grow", out)
    first_dir = out / f"calculations/first-{first.pk}"
    before = os.stat(first_dir / META).st_mtime_ns

    second = calcjob("second")
    made.add_nodes([second])
    plan = plan_group_dump(store, "grow", out, GroupDumpOptions())
    dump_group("grow", out)

    assert {item.node for item in plan.files} == {second.pk}
    assert _top(out) == {f"calculations/first-{first.pk}", f"calculations/second-{second.pk}"}
    assert os.stat(first_dir / META).st_mtime_ns == before


def test_removing_a_member_removes_its_directory(store: Store, out: Path) -> None:
    first, second = calcjob("first"), calcjob("second")
    made = group("shrink", first, second)
    dump_group("shrink", out)

    made.remove_nodes([second])
    dump_group("shrink", out)

    assert _top(out) == {f"calculations/first-{first.pk}"}


def test_deleted_node_disappears_unless_no_delete_missing(store: Store, out: Path) -> None:
    keep, gone = calcjob("keep"), calcjob("gone")
    group("g", keep, gone)
    dump_group("g", out / "default")
    dump_group("g", out / "kept", delete_missing=False)

    delete_node(store, gone.pk)
    removed = dump_group("g", out / "default")
    kept = dump_group("g", out / "kept", delete_missing=False)

    assert _top(out / "default") == {f"calculations/keep-{keep.pk}"}
    assert removed.counts.nodes_deleted == 1
    assert _top(out / "kept") == {f"calculations/keep-{keep.pk}", f"calculations/gone-{gone.pk}"}
    assert kept.counts.nodes_deleted == 0


def test_symlink_calcs_links_a_second_copy_to_the_first(store: Store, out: Path) -> None:
    workflow = multiply_add()
    add = max((link.node for link in workflow.get_outgoing()), key=lambda node: node.pk)
    group("both", workflow, add)

    dump_group("both", out, symlink_calcs=True)

    primary = out / f"calculations/ArithmeticAddCalculation-{add.pk}"
    link = out / f"workflows/MultiplyAddWorkChain-{workflow.pk}/02-ArithmeticAddCalculation-{add.pk}"
    assert primary.is_dir() and not primary.is_symlink()
    assert link.is_symlink() and link.resolve() == primary.resolve()
    assert (link / "inputs/aiida.in").read_bytes() == (primary / "inputs/aiida.in").read_bytes()


def test_time_filters_select_by_modification_time(store: Store, out: Path) -> None:
    old, new = calcjob("old"), calcjob("new")
    group("timed", old, new)

    dump_group("timed", out, start_date=new.mtime)

    assert _top(out) == {f"calculations/new-{new.pk}"}
