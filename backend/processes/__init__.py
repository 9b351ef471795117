"""Processes a user writes: calc jobs (a class), ShellJob, calc functions and workflows."""

from __future__ import annotations

from .calcfunction import calcfunction
from .calcjob import CalcJob, CalcJobOptions, JobSpec, LocalCopy, ProcessMetadata, RemoteCopy, StashOptions
from .launch import submit
from .shelljob import ShellJob
from .stash import StashCalculation
from .spec import ExitCode, Port, ProcessInputs, ProcessSpec
from .workflow import ChildResult, WorkflowContext, workflow

__all__ = [
    "CalcJob",
    "CalcJobOptions",
    "ChildResult",
    "ExitCode",
    "JobSpec",
    "LocalCopy",
    "Port",
    "ProcessInputs",
    "ProcessMetadata",
    "ProcessSpec",
    "RemoteCopy",
    "ShellJob",
    "StashCalculation",
    "StashOptions",
    "WorkflowContext",
    "calcfunction",
    "submit",
    "workflow",
]
