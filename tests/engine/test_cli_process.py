"""`provtop process list|show|status|report|watch` and `provtop demo submit`, through the click CLI."""

from __future__ import annotations

import asyncio
import json

from click.testing import CliRunner
from provtop.backend.engine.engine import Engine
from provtop.backend.entities import Computer, Int, LinkType, ProcessNode, load_node
from provtop.backend.entities.current import get_store, set_current_store
from provtop.backend.store.store import Store
from provtop.tui.cli.main import cli

from .processes_for_tests import add_in_parallel, shell_then_fail


def invoke(*args: str) -> str:
    """Run the CLI in this process; it closes its own store, so the test's store is made current again."""
    store = get_store()
    try:
        result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    finally:
        set_current_store(store)
    assert result.exit_code == 0, result.output
    return result.output


async def run_to_end(store: Store, workflow: object, **inputs: object) -> ProcessNode:
    async with Engine(store, claim_interval=0.1) as engine:
        node = await engine.submit(workflow, **inputs)
        return await engine.wait_terminated(node.pk)


def test_process_list_shows_active_processes_and_says_no_engine_runs(store: Store, localhost: Computer) -> None:
    from provtop.backend.processes import ShellJob, submit

    node = submit(ShellJob, command="true", metadata={"computer": "localhost", "label": "waiting one"})
    output = invoke("process", "list")
    assert f"{node.pk}" in output and "ShellJob" in output and "⏹ Created" in output
    assert "Active processes: 1" in output
    assert "No engine is running" in output
    rows = json.loads(invoke("process", "list", "--json"))["rows"]
    assert [row["pk"] for row in rows] == [node.pk]


async def test_status_draws_the_call_tree_and_report_shows_the_logs(store: Store, localhost: Computer) -> None:
    done = await run_to_end(store, add_in_parallel, x=Int(1), y=Int(0), n=Int(2))
    tree = (await asyncio.to_thread(invoke, "process", "status", str(done.pk))).splitlines()
    assert tree[0] == f"add_in_parallel<{done.pk}> Finished [0]"
    assert tree[1].startswith("├── AddJob<") and tree[-1].startswith("└── add<")
    report = await asyncio.to_thread(invoke, "process", "report", str(done.pk))
    assert f"[{done.pk}|REPORT]: total is 3" in report
    listing = await asyncio.to_thread(invoke, "process", "list", "-a", "-S", "finished")
    assert "⏹ Finished [0]" in listing


async def test_show_names_the_failed_child_and_exit_codes(store: Store, localhost: Computer) -> None:
    done = await run_to_end(store, shell_then_fail)
    shown = await asyncio.to_thread(invoke, "process", "show", str(done.pk))
    assert "⏹ Finished [401]" in shown and "a child failed" in shown
    assert "Finished [400]" in shown
    watched = await asyncio.to_thread(invoke, "process", "watch", str(done.pk))
    assert "already terminated" in watched


def test_unknown_process_is_a_one_line_error(store: Store) -> None:
    result = CliRunner().invoke(cli, ["process", "show", "999999"])
    set_current_store(store)
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: no node with pk 999999")


async def test_demo_submit_runs_three_workflows_one_of_which_fails(store: Store, localhost: Computer) -> None:
    output = await asyncio.to_thread(invoke, "demo", "submit", "--transfer-mb", "1", "--sleep", "0", "--json")
    pks = [row["pk"] for row in json.loads(output)]
    async with Engine(store, claim_interval=0.1) as engine:
        done = {node.process_label: node for node in
                await asyncio.wait_for(asyncio.gather(*(engine.wait_terminated(pk) for pk in pks)), 120)}
    assert done["word_statistics"].is_finished_ok
    assert done["doomed_analysis"].exit_status == 402
    assert done["large_transfer"].is_finished_ok
    doubled = {t.label: t.node for t in done["large_transfer"].get_outgoing(LinkType.RETURN)}["doubled"]
    assert len(doubled.get_content()) == 2 * 1024 * 1024
    total = {t.label: t.node for t in done["word_statistics"].get_outgoing(LinkType.RETURN)}["total"]
    assert total.value == 3 * 2000
    assert isinstance(load_node(pks[0], store), ProcessNode)
