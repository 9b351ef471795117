"""What every scheduler does: write a job script, submit it exactly once, poll many jobs, cancel one.

Submission goes through a guard on the remote file system: the first attempt creates a lock
directory in the job's working directory and records the scheduler's answer there; any later
attempt (a retry, or an engine restarted after a crash) reads that answer instead of submitting
again. So a job is handed to the scheduler once, whatever fails around it.
"""

from __future__ import annotations

import abc
import shlex
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from provtop.transports import Transport
from pydantic import BaseModel, ConfigDict, Field

from ..errors import ProvtopError, RemoteError

STDOUT_NAME = "_scheduler-stdout.txt"
STDERR_NAME = "_scheduler-stderr.txt"
SUBMIT_GUARD = ".provtop_submit"
GUARD_WAIT_SECONDS = 60


class SchedulerError(RemoteError):
    """A scheduler command failed in a way that may pass (controller busy, connection); retried."""


class SubmitRejected(ProvtopError):
    """The scheduler refused the job for a reason retrying cannot fix (bad account, partition, ...)."""


class JobState(StrEnum):
    QUEUED = "queued"
    QUEUED_HELD = "queued_held"
    RUNNING = "running"
    SUSPENDED = "suspended"
    DONE = "done"
    UNDETERMINED = "undetermined"


class JobFailure(StrEnum):
    """Why the scheduler ended a job early, when it says so; the calc job turns it into an exit code."""

    OUT_OF_MEMORY = "out_of_memory"
    OUT_OF_WALLTIME = "out_of_walltime"
    NODE_FAILURE = "node_failure"


class JobResources(BaseModel):
    """What a job asks for; `memory_mb=0` means the whole node's memory (SLURM `--mem=0`)."""

    model_config = ConfigDict(extra="forbid")

    num_machines: int = Field(default=1, ge=1)
    tasks_per_machine: int = Field(default=1, ge=1)
    cpus_per_task: int = Field(default=1, ge=1)
    wallclock_seconds: int | None = Field(default=None, ge=1)
    memory_mb: int | None = Field(default=None, ge=0)
    account: str | None = None
    partition: str | None = None
    qos: str | None = None
    extra_lines: list[str] = Field(default_factory=list, description="Verbatim lines for the script header.")


class JobTemplate(BaseModel):
    job_name: str
    body: str = Field(description="Shell text that runs the calculation, after the header.")
    resources: JobResources = Field(default_factory=JobResources)


class JobInfo(BaseModel):
    job_id: str
    state: JobState
    raw_state: str = ""
    reason: str | None = Field(default=None, description="Why a queued job waits (SLURM's pending reason).")
    exit_code: str | None = None
    failure: JobFailure | None = Field(default=None, description="Set when the scheduler ended the job early.")


class Scheduler(abc.ABC):
    """Base of the schedulers; `settings` come from the computer (`env` for every command)."""

    name: str = ""

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        self.settings = dict(settings or {})
        self.env: dict[str, str] = {str(k): str(v) for k, v in self.settings.get("env", {}).items()}

    default_poll_interval: float = 10.0
    default_first_poll_delay: float | None = None

    @property
    def poll_interval(self) -> float:
        """Seconds between two polls of this computer (setting `poll_interval`)."""
        return float(self.settings.get("poll_interval", self.default_poll_interval))

    @property
    def first_poll_delay(self) -> float:
        """How soon after a new job's submission its computer is polled (setting `first_poll_delay`).

        Equal to the poll interval unless a scheduler is cheap to ask: SLURM keeps one squeue per interval.
        """
        default = self.default_first_poll_delay if self.default_first_poll_delay is not None else self.poll_interval
        return min(float(self.settings.get("first_poll_delay", default)), self.poll_interval)

    def script(self, template: JobTemplate) -> str:
        header = "\n".join(self.header_lines(template))
        return f"#!/bin/bash\n{header}\n\n{template.body}\n"

    @abc.abstractmethod
    def header_lines(self, template: JobTemplate) -> list[str]: ...

    @abc.abstractmethod
    def submit_command(self, script_name: str) -> str:
        """Shell text, run in the working directory, that submits and prints the scheduler's answer."""

    @abc.abstractmethod
    def parse_submit(self, exit_code: int, stdout: str, stderr: str) -> str:
        """The job id from the submission's output; SubmitRejected or SchedulerError otherwise."""

    @abc.abstractmethod
    async def poll(self, transport: Transport, job_ids: Sequence[str]) -> dict[str, JobInfo]:
        """The state of each job (every id gets an answer; a job the scheduler forgot is DONE)."""

    @abc.abstractmethod
    async def kill(self, transport: Transport, job_id: str) -> None:
        """Cancel a job; a job that already finished counts as cancelled."""

    async def submit(self, transport: Transport, workdir: str, script_name: str) -> str:
        """Submit once (see the module docstring) and return the job id."""
        result = await transport.exec(guarded_submit(self.submit_command(script_name)), env=self.env, cwd=workdir)
        return self.submission_answer(workdir, result.exit_code, result.stdout, result.stderr)

    async def submit_many(self, transport: Transport, jobs: Sequence[tuple[str, str]]) -> list[str | Exception]:
        """Submit several jobs (working directory, script name) with one command; an answer or error each."""
        script = batch_submit([(workdir, guarded_submit(self.submit_command(name))) for workdir, name in jobs])
        result = await transport.exec(script, env=self.env)
        answers = parse_batch(result.stdout, len(jobs))
        if answers is None:
            raise SchedulerError(f"submitting {len(jobs)} job(s) failed (exit {result.exit_code}): "
                                 f"{result.stderr.strip() or 'no answer'}")
        outcomes: list[str | Exception] = []
        for (workdir, _), (code, stdout, stderr) in zip(jobs, answers, strict=True):
            try:
                outcomes.append(self.submission_answer(workdir, code, stdout, stderr))
            except Exception as exc:  # each job gets its own error
                outcomes.append(exc)
        return outcomes

    def submission_answer(self, workdir: str, exit_code: int, stdout: str, stderr: str) -> str:
        if exit_code == 75:
            raise SchedulerError(
                f"a submission of {workdir} started earlier and its answer never arrived; "
                f"look at {workdir}/{SUBMIT_GUARD} and remove it to submit again"
            )
        return self.parse_submit(exit_code, stdout, stderr)

    async def run(self, transport: Transport, argv: Sequence[str]) -> tuple[int, str, str]:
        result = await transport.exec(list(argv), env=self.env)
        return result.exit_code, result.stdout, result.stderr


def guarded_submit(command: str) -> str:
    """Shell text that runs `command` only if no earlier attempt did, and prints its answer either way.

    A failed submission (non-zero exit) removes the guard after reporting, so a retry submits again.
    """
    guard = shlex.quote(SUBMIT_GUARD)
    steps = int(GUARD_WAIT_SECONDS / 0.1)
    return (
        f"if mkdir {guard} 2>/dev/null; then "
        f"( {command} ) > {guard}/out 2> {guard}/err < /dev/null; "
        f"echo $? > {guard}/rc.tmp && mv {guard}/rc.tmp {guard}/rc; fi; "
        f"i=0; while [ ! -e {guard}/rc ] && [ $i -lt {steps} ]; do sleep 0.1; i=$((i+1)); done; "
        f"[ -e {guard}/rc ] || exit 75; "
        f"cat {guard}/out; cat {guard}/err >&2; rc=$(cat {guard}/rc); "
        f"[ \"$rc\" = 0 ] || rm -rf {guard}; exit $rc"
    )


BATCH_MARK = "@@provtop-submit"


def batch_submit(jobs: Sequence[tuple[str, str]]) -> str:
    """Shell text that runs each (working directory, command) in turn and prints every answer marked."""
    lines = ['T=$(mktemp -d) || exit 1']
    for index, (workdir, command) in enumerate(jobs):
        lines.append(f"( cd {shlex.quote(workdir)} || exit 1; {command} ) > $T/{index}.out 2> $T/{index}.err < /dev/null; "
                     f"echo $? > $T/{index}.rc")
    lines.append(
        f"i=0; while [ $i -lt {len(jobs)} ]; do printf '{BATCH_MARK} %s %s\\n' $i \"$(cat $T/$i.rc)\"; cat $T/$i.out; "
        f"printf '\\n{BATCH_MARK}-err\\n'; cat $T/$i.err; printf '\\n'; i=$((i+1)); done; rm -rf $T"
    )
    return "\n".join(lines)


def parse_batch(output: str, count: int) -> list[tuple[int, str, str]] | None:
    """(exit code, stdout, stderr) of each job of `batch_submit`'s output; None if it is incomplete."""
    answers: list[tuple[int, str, str]] = []
    current: tuple[int, list[str], list[str]] | None = None
    target: list[str] = []
    for line in output.splitlines():
        if line.startswith(BATCH_MARK + " "):
            if current is not None:
                answers.append((current[0], "\n".join(current[1]).strip(), "\n".join(current[2]).strip()))
            parts = line.split()
            code = int(parts[2]) if len(parts) > 2 and parts[2].lstrip("-").isdigit() else 1
            current = (code, [], [])
            target = current[1]
        elif line == BATCH_MARK + "-err" and current is not None:
            target = current[2]
        elif current is not None:
            target.append(line)
    if current is not None:
        answers.append((current[0], "\n".join(current[1]).strip(), "\n".join(current[2]).strip()))
    return answers if len(answers) == count else None
