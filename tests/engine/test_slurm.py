"""The slurm scheduler against a real single-node SLURM: scripts, one squeue per poll, fallbacks."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import stat
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from provtop.backend.engine.engine import Engine
from provtop.backend.entities import Computer, Int, LinkType, load_node
from provtop.backend.processes import ShellJob, submit
from provtop.backend.schedulers import JobResources, JobState, JobTemplate, SlurmScheduler
from provtop.backend.store.store import Store
from provtop.transports import transport_for

from tests.fixtures.services import SlurmCluster

from .conftest import engine_is_up, wait_until
from .processes_for_tests import AddJob

CLIENTS = ("sbatch", "squeue", "scontrol", "scancel", "sacct")


class ClientCalls:
    """The SLURM client calls logged by the wrappers in `bin_dir`."""

    def __init__(self, bin_dir: Path, log: Path) -> None:
        self.bin_dir, self.log = bin_dir, log

    def lines(self, name: str) -> list[str]:
        entries = self.log.read_text().splitlines() if self.log.exists() else []
        return [line.split(" ", 1)[-1] for line in entries if line.split()[0] == name]

    def count(self, name: str) -> int:
        return len(self.lines(name))


@pytest.fixture
def client_calls(tmp_path: Path) -> ClientCalls:
    """A PATH directory whose SLURM clients log each call (and sbatch its answer) before running the real one."""
    bin_dir, log = tmp_path / "bin", tmp_path / "calls.log"
    bin_dir.mkdir()
    for name in CLIENTS:
        wrapper = bin_dir / name
        wrapper.write_text(
            f'#!/bin/sh\necho "{name} $*" >> {log}\nout=$(/usr/bin/{name} "$@"); rc=$?\n'
            f'[ -n "$out" ] && echo "$out"\n[ "{name}" = sbatch ] && echo "submitted $out" >> {log}\nexit $rc\n'
        )
        wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return ClientCalls(bin_dir, log)


@pytest.fixture
def accounting_says_out_of_memory(tmp_path: Path) -> Path:
    """A PATH directory whose `sacct` answers, in sacct's format, that each job's `.batch` step ran out of memory.

    The fixture's SLURM has no slurmdbd, so the real sacct cannot say it; sbatch and squeue stay real.
    """
    bin_dir = tmp_path / "accounting-bin"
    bin_dir.mkdir()
    sacct = bin_dir / "sacct"
    sacct.write_text(
        '#!/bin/sh\nfor arg in "$@"; do case "$arg" in --jobs=*) ids="${arg#--jobs=}";; esac; done\n'
        'for id in $(echo "$ids" | tr , " "); do\n'
        '  printf "%s|COMPLETED|0:0\\n%s.batch|OUT_OF_MEMORY|0:125\\n%s.extern|COMPLETED|0:0\\n" "$id" "$id" "$id"\n'
        'done\n'
    )
    sacct.chmod(sacct.stat().st_mode | stat.S_IXUSR)
    return bin_dir


def slurm_computer(cluster: SlurmCluster, tmp_path: Path, bin_dir: Path | None = None, label: str = "slurm") -> Computer:
    env = dict(cluster.env)
    if bin_dir is not None:
        env["PATH"] = f"{bin_dir}:{os.environ['PATH']}"
    workdir = cluster.workdir / tmp_path.name
    return Computer(label, "localhost", transport_type="local", scheduler_type="slurm", workdir=str(workdir),
                    scheduler_settings={"env": env, "poll_interval": 0.5}).store()


def test_script_header_holds_every_resource_and_zero_memory() -> None:
    script = SlurmScheduler().script(JobTemplate(job_name="provtop 7", body="echo hi", resources=JobResources(
        num_machines=2, tasks_per_machine=4, cpus_per_task=3, wallclock_seconds=90061, memory_mb=0,
        account="proj", partition="debug", qos="high", extra_lines=["#SBATCH --exclusive"],
    )))
    for line in ("--job-name=provtop_7", "--nodes=2", "--ntasks-per-node=4", "--cpus-per-task=3",
                 "--time=1-01:01:01", "--mem=0", "--account=proj", "--partition=debug", "--qos=high", "--exclusive"):
        assert f"#SBATCH {line}" in script
    assert script.rstrip().endswith("echo hi")


async def test_forgotten_job_is_looked_up_with_scontrol_then_counted_as_done(slurm_cluster: SlurmCluster) -> None:
    scheduler = SlurmScheduler({"env": slurm_cluster.env})
    async with transport_for("local", {"label": "slurm"}) as transport:
        states = await scheduler.poll(transport, ["99999998"])
    assert states["99999998"].state is JobState.DONE
    assert "gone" in states["99999998"].raw_state


async def test_calcjob_runs_on_slurm_with_one_squeue_per_poll_for_all_jobs(
    store: Store, engine: Engine, slurm_cluster: SlurmCluster, tmp_path: Path,
    client_calls: ClientCalls,
) -> None:
    slurm_computer(slurm_cluster, tmp_path, client_calls.bin_dir)
    options = {"resources": {"partition": slurm_cluster.partition, "wallclock_seconds": 60, "memory_mb": 100}}
    nodes = [await engine.submit(AddJob, x=Int(i), y=Int(100), metadata={"computer": "slurm", "options": options})
             for i in range(4)]
    done = await asyncio.wait_for(asyncio.gather(*(engine.wait_terminated(n.pk) for n in nodes)), 120)
    for i, node in enumerate(done):
        assert node.is_finished_ok, node.attributes
        assert {t.label: t.node for t in node.get_outgoing(LinkType.CREATE)}["sum"].value == 100 + i
        assert node.get_attribute("scheduler_state") == "done"
    assert client_calls.count("sbatch") == 4
    assert 0 < client_calls.count("squeue") <= engine.poller.polls


async def test_a_job_whose_batch_step_ran_out_of_memory_finishes_with_exit_status_110(
    store: Store, engine: Engine, slurm_cluster: SlurmCluster, tmp_path: Path, accounting_says_out_of_memory: Path,
) -> None:
    slurm_computer(slurm_cluster, tmp_path, accounting_says_out_of_memory)
    options = {"resources": {"partition": slurm_cluster.partition, "memory_mb": 100}}
    node = await engine.submit(ShellJob, command="echo the script itself ended well",
                               metadata={"computer": "slurm", "options": options})
    done = await asyncio.wait_for(engine.wait_terminated(node.pk), 120)
    assert done.exit_status == 110, done.attributes
    assert done.get_attribute("scheduler_failure") == "out_of_memory"
    assert "OUT_OF_MEMORY" in done.get_attribute("scheduler_raw_state")


async def test_without_accounting_jobs_finish_and_sacct_is_asked_once(
    store: Store, engine: Engine, slurm_cluster: SlurmCluster, tmp_path: Path, client_calls: ClientCalls,
) -> None:
    slurm_computer(slurm_cluster, tmp_path, client_calls.bin_dir)
    options = {"resources": {"partition": slurm_cluster.partition, "memory_mb": 100}}
    for i in range(2):  # one after the other: each end is seen by a poll of its own
        node = await engine.submit(AddJob, x=Int(i), y=Int(1), metadata={"computer": "slurm", "options": options})
        done = await asyncio.wait_for(engine.wait_terminated(node.pk), 120)
        assert done.is_finished_ok, done.attributes
    assert client_calls.count("sacct") == 1  # "Slurm accounting storage is disabled": not asked again


async def test_pending_reason_is_kept_on_the_node(store: Store, engine: Engine, slurm_cluster: SlurmCluster,
                                                  tmp_path: Path) -> None:
    slurm_computer(slurm_cluster, tmp_path)
    options = {"resources": {"extra_lines": ["#SBATCH --begin=now+600"]}}
    reasons: asyncio.Queue[str] = asyncio.Queue()
    engine.events.subscribe(lambda e: reasons.put_nowait(e.status or ""))
    node = await engine.submit(AddJob, x=Int(1), y=Int(1), metadata={"computer": "slurm", "options": options})
    while "BeginTime" not in (await asyncio.wait_for(reasons.get(), 30)):
        pass
    fresh = await engine.io.read(lambda: load_node(node.pk, store))
    assert fresh.get_attribute("scheduler_pending_reason") == "BeginTime"
    assert fresh.get_attribute("scheduler_state") == "queued"
    scancel = await asyncio.create_subprocess_exec("scancel", fresh.get_attribute("job_id"),
                                                   env={**os.environ, **slurm_cluster.env})
    await scancel.wait()
    ended = await asyncio.wait_for(engine.wait_terminated(node.pk), 60)
    assert ended.exit_status == 300  # the parser found no sum: the job never ran


def test_sigkilled_engine_submits_every_slurm_job_exactly_once(
    store: Store, slurm_cluster: SlurmCluster, tmp_path: Path,
    client_calls: ClientCalls, engine_process: Callable[[], subprocess.Popen[bytes]],
) -> None:
    slurm_computer(slurm_cluster, tmp_path, client_calls.bin_dir)
    runs = tmp_path / "runs.log"
    options = {"resources": {"partition": slurm_cluster.partition, "memory_mb": 100}}
    pks = [
        submit(ShellJob, command=f"echo job-{i} >> {runs}; sleep 1; echo {i}",
               metadata={"computer": "slurm", "options": options}).pk
        for i in range(20)
    ]
    chance = random.Random(20)
    for _ in range(20):
        engine = engine_process()
        time.sleep(chance.uniform(0.3, 2.0))
        engine.send_signal(signal.SIGKILL)
        engine.wait()
    final = engine_process()
    assert wait_until(lambda: all(load_node(pk, store).is_terminated for pk in pks), timeout=180)
    assert wait_until(lambda: engine_is_up(store, final), timeout=30)
    final.send_signal(signal.SIGTERM)
    assert final.wait(timeout=30) == 0

    nodes = [load_node(pk, store) for pk in pks]
    for i, node in enumerate(nodes):
        assert node.is_finished_ok, node.attributes
        assert {t.label: t.node for t in node.get_outgoing(LinkType.CREATE)}["stdout"].get_content() == f"{i}\n".encode()
    assert Counter(runs.read_text().split()) == Counter(f"job-{i}" for i in range(20))
    assert client_calls.count("sbatch") == 20
    submitted = {line.split()[-1] for line in client_calls.lines("submitted")}
    assert submitted == {node.get_attribute("job_id") for node in nodes}
