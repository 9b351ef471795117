"""A job the scheduler stopped (out of memory, out of walltime, node failure) ends with AiiDA's exit codes."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from provtop.backend.engine.engine import Engine
from provtop.backend.entities import Computer, FolderData
from provtop.backend.processes import ShellJob
from provtop.backend.processes.spec import ExitCode
from provtop.backend.schedulers import DirectScheduler, JobFailure, JobInfo, JobState, SlurmScheduler
from provtop.backend.schedulers.slurm import failure_of, parse_sacct
from provtop.transports import Transport

SCONTROL_OOM = """JobId=812 JobName=aiida-42
   UserId=me(1000) GroupId=me(1000) MCS_label=N/A
   Priority=1 Nice=0 Account=(null) QOS=(null)
   JobState=OUT_OF_MEMORY Reason=OutOfMemory Dependency=(null)
   Requeue=0 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:125
   RunTime=00:00:03 TimeLimit=00:10:00 TimeMin=N/A
"""
SCONTROL_TIMEOUT = SCONTROL_OOM.replace("JobState=OUT_OF_MEMORY Reason=OutOfMemory", "JobState=TIMEOUT Reason=TimeLimit")

# `sacct --noheader --parsable2 --format=JobIDRaw,State,ExitCode` as SLURM prints it: the job's own
# line, then its steps. The fixture's SLURM has no slurmdbd, so these are written in that format.
SACCT_FAILED_BATCH_OOM = "812|FAILED|0:125\n812.batch|OUT_OF_MEMORY|0:125\n812.extern|COMPLETED|0:0\n"
SACCT_COMPLETED_STEP_OOM = "813|COMPLETED|0:0\n813.batch|COMPLETED|0:0\n813.extern|COMPLETED|0:0\n813.0|OUT_OF_MEMORY|0:125\n"
SACCT_TIMEOUT_BATCH_OOM = "814|TIMEOUT|0:0\n814.batch|OUT_OF_MEMORY|0:125\n814.extern|COMPLETED|0:0\n"
SACCT_CANCELLED = "815|CANCELLED by 0|0:0\n815.batch|CANCELLED|0:15\n815.extern|COMPLETED|0:0\n"
SACCT_OTHER_JOB_OOM = "8120|OUT_OF_MEMORY|0:125\n8120.batch|OUT_OF_MEMORY|0:125\n816|COMPLETED|0:0\n816.batch|COMPLETED|0:0\n"


class ShellJobSureOfItsResult(ShellJob):
    """Says success explicitly when its command succeeded, overruling what the scheduler reported."""

    def parse(self, retrieved: FolderData) -> ExitCode | None:  # type: ignore[override]
        result = super().parse(retrieved)
        return ExitCode() if result is None and self.command_exit_status == 0 else result


class CannedSlurm(SlurmScheduler):
    """SlurmScheduler whose commands answer with fixed text, keyed by the command's name."""

    def __init__(self, answers: dict[str, tuple[int, str, str]]) -> None:
        super().__init__()
        self.answers = answers
        self.calls: list[str] = []

    async def run(self, transport: Transport, argv: Sequence[str]) -> tuple[int, str, str]:
        self.calls.append(argv[0])
        return self.answers.get(argv[0], (1, "", "slurm_load_jobs error: Invalid job id specified"))


@pytest.mark.parametrize(("raw", "failure"), [
    ("OOM", JobFailure.OUT_OF_MEMORY), ("OUT_OF_MEMORY", JobFailure.OUT_OF_MEMORY),
    ("OUT_OF_MEMORY+", JobFailure.OUT_OF_MEMORY), ("TO", JobFailure.OUT_OF_WALLTIME),
    ("TIMEOUT", JobFailure.OUT_OF_WALLTIME), ("NF", JobFailure.NODE_FAILURE), ("NODE_FAIL", JobFailure.NODE_FAILURE),
    ("CD", None), ("COMPLETED", None), ("F", None), ("CANCELLED by 0", None), ("R", None), ("PD", None),
])
def test_slurm_end_states_say_whether_slurm_stopped_the_job(raw: str, failure: JobFailure | None) -> None:
    assert failure_of(raw) is failure


async def test_squeue_lines_of_stopped_jobs_carry_the_failure() -> None:
    squeue = "701|OOM|OutOfMemory\n702|TO|TimeLimit\n703|CD|None\n704|R|None\n"
    infos = await CannedSlurm({"squeue": (0, squeue, "")}).poll(None, ["701", "702", "703", "704"])  # type: ignore[arg-type]
    assert {job: info.failure for job, info in infos.items()} == {
        "701": JobFailure.OUT_OF_MEMORY, "702": JobFailure.OUT_OF_WALLTIME, "703": None, "704": None,
    }
    assert infos["701"].state is JobState.DONE and infos["704"].state is JobState.RUNNING


@pytest.mark.parametrize(("text", "failure"), [
    (SCONTROL_OOM, JobFailure.OUT_OF_MEMORY), (SCONTROL_TIMEOUT, JobFailure.OUT_OF_WALLTIME),
])
async def test_a_job_gone_from_squeue_gets_its_failure_from_scontrol(text: str, failure: JobFailure) -> None:
    slurm = CannedSlurm({"squeue": (0, "", ""), "scontrol": (0, text, "")})
    info = (await slurm.poll(None, ["812"]))["812"]  # type: ignore[arg-type]
    assert (info.state, info.failure, info.exit_code) == (JobState.DONE, failure, "0:125")


async def test_a_job_only_sacct_remembers_gets_its_failure_from_sacct() -> None:
    slurm = CannedSlurm({"squeue": (0, "", ""), "sacct": (0, "812|OUT_OF_MEMORY|0:125\n", "")})
    info = (await slurm.poll(None, ["812"]))["812"]  # type: ignore[arg-type]
    assert (info.state, info.failure) == (JobState.DONE, JobFailure.OUT_OF_MEMORY)


@pytest.mark.parametrize(("text", "job", "failure"), [
    (SACCT_FAILED_BATCH_OOM, "812", JobFailure.OUT_OF_MEMORY),
    (SACCT_COMPLETED_STEP_OOM, "813", JobFailure.OUT_OF_MEMORY),
    (SACCT_TIMEOUT_BATCH_OOM, "814", JobFailure.OUT_OF_WALLTIME),  # the job's own end comes first
    (SACCT_CANCELLED, "815", None),
    (SACCT_OTHER_JOB_OOM, "816", None),  # 8120's steps are not 816's, nor 812's
])
def test_sacct_steps_tell_an_out_of_memory_end_the_job_line_does_not(text: str, job: str,
                                                                      failure: JobFailure | None) -> None:
    info = parse_sacct(text, [job])[job]
    assert (info.state, info.failure) == (JobState.DONE, failure)


@pytest.mark.parametrize("squeue_state", ["F", "CD"])
async def test_a_job_squeue_lists_as_ended_whose_batch_step_ran_out_of_memory_ran_out_of_memory(
    squeue_state: str,
) -> None:
    text = SACCT_FAILED_BATCH_OOM if squeue_state == "F" else SACCT_FAILED_BATCH_OOM.replace("|FAILED|", "|COMPLETED|")
    slurm = CannedSlurm({"squeue": (0, f"812|{squeue_state}|NonZeroExitCode\n", ""), "sacct": (0, text, "")})
    info = (await slurm.poll(None, ["812"]))["812"]  # type: ignore[arg-type]
    assert (info.state, info.failure) == (JobState.DONE, JobFailure.OUT_OF_MEMORY)
    assert "812.batch OUT_OF_MEMORY" in info.raw_state


async def test_a_job_scontrol_shows_as_completed_is_checked_with_sacct_too() -> None:
    completed = SCONTROL_OOM.replace("JobState=OUT_OF_MEMORY Reason=OutOfMemory", "JobState=COMPLETED Reason=None")
    slurm = CannedSlurm({"squeue": (0, "", ""), "scontrol": (0, completed, ""),
                         "sacct": (0, SACCT_FAILED_BATCH_OOM.replace("|FAILED|", "|COMPLETED|"), "")})
    info = (await slurm.poll(None, ["812"]))["812"]  # type: ignore[arg-type]
    assert info.failure is JobFailure.OUT_OF_MEMORY


async def test_without_accounting_sacct_is_asked_once_and_ended_jobs_stay_as_squeue_said() -> None:
    # Text and exit code as SLURM 22.05's sacct answers on a cluster without slurmdbd.
    slurm = CannedSlurm({"squeue": (0, "901|CD|None\n", ""), "sacct": (1, "", "Slurm accounting storage is disabled")})
    first = await slurm.poll(None, ["901"])  # type: ignore[arg-type]
    second = await slurm.poll(None, ["901"])  # type: ignore[arg-type]
    assert first["901"].failure is None and second["901"].failure is None
    assert slurm.calls == ["squeue", "sacct", "squeue"]


async def test_a_running_job_is_not_asked_of_sacct() -> None:
    slurm = CannedSlurm({"squeue": (0, "902|R|None\n", ""), "sacct": (0, SACCT_FAILED_BATCH_OOM, "")})
    await slurm.poll(None, ["902"])  # type: ignore[arg-type]
    assert slurm.calls == ["squeue"]


@pytest.mark.parametrize(("failure", "status"), [
    (JobFailure.OUT_OF_MEMORY, 110), (JobFailure.OUT_OF_WALLTIME, 120), (JobFailure.NODE_FAILURE, 140),
])
async def test_a_calc_job_the_scheduler_stopped_finishes_with_the_matching_exit_code(
    engine: Engine, localhost: Computer, monkeypatch: pytest.MonkeyPatch, failure: JobFailure, status: int
) -> None:
    real_poll = DirectScheduler.poll

    async def poll_reporting_the_failure(self: DirectScheduler, transport: Transport, ids: Sequence[str]) -> dict[str, JobInfo]:
        infos = await real_poll(self, transport, ids)
        return {job: info.model_copy(update={"failure": failure}) if info.state is JobState.DONE else info
                for job, info in infos.items()}

    monkeypatch.setattr(DirectScheduler, "poll", poll_reporting_the_failure)
    node = await engine.submit(ShellJob, command="kill -9 $$", metadata={"computer": "localhost"})
    done = await engine.wait_terminated(node.pk)
    assert done.exit_status == status, done.attributes
    assert done.attributes["scheduler_failure"] == failure.value


async def test_an_exit_code_the_parser_returns_takes_precedence_over_the_scheduler_one(
    engine: Engine, localhost: Computer, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_poll = DirectScheduler.poll

    async def poll_reporting_a_timeout(self: DirectScheduler, transport: Transport, ids: Sequence[str]) -> dict[str, JobInfo]:
        infos = await real_poll(self, transport, ids)
        return {job: info.model_copy(update={"failure": JobFailure.OUT_OF_WALLTIME}) for job, info in infos.items()}

    monkeypatch.setattr(DirectScheduler, "poll", poll_reporting_a_timeout)
    plain = await engine.submit(ShellJob, command="echo finished anyway", metadata={"computer": "localhost"})
    sure = await engine.submit(ShellJobSureOfItsResult, command="echo finished anyway", metadata={"computer": "localhost"})
    assert (await engine.wait_terminated(plain.pk)).exit_status == 120  # parse returned None: the scheduler's stands
    done = await engine.wait_terminated(sure.pk)
    assert done.is_finished_ok, done.attributes
