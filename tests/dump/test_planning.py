"""Planning shortcuts (shared data read once, sections rendered once, the paused collector) change nothing."""

from __future__ import annotations

import gc
from pathlib import Path

from provtop.backend.dump import ProcessDumpOptions, dump_process, plan_process_dump
from provtop.backend.store.store import Store
from tests.dump.graphs import calcjob, multiply_add, singlefile, workchain

META = "provtop_node_metadata.yaml"


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
