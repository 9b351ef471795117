"""The dump's bulk queries give the same tree on PostgreSQL as on SQLite."""

from __future__ import annotations

import uuid
from pathlib import Path

from provtop.backend.dump import dump_group, dump_process, dump_profile
from provtop.backend.entities import CalcJobNode, WorkChainNode
from provtop.backend.queries.dump_graph import existing_uuids
from provtop.backend.store.store import Store
from tests.dump.graphs import calcjob, group, multiply_add, singlefile, tree, workchain


def _graph() -> tuple[WorkChainNode, CalcJobNode, WorkChainNode]:
    workflow = multiply_add("wf")
    calc = calcjob("calc", inputs={"structure": singlefile(b"xyz", "s.xyz")})
    running = workchain("running")
    group("project/alpha", workflow, calc)
    return workflow, calc, running


def test_profile_group_and_process_dumps_on_postgresql(pg_store: Store, out: Path) -> None:
    workflow, calc, running = _graph()

    dump_profile(out / "profile", all_entries=True, also_ungrouped=True, dump_unsealed=True)
    dump_group("project/alpha", out / "group")
    dump_process(workflow, out / "process")

    profile = tree(out / "profile")
    assert f"groups/project/alpha/calculations/calc-{calc.pk}/node_inputs/structure/s.xyz" in profile
    assert f"ungrouped/workflows/running-{running.pk}/" in profile
    assert f"workflows/wf-{workflow.pk}/" in tree(out / "group")
    assert "README.md" in tree(out / "process")
    again = dump_profile(out / "profile", all_entries=True, also_ungrouped=True, dump_unsealed=True)
    assert again.totals.files == 0


def test_existing_uuids_on_postgresql_are_found_among_many_unknown_ones(pg_store: Store) -> None:
    workflow, calc, _ = _graph()
    unknown = {str(uuid.uuid4()) for _ in range(1000)}

    found, groups = existing_uuids(pg_store, unknown | {calc.uuid, workflow.uuid}, set())

    assert found == {calc.uuid, workflow.uuid} and groups == set()
