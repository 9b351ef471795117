"""The `slurm` scheduler: sbatch scripts from the resources, one squeue for all jobs of a computer.

A job that left squeue is looked up with `scontrol show job`, then with `sacct` where accounting
exists; a job that none of them knows any more has finished (squeue and scontrol keep running
and pending jobs, so absence after both means the job ended, not that it is lost). A job that
ended with no failure on record is also asked of `sacct`, steps included: SLURM may list a job
as FAILED or COMPLETED whose `.batch` step ran out of memory.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from typing import Any

from provtop.transports import Transport

from .base import (
    STDERR_NAME,
    STDOUT_NAME,
    JobFailure,
    JobInfo,
    JobState,
    JobTemplate,
    Scheduler,
    SchedulerError,
    SubmitRejected,
)

# squeue's short codes and scontrol/sacct's long names; unknown codes are UNDETERMINED.
_STATES: dict[str, JobState] = {}
for _codes, _state in (
    (("PD", "PENDING", "CF", "CONFIGURING", "RQ", "REQUEUED", "RF", "REQUEUE_FED", "RS", "RESIZING"), JobState.QUEUED),
    (("RH", "REQUEUE_HOLD", "RD", "RESV_DEL_HOLD"), JobState.QUEUED_HELD),
    (("R", "RUNNING", "CG", "COMPLETING", "SO", "STAGE_OUT", "SI", "SIGNALING"), JobState.RUNNING),
    (("S", "SUSPENDED", "ST", "STOPPED"), JobState.SUSPENDED),
    (
        ("CD", "COMPLETED", "F", "FAILED", "CA", "CANCELLED", "TO", "TIMEOUT", "NF", "NODE_FAIL", "BF", "BOOT_FAIL",
         "DL", "DEADLINE", "OOM", "OUT_OF_MEMORY", "PR", "PREEMPTED", "RV", "REVOKED", "SE", "SPECIAL_EXIT"),
        JobState.DONE,
    ),
):
    for _code in _codes:
        _STATES[_code] = _state

# The end states that mean SLURM stopped the job, as AiiDA maps them (to exit codes 110, 120, 140).
_FAILURES: dict[str, JobFailure] = {
    "OOM": JobFailure.OUT_OF_MEMORY, "OUT_OF_MEMORY": JobFailure.OUT_OF_MEMORY,
    "TO": JobFailure.OUT_OF_WALLTIME, "TIMEOUT": JobFailure.OUT_OF_WALLTIME,
    "NF": JobFailure.NODE_FAILURE, "NODE_FAIL": JobFailure.NODE_FAILURE,
}

_PERMANENT = ("invalid account", "invalid partition", "invalid qos", "requested node configuration is not available",
              "memory specification can not be satisfied", "invalid feature", "batch job submission failed: invalid")
_NO_ACCOUNTING = "accounting storage is disabled"  # sacct's answer where there is no slurmdbd
_GONE = ("invalid job id", "job/step already completing or completed", "already completing", "already completed")
_SUBMITTED = re.compile(r"(?:Submitted batch job\s+)?(\d+)(?:;\S+)?\s*$")


def _key(raw: str) -> str:
    return raw.strip().split(" ")[0].rstrip("+").upper()


def state_of(raw: str) -> JobState:
    """Map a squeue code or a long state name (`CANCELLED by 0`, `CANCELLED+` too) to a JobState."""
    return _STATES.get(_key(raw), JobState.UNDETERMINED)


def failure_of(raw: str) -> JobFailure | None:
    """Whether the state (code or long name) says SLURM stopped the job: out of memory, walltime, node."""
    return _FAILURES.get(_key(raw))


def _job_info(job_id: str, raw: str, *, reason: str | None = None, exit_code: str | None = None) -> JobInfo:
    return JobInfo(job_id=job_id, state=state_of(raw), raw_state=raw, reason=reason, exit_code=exit_code,
                   failure=failure_of(raw))


def parse_sacct(text: str, job_ids: Sequence[str]) -> dict[str, JobInfo]:
    """Jobs from `sacct --noheader --parsable2 --format=JobIDRaw,State,ExitCode` output, steps included.

    The job's own line gives its state and exit code; a job whose line shows no failure but one of
    whose steps (`812.batch`, `812.0`) ran out of memory ran out of memory.
    """
    wanted = set(job_ids)
    jobs: dict[str, tuple[str, str]] = {}
    oom_steps: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.strip().split("|")
        if len(parts) != 3:
            continue
        job_id, _, step = parts[0].partition(".")
        if job_id not in wanted:
            continue
        if not step:
            jobs[job_id] = (parts[1], parts[2])
        elif failure_of(parts[1]) is JobFailure.OUT_OF_MEMORY:
            oom_steps.setdefault(job_id, parts[0])
    infos: dict[str, JobInfo] = {}
    for job_id, (raw, exit_code) in jobs.items():
        info = _job_info(job_id, raw, exit_code=exit_code)
        if info.state is JobState.DONE and info.failure is None and job_id in oom_steps:
            info = info.model_copy(update={"failure": JobFailure.OUT_OF_MEMORY,
                                           "raw_state": f"{raw} (step {oom_steps[job_id]} OUT_OF_MEMORY)"})
        infos[job_id] = info
    return infos


def _duration(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{days}-{hours:02d}:{minutes:02d}:{secs:02d}" if days else f"{hours:02d}:{minutes:02d}:{secs:02d}"


class SlurmScheduler(Scheduler):
    name = "slurm"

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        super().__init__(settings)
        self._no_accounting = False  # sacct said accounting storage is disabled

    def header_lines(self, template: JobTemplate) -> list[str]:
        r = template.resources
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", template.job_name)[:128] or "provtop"
        lines = [
            "#SBATCH --no-requeue",
            f"#SBATCH --job-name={name}",
            f"#SBATCH --output={STDOUT_NAME}",
            f"#SBATCH --error={STDERR_NAME}",
            f"#SBATCH --nodes={r.num_machines}",
            f"#SBATCH --ntasks-per-node={r.tasks_per_machine}",
            f"#SBATCH --cpus-per-task={r.cpus_per_task}",
        ]
        if r.wallclock_seconds:
            lines.append(f"#SBATCH --time={_duration(r.wallclock_seconds)}")
        if r.memory_mb is not None:
            lines.append(f"#SBATCH --mem={r.memory_mb}")  # 0 is meaningful: the whole node's memory
        for option, value in (("account", r.account), ("partition", r.partition), ("qos", r.qos)):
            if value:
                lines.append(f"#SBATCH --{option}={value}")
        lines.extend(r.extra_lines)
        return lines

    def submit_command(self, script_name: str) -> str:
        return f"sbatch --parsable {shlex.quote(script_name)}"

    def parse_submit(self, exit_code: int, stdout: str, stderr: str) -> str:
        text = stdout.strip().splitlines()
        match = _SUBMITTED.match(text[-1].strip()) if text else None
        if exit_code == 0 and match:
            return match.group(1)
        message = stderr.strip() or stdout.strip() or f"exit {exit_code}"
        if any(marker in message.lower() for marker in _PERMANENT):
            raise SubmitRejected(f"SLURM refused the job: {message}")
        raise SchedulerError(f"sbatch failed (exit {exit_code}): {message}")

    async def poll(self, transport: Transport, job_ids: Sequence[str]) -> dict[str, JobInfo]:
        ids = list(dict.fromkeys(job_ids))
        if not ids:
            return {}
        # Two ids at least, so that squeue answers 0 for a list with forgotten jobs (AiiDA's trick).
        listed = ids if len(ids) > 1 else ids * 2
        code, stdout, stderr = await self.run(
            transport, ["squeue", "--noheader", "--states=all", f"--jobs={','.join(listed)}", "--format=%i|%t|%r"]
        )
        found: dict[str, JobInfo] = {}
        if code == 0:
            for line in stdout.splitlines():
                parts = line.strip().split("|")
                if len(parts) == 3 and parts[0] in ids:
                    reason = parts[2] if parts[2] not in ("None", "(null)", "") else None
                    found[parts[0]] = _job_info(parts[0], parts[1], reason=reason)
        elif not any(marker in stderr.lower() for marker in _GONE):
            raise SchedulerError(f"squeue failed (exit {code}): {stderr.strip()}")
        for job_id in ids:
            if job_id not in found and (info := await self._scontrol(transport, job_id)) is not None:
                found[job_id] = info
        unsure = [job_id for job_id in ids if job_id not in found
                  or (found[job_id].state is JobState.DONE and found[job_id].failure is None)]
        accounted = await self._sacct(transport, unsure) if unsure else {}
        for job_id in unsure:
            info = accounted.get(job_id)
            if info is not None and (job_id not in found or info.failure is not None):
                found[job_id] = info
            elif job_id not in found:
                found[job_id] = JobInfo(job_id=job_id, state=JobState.DONE, raw_state="gone from squeue and scontrol")
        return found

    async def _scontrol(self, transport: Transport, job_id: str) -> JobInfo | None:
        """What `scontrol show job` says of a job squeue no longer lists; None if it forgot it too."""
        code, stdout, stderr = await self.run(transport, ["scontrol", "show", "job", job_id])
        if code == 0:
            fields = dict(re.findall(r"(\w+)=(\S*)", stdout))
            raw = fields.get("JobState", "")
            reason = fields.get("Reason")
            return _job_info(job_id, raw, reason=None if reason in (None, "None") else reason,
                             exit_code=fields.get("ExitCode"))
        if not any(marker in stderr.lower() for marker in _GONE):
            raise SchedulerError(f"scontrol show job {job_id} failed (exit {code}): {stderr.strip()}")
        return None

    async def _sacct(self, transport: Transport, job_ids: Sequence[str]) -> dict[str, JobInfo]:
        """What accounting knows of the jobs, steps included, in one call; nothing where there is no accounting."""
        if self._no_accounting:
            return {}
        code, stdout, stderr = await self.run(
            transport, ["sacct", "--noheader", "--parsable2", f"--jobs={','.join(job_ids)}",
                        "--format=JobIDRaw,State,ExitCode"]
        )
        if code != 0:
            # Without slurmdbd it never works: ask no more. Other failures (slurmdbd down) may pass.
            self._no_accounting = _NO_ACCOUNTING in stderr.lower()
            return {}
        return parse_sacct(stdout, job_ids)

    async def kill(self, transport: Transport, job_id: str) -> None:
        code, _, stderr = await self.run(transport, ["scancel", job_id])
        if code != 0 and not any(marker in stderr.lower() for marker in _GONE):
            raise SchedulerError(f"scancel {job_id} failed (exit {code}): {stderr.strip()}")
