"""The dump commands: AiiDA's options, a printed plan for --dry-run, --json, one-line errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from provtop.backend.service import Service
from provtop.backend.service.dump_actions import DumpActions
from provtop.backend.store.store import Store
from provtop.tui.cli import context, dump, group, process, profile
from provtop.tui.cli.main import cli
from tests.dump.graphs import calcjob, multiply_add, tree
from tests.dump.graphs import group as make_group


@pytest.fixture
def run(store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Invoke `provtop ...` with the dump commands and actions attached as their registration will."""

    class DumpService(Service, DumpActions):
        pass

    monkeypatch.setattr(context, "Service", DumpService)
    for parent, command in (
        (process.process, dump.process_dump),
        (group.group, dump.group_dump),
        (profile.profile, dump.profile_dump),
    ):
        monkeypatch.setitem(parent.commands, "dump", command)
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(cli, ["-p", "dumptest", *args], catch_exceptions=False)

    yield invoke


def test_process_dump_dry_run_prints_the_tree_and_writes_nothing(run, out: Path) -> None:  # type: ignore[no-untyped-def]
    workflow = multiply_add()

    result = run("process", "dump", str(workflow.pk), "--path", str(out), "--dry-run")

    assert result.exit_code == 0, result.output
    assert not out.exists()
    assert "inputs" in result.output and "aiida.in" in result.output and "README.md" in result.output
    assert "Anticipated dump changes" in result.output and "Calculations" in result.output


def test_process_dump_writes_and_reports(run, out: Path) -> None:  # type: ignore[no-untyped-def]
    calc = calcjob("c")

    result = run("process", "dump", str(calc.pk), "--path", str(out), "--include-extras", "--flat")

    assert result.exit_code == 0, result.output
    assert f"Raw files for process `{calc.pk}` dumped" in result.output
    assert "aiida.in" in tree(out)


def test_group_dump_json_prints_the_result(run, out: Path) -> None:  # type: ignore[no-untyped-def]
    make_group("g", calcjob("c"))

    result = run("group", "dump", "g", "--path", str(out), "--json", "--symlink-calcs", "--no-only-top-level-calcs")

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["totals"]["files"] > 0


def test_profile_dump_without_selection_says_how_to_ask(run, out: Path) -> None:  # type: ignore[no-untyped-def]
    make_group("g", calcjob("c"))

    result = run("profile", "dump", "--path", str(out))

    assert result.exit_code == 0
    assert "--all" in result.output and not out.exists()


def test_a_dry_run_without_selection_gives_the_warning_alone(run, out: Path) -> None:  # type: ignore[no-untyped-def]
    make_group("g", calcjob("c"))

    result = run("profile", "dump", "--path", str(out), "--dry-run")
    as_json = run("profile", "dump", "--path", str(out), "--dry-run", "--json")

    assert result.exit_code == 0 and "--all" in result.output
    assert "Anticipated dump changes" not in result.output and "Totals" not in result.output
    assert json.loads(as_json.stdout)["selected"] is False


def test_profile_dump_with_every_option(run, out: Path) -> None:  # type: ignore[no-untyped-def]
    make_group("g", calcjob("c"))

    result = run(
        "profile",
        "dump",
        "--path",
        str(out),
        "-a",
        "-G",
        "g",
        "-u",
        "nobody@example.com",
        "-X",
        "x",
        "-Y",
        "localhost",
        "--also-ungrouped",
        "--no-organize-by-groups",
        "--no-relabel-groups",
        "--no-delete-missing",
        "--no-filter-by-last-dump-time",
        "--no-only-top-level-workflows",
        "--include-outputs",
        "--exclude-inputs",
        "--exclude-attributes",
        "--dump-unsealed",
        "-p",
        "3",
    )

    assert result.exit_code == 0, result.output
    assert any(path.startswith("calculations/c-") for path in tree(out))


def test_dry_run_json_is_the_plan(run, out: Path) -> None:  # type: ignore[no-untyped-def]
    make_group("g", calcjob("c"))

    result = run("profile", "dump", "--path", str(out), "--all", "--dry-run", "--json")

    plan = json.loads(result.output)
    assert plan["mode"] == "dry_run" and plan["totals"]["files"] == len(plan["files"])
    assert all("data" not in item for item in plan["files"])


def test_conflicting_time_options_are_a_usage_error(run, out: Path) -> None:  # type: ignore[no-untyped-def]
    result = run("group", "dump", "g", "-p", "3", "--start-date", "2026-01-01")

    assert result.exit_code == 2
    assert "either --past-days or --start-date" in result.output


def test_errors_are_one_line(run, out: Path) -> None:  # type: ignore[no-untyped-def]
    foreign = out / "foreign"
    foreign.mkdir(parents=True)
    (foreign / "notes.txt").write_text("mine")
    calc = calcjob("c")

    result = run("process", "dump", str(calc.pk), "--path", str(foreign))

    assert result.exit_code == 1
    assert result.output.strip().startswith("Error:") and len(result.output.strip().splitlines()) == 1
