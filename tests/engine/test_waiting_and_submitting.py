"""Waiting for processes and handing jobs to the scheduler without needless store reads or delays."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from provtop.backend.engine import leases
from provtop.backend.engine.engine import Engine
from provtop.backend.entities import Computer, FolderData, LinkType, ProcessState, load_node
from provtop.backend.processes import ShellJob, submit
from provtop.backend.schedulers import DirectScheduler, JobState
from provtop.backend.store.store import Store
from provtop.transports import Transport

LOCAL = {"computer": "localhost"}


def kill_in_the_store(store: Store, pks: Sequence[int]) -> None:
    """End processes the way another engine would: state and lease, in one transaction."""
    with store.transaction() as session:
        for pk in pks:
            load_node(pk, store).terminate(ProcessState.KILLED)  # type: ignore[attr-defined]
            leases.release(session, pk)


async def test_waiters_of_processes_run_elsewhere_are_woken_together_by_one_store_query(
    store: Store, localhost: Computer
) -> None:
    pks = [submit(ShellJob, command="true", metadata=LOCAL).pk for _ in range(40)]
    async with Engine(store, max_processes=0, claim_interval=0.2) as engine:  # runs none of them
        waiters = asyncio.gather(*(engine.wait_terminated(pk, poll=0.05) for pk in pks))
        for _ in range(600):
            if engine.watch.watched == len(pks):
                break
            await asyncio.sleep(0.05)
        before = engine.watch.queries
        await asyncio.to_thread(kill_in_the_store, store, pks)
        nodes = await asyncio.wait_for(waiters, 60)
    assert {node.process_state for node in nodes} == {ProcessState.KILLED}
    assert engine.watch.queries - before <= 2  # the round that saw them all, and perhaps one under way


async def test_a_waiter_follows_a_process_this_engine_starts_instead_of_polling_the_store(
    engine: Engine, localhost: Computer
) -> None:
    node = submit(ShellJob, command="echo hi", metadata=LOCAL)  # the engine claims it a moment later
    done = await asyncio.wait_for(engine.wait_terminated(node.pk, poll=3600), 60)
    assert done.is_finished_ok, done.attributes


class GatedScheduler(DirectScheduler):
    """Answers submissions with made-up ids, holding the first command until `release` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.sending, self.release = asyncio.Event(), asyncio.Event()
        self.batches: list[int] = []

    async def submit_many(self, transport: Transport, jobs: Sequence[tuple[str, str]]) -> list[str | Exception]:
        self.batches.append(len(jobs))
        self.sending.set()
        await self.release.wait()
        return [str(1000 + len(self.batches) * 100 + i) for i in range(len(jobs))]


async def test_a_lone_job_is_submitted_at_once_and_jobs_ready_meanwhile_go_together(
    engine: Engine, localhost: Computer
) -> None:
    scheduler = GatedScheduler()
    first = asyncio.ensure_future(engine.submitter.submit(localhost, scheduler, "/work/0", "job.sh"))
    await asyncio.wait_for(scheduler.sending.wait(), 30)  # out alone, with nothing to wait for
    rest = [asyncio.ensure_future(engine.submitter.submit(localhost, scheduler, f"/work/{i}", "job.sh"))
            for i in range(1, 6)]
    scheduler.release.set()
    answers = await asyncio.gather(first, *rest)
    assert scheduler.batches == [1, 5]
    assert len({answer.job_id for answer in answers}) == 6


async def test_a_job_submitted_before_its_first_poll_delay_passed_is_polled_at_once(
    engine: Engine, store: Store, tmp_path: Path
) -> None:
    settings = {"poll_interval": 3600, "first_poll_delay": 3600}
    computer = Computer("slow", "localhost", workdir=str(tmp_path / "slow"), scheduler_settings=settings).store()
    ended = await asyncio.create_subprocess_exec("true")
    await ended.wait()
    submitted_at = asyncio.get_running_loop().time() - 3600  # its answer took that long to come back
    answers = engine.poller.watch(computer, DirectScheduler(settings), str(ended.pid), submitted_at=submitted_at)
    first = await asyncio.wait_for(anext(answers), 60)
    await answers.aclose()
    assert first.state is JobState.DONE


async def test_files_in_subdirectories_and_at_the_top_are_all_retrieved(engine: Engine, localhost: Computer) -> None:
    node = await engine.submit(
        ShellJob, command="mkdir results; for n in 1 2 3; do echo $n > results/$n.dat; done; echo ran > run.log",
        outputs=["results/*.dat", "*.log"], metadata=LOCAL,
    )
    done = await engine.wait_terminated(node.pk)
    assert done.is_finished_ok, done.attributes
    retrieved = {t.label: t.node for t in done.get_outgoing(LinkType.CREATE)}["retrieved"]
    assert isinstance(retrieved, FolderData)
    assert {"results/1.dat", "results/2.dat", "results/3.dat", "run.log"} <= set(retrieved.list_files())
    assert retrieved.get_object_content("results/2.dat") == b"2\n"
