"""The dump's bulk queries give the same tree on PostgreSQL as on SQLite."""

from __future__ import annotations

from pathlib import Path

from provtop.backend.dump import dump_group, dump_process, dump_profile
from provtop.backend.entities import CalcJobNode, WorkChainNode
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
