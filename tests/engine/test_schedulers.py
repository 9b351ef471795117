"""Schedulers without a cluster: exactly-once submission, answers of sbatch, SLURM state names."""

from __future__ import annotations

from pathlib import Path

import pytest
from provtop.backend.schedulers import DirectScheduler, JobState, SchedulerError, SlurmScheduler, SubmitRejected
from provtop.backend.schedulers.slurm import state_of
from provtop.transports import transport_for


async def test_direct_submission_of_several_jobs_happens_once_each_whatever_is_retried(tmp_path: Path) -> None:
    jobs = []
    for index in range(3):
        workdir = tmp_path / f"job{index}"
        workdir.mkdir()
        (workdir / "job.sh").write_text(f"echo {index} >> {tmp_path / 'runs.log'}\n")
        jobs.append((str(workdir), "job.sh"))
    scheduler = DirectScheduler()
    async with transport_for("local", {"label": "here"}) as transport:
        first = await scheduler.submit_many(transport, [*jobs, (str(tmp_path / "missing"), "job.sh")])
        again = await scheduler.submit_many(transport, jobs)
        one = await scheduler.submit(transport, jobs[0][0], "job.sh")
        states = await scheduler.poll(transport, [str(pid) for pid in first[:3]])
    assert first[:3] == again and one == first[0]
    assert isinstance(first[3], SchedulerError) and "missing" in str(first[3])
    assert set(states) == set(first[:3])


@pytest.mark.parametrize("stdout", ["1234", "1234;cluster", "Submitted batch job 1234"])
def test_sbatch_answers_give_the_job_id(stdout: str) -> None:
    assert SlurmScheduler().parse_submit(0, stdout + "\n", "") == "1234"


def test_a_refused_account_is_not_retried_but_a_busy_controller_is() -> None:
    with pytest.raises(SubmitRejected, match="Invalid account"):
        SlurmScheduler().parse_submit(
            1, "", "sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified"
        )
    with pytest.raises(SchedulerError, match="Socket timed out"):
        SlurmScheduler().parse_submit(
            1, "", "sbatch: error: Batch job submission failed: Socket timed out on send/recv operation"
        )


@pytest.mark.parametrize(("raw", "state"), [
    ("PD", JobState.QUEUED), ("R", JobState.RUNNING), ("CG", JobState.RUNNING), ("CANCELLED by 0", JobState.DONE),
    ("CANCELLED+", JobState.DONE), ("OUT_OF_MEMORY", JobState.DONE), ("RH", JobState.QUEUED_HELD),
    ("S", JobState.SUSPENDED), ("SOMETHING_NEW", JobState.UNDETERMINED),
])
def test_slurm_state_names_map_to_job_states(raw: str, state: JobState) -> None:
    assert state_of(raw) is state
