"""`provtop demo populate` writes the demo graph and reports what it wrote."""

from __future__ import annotations

from pathlib import Path

from .helpers import run_cli, run_json


def test_populate_reports_the_written_graph_as_json(provtop_home: Path) -> None:
    summary = run_json("demo", "populate", "--workflows", "2")

    assert (summary["workflows"], summary["nodes_created"]) == (2, 4 + 2 * 38)
    assert summary["group_members"]["project/alpha"] == 2


def test_populate_prints_the_groups_and_a_summary(provtop_home: Path) -> None:
    result = run_cli("demo", "populate", "-n", "3")

    assert result.exit_code == 0, result.output
    assert "project/alpha" in result.output
    assert "wrote 3 workflow(s) (0 failed)" in result.output
