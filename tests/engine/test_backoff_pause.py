"""Transport steps retry with backoff, then pause with the reason; a play request resumes them."""

from __future__ import annotations

import asyncio
from pathlib import Path

from provtop.backend.engine import control
from provtop.backend.engine.backoff import RetryPolicy, with_backoff
from provtop.backend.engine.engine import Engine
from provtop.backend.engine.errors import TransportTaskFailed
from provtop.backend.engine.events import ProcessEvent
from provtop.backend.entities import Computer, load_node
from provtop.backend.processes import ShellJob
from provtop.backend.store.store import Store
from provtop.transports import ConnectionLost

from .conftest import FAST_POLL


async def next_event(engine: Engine, predicate: object) -> ProcessEvent:
    async for event in engine.events.events():
        if predicate(event):  # type: ignore[operator]
            return event
    raise AssertionError("unreachable")


async def test_backoff_waits_twice_as_long_after_each_failure_then_gives_up() -> None:
    waits: list[float] = []
    attempts = 0

    async def failing() -> None:
        nonlocal attempts
        attempts += 1
        raise ConnectionLost("hpc", "connection refused")

    async def record(attempt: int, delay: float, exc: BaseException) -> None:
        waits.append(delay)

    try:
        await with_backoff("upload", failing, RetryPolicy(initial_interval=0.01, max_attempts=4), record)
    except TransportTaskFailed as exc:
        assert "upload failed 4 times consecutively" in str(exc)
        assert "connection refused" in str(exc)
    else:
        raise AssertionError("with_backoff did not give up")
    assert attempts == 4
    assert waits == [0.01, 0.02, 0.04]


async def test_failed_upload_pauses_with_the_reason_and_play_resumes(store: Store, engine: Engine, tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the work directory should be")
    Computer("blocked", "localhost", workdir=str(blocker / "work"), scheduler_settings=FAST_POLL).store()
    paused = asyncio.ensure_future(next_event(engine, lambda e: e.paused))
    await asyncio.sleep(0)
    node = await engine.submit(ShellJob, command="echo finally", metadata={"computer": "blocked"})

    event = await asyncio.wait_for(paused, 30)
    assert event.pk == node.pk
    assert event.status is not None
    assert event.status.startswith("Pausing after failed transport task: upload failed 2 times consecutively")

    blocker.unlink()
    await asyncio.to_thread(control.request, store, node.pk, "play")
    done = await asyncio.wait_for(engine.wait_terminated(node.pk), 30)
    assert done.is_finished_ok
    assert done.get_attribute("paused") is False


async def test_pause_request_stops_a_job_at_its_next_step_and_play_resumes_it(store: Store, engine: Engine,
                                                                            localhost: Computer) -> None:
    paused = asyncio.ensure_future(next_event(engine, lambda e: e.paused))
    running = asyncio.ensure_future(next_event(engine, lambda e: "RUNNING" in (e.status or "")))
    await asyncio.sleep(0)
    node = await engine.submit(ShellJob, command="sleep 2; echo slept", metadata={"computer": "localhost"})
    await asyncio.wait_for(running, 30)
    await asyncio.to_thread(control.request, store, node.pk, "pause")
    event = await asyncio.wait_for(paused, 30)
    assert event.pk == node.pk and event.status == "Paused through a pause request"
    assert not (await engine.io.read(lambda: load_node(node.pk, store))).is_terminated

    await asyncio.to_thread(control.request, store, node.pk, "play")
    done = await asyncio.wait_for(engine.wait_terminated(node.pk), 30)
    assert done.is_finished_ok
