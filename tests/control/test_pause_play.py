"""Pause and play cascade to what a process called, with and without an engine."""

from __future__ import annotations

import asyncio

from provtop.backend.engine.engine import Engine
from provtop.backend.entities import Computer, Int, Str, load_node
from provtop.backend.service.core import Service
from provtop.backend.store.store import Store

from .processes_for_control import three_sleepers
from .test_kill_local import until_jobs_run


async def test_pause_without_engine_cascades_and_play_lets_the_next_engine_finish(
        store: Store, localhost: Computer, service: Service) -> None:
    async with Engine(store, claim_interval=0.2, control_interval=0.2) as engine:
        workflow = await engine.submit(three_sleepers, computer=Str("localhost"), seconds=Int(1))
        children = await until_jobs_run(store, workflow.pk, 3)

    result = await asyncio.to_thread(service.pause_processes, [workflow.pk], timeout=10)

    assert [o.status for o in result.outcomes] == ["done"] * 4, result.message
    for pk in [workflow.pk, *(c.pk for c in children)]:
        assert load_node(pk, store).get_attribute("paused") is True

    async with Engine(store, claim_interval=0.2, control_interval=0.2) as engine:
        await asyncio.sleep(3)  # the jobs are done by now; paused, nobody retrieves them
        assert all(load_node(c.pk, store).process_state.value == "waiting" for c in children)

        played = await asyncio.to_thread(service.play_processes, [workflow.pk], timeout=10)

        assert not played.pending, played.message
        done = await asyncio.wait_for(engine.wait_terminated(workflow.pk), 60)
    assert done.is_finished_ok, done.attributes
    assert all(load_node(c.pk, store).is_finished_ok for c in children)


async def test_pause_and_play_through_a_running_engine(store: Store, engine: Engine, localhost: Computer,
                                                       service: Service) -> None:
    workflow = await engine.submit(three_sleepers, computer=Str("localhost"), seconds=Int(1))
    children = await until_jobs_run(store, workflow.pk, 3)

    paused = await asyncio.to_thread(service.pause_processes, [workflow.pk], timeout=10)

    assert not paused.pending, paused.message
    for _ in range(100):
        if all(load_node(c.pk, store).get_attribute("paused") for c in children):
            break
        await asyncio.sleep(0.1)
    assert all(load_node(c.pk, store).get_attribute("paused") for c in children)
    # the workflow waits on its children, so it is shown paused at once, not "waiting"
    assert load_node(workflow.pk, store).get_attribute("paused")
    assert load_node(workflow.pk, store).get_attribute("process_status") == "Paused through a pause request"

    played = await asyncio.to_thread(service.play_processes, [workflow.pk], timeout=10)
    assert not played.pending, played.message
    done = await asyncio.wait_for(engine.wait_terminated(workflow.pk), 60)
    assert done.is_finished_ok, done.attributes
