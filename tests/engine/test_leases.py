"""Several engines share one store: each process has one owner; a dead engine's processes move on."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from provtop.backend.engine.engine import Engine
from provtop.backend.entities import Computer, Float, Int, ProcessNode, Str, load_node
from provtop.backend.entities.current import set_current_store
from provtop.backend.processes import submit
from provtop.backend.profiles import load_profile, setup_profile
from provtop.backend.store.store import Store

from .conftest import FAST_POLL
from .processes_for_tests import counted_chain


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_store(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A profile on SQLite or on the test PostgreSQL, with a fast-polling localhost."""
    monkeypatch.setenv("PROVTOP_HOME", str(tmp_path / "home"))
    if request.param == "postgresql":
        setup_profile("shared", storage="postgresql", url=request.getfixturevalue("postgres_url"), with_localhost=False)
    else:
        setup_profile("shared", with_localhost=False)
    store = load_profile("shared")
    Computer("localhost", "localhost", workdir=str(tmp_path / "work"), scheduler_settings=FAST_POLL).store()
    yield store
    set_current_store(None)
    store.close()


async def crash(engine: Engine) -> None:
    """Stop an engine the way a crash does: no goodbye, its leases stay until they expire."""
    for task in [*engine._loops, *engine._tasks.values()]:
        task.cancel()
    await asyncio.gather(*engine._loops, *engine._tasks.values(), return_exceptions=True)
    await engine.poller.close()
    await engine.transports.close()
    await asyncio.to_thread(engine.io.close)


def submit_chains(log: Path, count: int, steps: int = 2, seconds: float = 0.3) -> list[int]:
    return [submit(counted_chain, tag=Str(f"wf{i}"), steps=Int(steps), seconds=Float(seconds), log=Str(str(log))).pk
            for i in range(count)]


async def wait_all(engine: Engine, pks: list[int], timeout: float = 90) -> list[ProcessNode]:
    return await asyncio.wait_for(asyncio.gather(*(engine.wait_terminated(pk) for pk in pks)), timeout)


async def test_two_engines_share_the_work_and_run_each_step_once(shared_store: Store, tmp_path: Path) -> None:
    log = tmp_path / "runs.log"
    pks = submit_chains(log, 6)
    async with Engine(shared_store, claim_interval=0.1, max_processes=4) as first, \
            Engine(shared_store, claim_interval=0.1, max_processes=4) as second:
        done = await wait_all(first, pks)
        owners = {first.id: first.poller.polls, second.id: second.poller.polls}
    assert all(node.is_finished_ok for node in done)
    assert Counter(log.read_text().split()) == Counter(f"wf{i}-{s}" for i in range(6) for s in range(2))
    assert all(polls > 0 for polls in owners.values()), "both engines should have run jobs"


async def test_processes_of_a_dead_engine_are_taken_over_when_its_lease_expires(shared_store: Store, tmp_path: Path) -> None:
    log = tmp_path / "runs.log"
    pks = submit_chains(log, 2, steps=3, seconds=0.5)
    doomed = Engine(shared_store, claim_interval=0.1, lease_seconds=3)
    events = doomed.events.events()
    await doomed.start()
    await asyncio.wait_for(anext(events), 30)  # it has started running a process
    await events.aclose()
    await crash(doomed)
    async with Engine(shared_store, claim_interval=0.2, lease_seconds=3) as heir:
        done = await wait_all(heir, pks)
    assert all(node.is_finished_ok for node in done)
    assert Counter(log.read_text().split()) == Counter(f"wf{i}-{s}" for i in range(2) for s in range(3))
    assert all(load_node(pk, shared_store).is_sealed for pk in pks)
