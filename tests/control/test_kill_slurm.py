"""Kill and force-kill against the real SLURM, through the local transport and through an sshd that goes down."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path

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
from provtop.backend.processes import ShellJob
from provtop.backend.service.core import Service
from provtop.backend.store.schema import ProcessControlRow
from provtop.backend.store.store import Store
from sqlalchemy import func, select

from tests.engine.conftest import RestartableSshd
from tests.engine.test_slurm import ClientCalls, client_calls, slurm_computer  # noqa: F401
from tests.fixtures.services import SlurmCluster

from .processes_for_control import chain

FAST = RetryPolicy(initial_interval=0.1, max_attempts=2)


def squeue_lists(cluster: SlurmCluster, job_id: str) -> bool:
    out = subprocess.run(["squeue", "-h", "-o", "%i", "-j", job_id], env={**os.environ, **cluster.env},
                         capture_output=True, text=True, check=False).stdout
    return job_id in out.split()


def descendants(store: Store, pk: int) -> list[ProcessNode]:
    found, level = [], [load_node(pk, store)]
    while level:
        level = [t.node for n in level for t in n.get_outgoing() if t.link_type in (LinkType.CALL_CALC, LinkType.CALL_WORK)]
        found.extend(level)
    return found  # type: ignore[return-value]


async def until_running_job(store: Store, cluster: SlurmCluster, pk: int) -> ProcessNode:
    """The calc job under `pk` once SLURM lists its job."""
    for _ in range(600):
        jobs = [n for n in await asyncio.to_thread(descendants, store, pk) if n.get_attribute("job_id")]
        if jobs and squeue_lists(cluster, jobs[0].get_attribute("job_id")):
            return jobs[0]
        await asyncio.sleep(0.1)
    raise AssertionError("the job never reached SLURM")


def state(store: Store, pk: int) -> str:
    return load_node(pk, store).process_state.value  # type: ignore[union-attr]


async def test_kill_of_a_slurm_job_chain_scancels_and_kills_every_process(
        store: Store, engine: Engine, slurm_cluster: SlurmCluster, client_calls: ClientCalls,  # noqa: F811
        service: Service, tmp_path: Path) -> None:
    slurm_computer(slurm_cluster, tmp_path, client_calls.bin_dir)
    top = await engine.submit(chain, computer=Str("slurm"), seconds=Int(600))
    job = await until_running_job(store, slurm_cluster, top.pk)
    job_id = job.get_attribute("job_id")

    result = await asyncio.to_thread(service.kill_processes, [top.pk], timeout=60, policy=FAST)

    assert not result.pending, result.message
    assert client_calls.lines("scancel") == [job_id]
    assert not squeue_lists(slurm_cluster, job_id)
    assert [state(store, n.pk) for n in [top, *descendants(store, top.pk)]] == ["killed"] * 3
    assert f"remote job {job_id} on 'slurm' cancelled" in result.message


async def test_kill_without_engine_scancels_and_kills_the_chain(
        store: Store, slurm_cluster: SlurmCluster, service: Service, tmp_path: Path) -> None:
    slurm_computer(slurm_cluster, tmp_path)
    async with Engine(store, claim_interval=0.2, control_interval=0.2) as engine:
        top = await engine.submit(chain, computer=Str("slurm"), seconds=Int(600))
        job = await until_running_job(store, slurm_cluster, top.pk)

    result = await asyncio.to_thread(service.kill_processes, [top.pk], timeout=60, policy=FAST)

    assert not result.pending, result.message
    assert not squeue_lists(slurm_cluster, job.get_attribute("job_id"))
    assert [state(store, n.pk) for n in [top, *descendants(store, top.pk)]] == ["killed"] * 3


def ssh_slurm_computer(cluster: SlurmCluster, sshd: RestartableSshd, tmp_path: Path) -> Computer:
    return Computer("remote-slurm", "127.0.0.1", transport_type="ssh", scheduler_type="slurm",
                    workdir=str(cluster.workdir / tmp_path.name), transport_settings=sshd.settings,
                    scheduler_settings={"env": dict(cluster.env), "poll_interval": 0.5}).store()


async def submit_running_ssh_job(engine: Engine, store: Store, cluster: SlurmCluster) -> tuple[ProcessNode, str]:
    node = await engine.submit(ShellJob, command="sleep 600", metadata={"computer": "remote-slurm"})
    for _ in range(600):
        job_id = load_node(node.pk, store).get_attribute("job_id")
        if job_id and squeue_lists(cluster, job_id):
            return node, job_id
        await asyncio.sleep(0.1)
    raise AssertionError("the job never reached SLURM")


async def test_kill_while_sshd_is_down_reports_the_pending_cancel_then_completes_when_it_is_back(
        store: Store, engine: Engine, slurm_cluster: SlurmCluster, restartable_sshd: RestartableSshd,
        service: Service, tmp_path: Path) -> None:
    ssh_slurm_computer(slurm_cluster, restartable_sshd, tmp_path)
    node, job_id = await submit_running_ssh_job(engine, store, slurm_cluster)
    await asyncio.to_thread(restartable_sshd.stop)

    started = time.monotonic()
    result = await asyncio.to_thread(service.kill_processes, [node.pk], timeout=5,
                                     policy=RetryPolicy(initial_interval=0.5, max_attempts=40))
    elapsed = time.monotonic() - started

    assert 4.5 <= elapsed < 9, elapsed
    assert [o.status for o in result.pending] == ["pending"]
    assert f"cancel of remote job {job_id}" in result.message and "still pending after 5 s" in result.message
    assert state(store, node.pk) != "killed" and squeue_lists(slurm_cluster, job_id)

    await asyncio.to_thread(restartable_sshd.start)
    done = await asyncio.wait_for(engine.wait_terminated(node.pk), 60)
    assert done.process_state.value == "killed"
    assert not squeue_lists(slurm_cluster, job_id)


async def test_force_kill_while_sshd_is_down_records_an_orphan_that_orphans_cancel_clears(
        store: Store, slurm_cluster: SlurmCluster, restartable_sshd: RestartableSshd, service: Service,
        tmp_path: Path) -> None:
    ssh_slurm_computer(slurm_cluster, restartable_sshd, tmp_path)
    async with Engine(store, claim_interval=0.2, control_interval=0.2) as engine:
        node, job_id = await submit_running_ssh_job(engine, store, slurm_cluster)
        await asyncio.to_thread(restartable_sshd.stop)

        started = time.monotonic()
        result = await asyncio.to_thread(service.kill_processes, [node.pk], force=True)
        assert time.monotonic() - started < 8
        assert state(store, node.pk) == "killed"
        assert f"remote job {job_id} may still run: see `provtop process orphans`" in result.message
    orphans = service.list_orphans()
    assert [(o.computer, o.job_id, o.pk) for o in orphans] == [("remote-slurm", job_id, node.pk)]
    assert service.count_orphans() == 1 and squeue_lists(slurm_cluster, job_id)

    await asyncio.to_thread(restartable_sshd.start)
    outcome = await asyncio.to_thread(service.cancel_orphans)

    assert [o.job_id for o in outcome.cancelled] == [job_id], outcome.message
    assert not squeue_lists(slurm_cluster, job_id)
    assert service.list_orphans() == []


async def test_a_second_kill_replaces_the_first_and_uses_its_backoff_settings(
        store: Store, engine: Engine, slurm_cluster: SlurmCluster, restartable_sshd: RestartableSshd,
        service: Service, tmp_path: Path) -> None:
    ssh_slurm_computer(slurm_cluster, restartable_sshd, tmp_path)
    node, job_id = await submit_running_ssh_job(engine, store, slurm_cluster)
    await asyncio.to_thread(restartable_sshd.stop)
    slow = RetryPolicy(initial_interval=60, max_attempts=5)
    await asyncio.to_thread(service.kill_processes, [node.pk], timeout=2, policy=slow)

    quick = RetryPolicy(initial_interval=0.2, max_attempts=100)
    await asyncio.to_thread(service.kill_processes, [node.pk], timeout=0, policy=quick)

    with store.reading() as session:
        statuses = dict(session.execute(select(ProcessControlRow.status, func.count())
                                        .where(ProcessControlRow.node_id == node.pk)
                                        .group_by(ProcessControlRow.status)).all())
    assert statuses == {"pending": 1, "superseded": 1}
    await asyncio.to_thread(restartable_sshd.start)
    done = await asyncio.wait_for(engine.wait_terminated(node.pk), 30)  # far sooner than the first kill's 60 s
    assert done.process_state.value == "killed"
    assert not squeue_lists(slurm_cluster, job_id)
