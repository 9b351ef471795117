"""Planning shortcuts (shared data read once, sections rendered once, no log built for a dry run,
the paused collector) change nothing."""

from __future__ import annotations

import gc
import uuid
from pathlib import Path
from typing import Any

import pytest

from provtop.backend.dump import (
    DumpPlan,
    ProcessDumpOptions,
    ProfileDumpOptions,
    dump_process,
    dump_profile,
    plan_process_dump,
    plan_profile_dump,
)
from provtop.backend.entities import CalcJobNode
from provtop.backend.queries.dump_graph import existing_uuids
from provtop.backend.store.store import Store
from tests.dump.graphs import calcjob, group, multiply_add, nested, singlefile, tree, workchain

META = "provtop_node_metadata.yaml"
LOG = "provtop_dump_log.json"
SAFEGUARD = ".provtop_dump_safeguard"


def _two_groups() -> CalcJobNode:
    """Calculations with linked input and output files, a workflow, and a calculation in two groups (returned)."""
    shared = calcjob("shared", inputs={"structure": singlefile(b"2\nH 0 0 0\n", "s.xyz")})
    created = {"result": singlefile(b"42\n", "result.txt")}
    group("project/alpha", multiply_add("wf"), shared, calcjob("out", outputs=created))
    group("project/beta", shared)
    return shared


def _shown(plan: DumpPlan) -> dict[str, Any]:
    """Everything `--dry-run --json` prints of a plan, but the mode, which tells a dry run apart."""
    return plan.model_dump(exclude={"mode"})


def test_a_data_node_shared_by_two_processes_is_dumped_under_each(store: Store, out: Path) -> None:
    shared = singlefile(b"Si pseudo\n", "Si.upf").store()
    first = calcjob("first", inputs={"pseudo": shared})
    second = calcjob("second", inputs={"pseudo": shared})

    dump_process(first, out / "first")
    dump_process(second, out / "second")

    assert (out / "first/node_inputs/pseudo/Si.upf").read_bytes() == b"Si pseudo\n"
    assert (out / "second/node_inputs/pseudo/Si.upf").read_bytes() == b"Si pseudo\n"


def test_planning_leaves_the_cycle_collector_as_it_found_it(store: Store, out: Path) -> None:
    workflow = multiply_add()
    options = ProcessDumpOptions(dry_run=True)

    plan_process_dump(store, workflow.pk, out, options)
    assert gc.isenabled()
    gc.disable()
    try:
        plan_process_dump(store, workflow.pk, out, options)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_workflow_metadata_file_has_node_and_user_sections_only(store: Store, out: Path) -> None:
    running = workchain("wf")

    dump_process(running, out, dump_unsealed=True, include_attributes=False)

    text = (out / META).read_text()
    assert text.startswith("---\nNode data:\n  label: wf\n")
    assert "User data:" in text and "Computer data" not in text


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"flat": True, "include_outputs": True, "include_extras": True},
        {"include_inputs": False, "symlink_calcs": True, "only_top_level_calcs": False},
    ],
)
def test_a_dry_run_shows_exactly_the_plan_a_real_run_executes(store: Store, out: Path, options: dict[str, Any]) -> None:
    _two_groups()
    chosen = {"all_entries": True, "also_ungrouped": True, **options}

    dry = plan_profile_dump(store, out, ProfileDumpOptions(dry_run=True, **chosen))
    real = plan_profile_dump(store, out, ProfileDumpOptions(**chosen))

    assert dry.files and _shown(dry) == _shown(real)


def test_after_changes_a_dry_run_still_shows_the_plan_a_real_run_executes(store: Store, out: Path) -> None:
    shared = _two_groups()
    dump_profile(out, all_entries=True, include_extras=True)
    shared.set_extra("note", "checked")
    group("project/gamma", calcjob("new"))

    dry = plan_profile_dump(store, out, ProfileDumpOptions(dry_run=True, include_extras=True))
    real = plan_profile_dump(store, out, ProfileDumpOptions(include_extras=True))

    assert any(item.replace for item in dry.files) and _shown(dry) == _shown(real)


def test_a_plan_makes_directories_in_path_order_so_parents_come_first(store: Store, out: Path) -> None:
    _two_groups()

    plan = plan_profile_dump(store, out, ProfileDumpOptions(dry_run=True, all_entries=True, also_ungrouped=True))

    paths = [item.path for item in plan.directories]
    assert len(paths) > 10 and paths == sorted(paths)
    made = set()
    for path in paths:
        parent = path.rpartition("/")[0]
        assert not parent or parent in made or parent not in paths
        made.add(path)


def _written_sizes(root: Path) -> dict[str, int]:
    """The size of every file a dump wrote, but its log and safeguards."""
    return {
        path: (root / path).stat().st_size
        for path in tree(root)
        if not path.endswith("/") and path != LOG and not path.endswith(SAFEGUARD)
    }


def test_every_size_in_a_dry_run_is_the_size_the_real_run_writes(store: Store, out: Path) -> None:
    _two_groups()
    options = {"all_entries": True, "also_ungrouped": True, "include_outputs": True, "include_extras": True}
    plan = plan_profile_dump(store, out, ProfileDumpOptions(dry_run=True, **options))

    dump_profile(out, **options)

    assert {item.path: item.size for item in plan.files} == _written_sizes(out)


def test_every_size_in_a_process_dry_run_is_the_size_the_real_run_writes(store: Store, out: Path) -> None:
    workflow = nested("outer")
    plan = plan_process_dump(store, workflow.pk, out, ProcessDumpOptions(dry_run=True))

    dump_process(workflow, out)

    assert "README.md" in _written_sizes(out)
    assert {item.path: item.size for item in plan.files} == _written_sizes(out)


def test_existing_uuids_are_found_among_more_than_sqlite_takes_as_parameters(store: Store) -> None:
    real = calcjob("real")
    unknown = {str(uuid.uuid4()) for _ in range(40_000)}

    found, groups = existing_uuids(store, unknown | {real.uuid}, set())

    assert found == {real.uuid} and groups == set()
