"""kill / pause / play as plain Python functions, for scripts."""

from __future__ import annotations

import asyncio

from provtop.backend import control
from provtop.backend.engine.engine import Engine
from provtop.backend.entities import Computer, Int, Str, load_node
from provtop.backend.store.store import Store

from .processes_for_control import three_sleepers
from .test_kill_local import alive, until_jobs_run


async def test_pause_play_and_kill_from_python(store: Store, localhost: Computer) -> None:
    async with Engine(store, claim_interval=0.2, control_interval=0.2) as engine:
        workflow = await engine.submit(three_sleepers, computer=Str("localhost"), seconds=Int(300))
        children = await until_jobs_run(store, workflow.pk, 3)

    paused = await asyncio.to_thread(control.pause, workflow, timeout=30, store=store)
    assert all(o.status == "done" for o in paused.outcomes), paused.message
    assert load_node(workflow.pk, store).get_attribute("paused")

    played = await asyncio.to_thread(control.play, workflow.pk, timeout=30, store=store)
    assert all(o.status == "done" for o in played.outcomes), played.message
    assert not load_node(workflow.pk, store).get_attribute("paused")

    killed = await asyncio.to_thread(control.kill, workflow, timeout=30, store=store)
    assert all(o.status == "done" for o in killed.outcomes), killed.message
    assert load_node(workflow.pk, store).process_state.value == "killed"
    assert not any(alive(child.get_attribute("job_id")) for child in children)
