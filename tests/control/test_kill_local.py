"""Kill on the direct scheduler: cascade deepest first, with and without an engine, and bad input."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest
from provtop.backend.engine.backoff import RetryPolicy
from provtop.backend.engine.engine import Engine
from provtop.backend.entities import (
    Computer,
    Int,
    LinkType,
    ProcessNode,
    Str,
    load_node,
)
from provtop.backend.errors import InputError, NotExistent
from provtop.backend.processes import ShellJob
from provtop.backend.service.core import Service
from provtop.backend.store.store import Store

from .processes_for_control import three_sleepers

FAST = RetryPolicy(initial_interval=0.1, max_attempts=2)


def calc_children(store: Store, pk: int) -> list[ProcessNode]:
    node = load_node(pk, store)
    return [t.node for t in node.get_outgoing(LinkType.CALL_CALC)]  # type: ignore[misc]


async def until_jobs_run(store: Store, pk: int, count: int) -> list[ProcessNode]:
    for _ in range(300):
        children = await asyncio.to_thread(calc_children, store, pk)
        if len(children) == count and all(c.get_attribute("job_id") for c in children):
            return children
        await asyncio.sleep(0.1)
    raise AssertionError("the jobs did not start")


async def submit_sleeping_job(engine: Engine, store: Store) -> ProcessNode:
    """A `sleep 300` on localhost, returned once its scheduler job id is recorded."""
    job = await engine.submit(ShellJob, command="sleep 300", metadata={"computer": "localhost"})
    for _ in range(100):
        if load_node(job.pk, store).get_attribute("job_id"):
            return job
        await asyncio.sleep(0.1)
    raise AssertionError("the job did not start")


def alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


async def test_kill_of_a_workflow_kills_its_three_running_jobs_and_itself(
        store: Store, engine: Engine, localhost: Computer, service: Service) -> None:
    workflow = await engine.submit(three_sleepers, computer=Str("localhost"), seconds=Int(300))
    children = await until_jobs_run(store, workflow.pk, 3)

    result = await asyncio.to_thread(service.kill_processes, [workflow.pk], timeout=30, policy=FAST)

    assert not result.pending, result.message
    for pk in [workflow.pk, *(c.pk for c in children)]:
        assert load_node(pk, store).process_state.value == "killed"
    for child in children:
        assert not alive(child.get_attribute("job_id"))
    assert "killed" in result.message and "cancelled" in result.message, result.outcomes


async def test_kill_without_an_engine_cancels_the_jobs_itself(
        store: Store, localhost: Computer, service: Service) -> None:
    async with Engine(store, claim_interval=0.2, control_interval=0.2) as engine:
        workflow = await engine.submit(three_sleepers, computer=Str("localhost"), seconds=Int(300))
        children = await until_jobs_run(store, workflow.pk, 3)
    # The engine stopped cleanly: nobody runs the processes now.

    result = await asyncio.to_thread(service.kill_processes, [workflow.pk], timeout=30, policy=FAST)

    assert [o.status for o in result.outcomes] == ["done"] * 4, result.message
    assert [o.depth for o in result.outcomes] == [1, 1, 1, 0]  # deepest first
    for child in children:
        assert not alive(child.get_attribute("job_id"))
        assert load_node(child.pk, store).process_state.value == "killed"
    assert load_node(workflow.pk, store).process_state.value == "killed"


async def test_kill_with_timeout_zero_returns_at_once_saying_kill_requested(
        store: Store, localhost: Computer, service: Service) -> None:
    async with Engine(store, claim_interval=0.2, control_interval=0.2) as engine:
        job = await submit_sleeping_job(engine, store)
        result = await asyncio.to_thread(service.kill_processes, [job.pk], timeout=0)
        assert result.message.startswith("kill requested for Process<")
        done = await asyncio.wait_for(engine.wait_terminated(job.pk), 30)
    assert done.process_state.value == "killed"


async def test_a_kill_of_a_process_that_ends_before_its_engine_reads_it_returns_when_it_ends(
        store: Store, localhost: Computer, service: Service) -> None:
    # The engine reads control requests once an hour here, so the job ends first.
    async with Engine(store, claim_interval=0.2, control_interval=3600) as engine:
        job = await engine.submit(ShellJob, command="sleep 1", metadata={"computer": "localhost"})
        started = time.monotonic()
        result = await asyncio.to_thread(service.kill_processes, [job.pk], timeout=120)
        waited = time.monotonic() - started
    assert [(o.status, o.message) for o in result.outcomes] == [("done", "already finished")], result.message
    assert waited < 60  # not the whole timeout: the request is closed once the process ends


def test_bad_input_gives_one_line_errors(store: Store, localhost: Computer, service: Service) -> None:
    with pytest.raises(NotExistent, match="no node with pk 99999"):
        service.kill_processes([99999])
    finished = ShellJob.node_class(computer=localhost)
    finished.set_attribute_many({"process_state": "finished", "exit_status": 0})
    finished.store()
    with pytest.raises(InputError, match=r"already finished: nothing to kill"):
        service.kill_processes([finished.pk])
    with pytest.raises(InputError, match="give process pks or --all"):
        service.kill_processes([])


async def test_kill_all_kills_every_active_process_children_before_parents(
        store: Store, localhost: Computer, service: Service) -> None:
    async with Engine(store, claim_interval=0.2, control_interval=0.2) as engine:
        workflow = await engine.submit(three_sleepers, computer=Str("localhost"), seconds=Int(300))
        await until_jobs_run(store, workflow.pk, 3)

    result = await asyncio.to_thread(service.kill_processes, all=True, timeout=30, policy=FAST)

    assert [(o.depth, o.status) for o in result.outcomes] == [(1, "done")] * 3 + [(0, "done")], result.message
    assert service.kill_processes(all=True).message == "no active process to kill"
