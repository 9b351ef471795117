"""`provtop process kill|pause|play|orphans` through the click CLI: one-line answers and errors."""

from __future__ import annotations

import asyncio

from click.testing import CliRunner
from provtop.backend.engine.engine import Engine
from provtop.backend.entities import Computer, load_node
from provtop.backend.entities.current import get_store, set_current_store
from provtop.backend.store.store import Store
from provtop.tui.cli.main import cli

from .test_kill_local import submit_sleeping_job


def invoke(*args: str) -> tuple[int, str]:
    store = get_store()
    try:
        result = CliRunner().invoke(cli, ["--profile", "test", *args], catch_exceptions=False)
    finally:
        set_current_store(store)
    return result.exit_code, result.output


async def test_cli_kill_without_engine_says_which_job_was_cancelled(store: Store, localhost: Computer) -> None:
    async with Engine(store, claim_interval=0.2, control_interval=0.2) as engine:
        node = await submit_sleeping_job(engine, store)
    job_id = load_node(node.pk, store).get_attribute("job_id")

    code, output = await asyncio.to_thread(invoke, "process", "kill", str(node.pk), "--timeout", "30")

    assert code == 0, output
    assert f"Process<{node.pk}>: killed; remote job {job_id} on 'localhost' cancelled" in output
    assert load_node(node.pk, store).process_state.value == "killed"
    assert load_node(node.pk, store).get_attribute("process_status") == "Killed through `provtop process kill`"
    assert load_node(node.pk, store).get_attribute("scheduler_state") == "done"  # not the last poll's "running"
    code, output = await asyncio.to_thread(invoke, "process", "kill", str(node.pk))
    assert code == 1 and output.strip() == f"Error: Process<{node.pk}> already killed: nothing to kill"


def test_cli_bad_input_and_empty_orphan_list(store: Store, localhost: Computer) -> None:
    code, output = invoke("process", "kill", "99999")
    assert code == 1 and output.count("\n") == 1 and "no node with pk 99999" in output
    code, output = invoke("process", "kill", "1", "--timeout", "soon")
    assert code == 2 and "seconds, 0 or inf" in output
    code, output = invoke("process", "orphans")
    assert code == 0 and output.strip() == "No orphaned jobs."
