"""Schedulers: how jobs are submitted, polled and cancelled on a computer (direct, slurm)."""

from __future__ import annotations

from typing import Any

from ..errors import InputError
from .base import JobFailure, JobInfo, JobResources, JobState, JobTemplate, Scheduler, SchedulerError, SubmitRejected
from .direct import DirectScheduler
from .slurm import SlurmScheduler

SCHEDULERS: dict[str, type[Scheduler]] = {"direct": DirectScheduler, "slurm": SlurmScheduler}


def scheduler_for(name: str, settings: dict[str, Any] | None = None) -> Scheduler:
    try:
        return SCHEDULERS[name](settings)
    except KeyError:
        raise InputError(f"unknown scheduler '{name}'; choose one of {', '.join(SCHEDULERS)}") from None


__all__ = [
    "DirectScheduler",
    "JobFailure",
    "JobInfo",
    "JobResources",
    "JobState",
    "JobTemplate",
    "Scheduler",
    "SchedulerError",
    "SlurmScheduler",
    "SubmitRejected",
    "scheduler_for",
]
