"""sshd goes away while jobs are polled: backoff, then pause with the reason; sshd back and play: they finish."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from provtop.backend.engine import control
from provtop.backend.engine.engine import Engine
from provtop.backend.engine.events import ProcessEvent
from provtop.backend.entities import Computer, LinkType
from provtop.backend.processes import ShellJob
from provtop.backend.store.store import Store

from .conftest import RestartableSshd


async def first_event(engine: Engine, predicate: object) -> ProcessEvent:
    async for event in engine.events.events():
        if predicate(event):  # type: ignore[operator]
            return event
    raise AssertionError("unreachable")


async def until_each_runs(engine: Engine, count: int) -> None:
    """Until `count` processes have reported their scheduler job running (each job is submitted on its own)."""
    running: set[int] = set()
    async for event in engine.events.events():
        if "RUNNING" in (event.status or ""):
            running.add(event.pk)
            if len(running) == count:
                return


@pytest.mark.parametrize("kind", ["ssh", "ssh_async"])
async def test_jobs_pause_while_sshd_is_down_and_finish_after_play(
    kind: str, store: Store, engine: Engine, restartable_sshd: RestartableSshd, tmp_path: Path
) -> None:
    Computer("remote", "127.0.0.1", transport_type=kind, workdir=str(tmp_path / "remote"),
             transport_settings=restartable_sshd.settings, scheduler_settings={"poll_interval": 0.3}).store()
    running = asyncio.ensure_future(until_each_runs(engine, 2))
    await asyncio.sleep(0)
    nodes = [await engine.submit(ShellJob, command=f"sleep 4; echo job {i}", metadata={"computer": "remote"})
             for i in range(2)]
    await asyncio.wait_for(running, 30)

    paused = [asyncio.ensure_future(first_event(engine, lambda e, pk=n.pk: e.pk == pk and e.paused)) for n in nodes]
    await asyncio.sleep(0)
    await asyncio.to_thread(restartable_sshd.stop)
    events = await asyncio.wait_for(asyncio.gather(*paused), 60)
    for event in events:
        assert event.status is not None and event.status.startswith("Pausing after failed transport task: update")
        assert "failed 2 times consecutively" in event.status

    await asyncio.to_thread(restartable_sshd.start)
    for node in nodes:
        await asyncio.to_thread(control.request, store, node.pk, "play")
    done = await asyncio.wait_for(asyncio.gather(*(engine.wait_terminated(n.pk) for n in nodes)), 60)
    for i, node in enumerate(done):
        assert node.is_finished_ok, node.attributes
        stdout = {t.label: t.node for t in node.get_outgoing(LinkType.CREATE)}["stdout"]
        assert stdout.get_content() == f"job {i}\n".encode()
