"""Calc jobs: a class with an input spec, `prepare` (what to run) and `parse` (what came out).

    class Add(CalcJob):
        spec = ProcessSpec(inputs=[Port("x", (Int,)), Port("y", (Int,))], outputs=[Port("sum", (Int,))])

        def prepare(self, folder: Path, inputs: ProcessInputs) -> JobSpec:
            (folder / "in.txt").write_text(f"{inputs.x.value} {inputs.y.value}")
            return JobSpec(command="read a b < in.txt; echo $((a + b)) > out.txt", retrieve_list=["out.txt"])

        def parse(self, retrieved: FolderData) -> dict[str, Data] | ExitCode:
            return {"sum": Int(int(retrieved.get_object_content("out.txt")))}

The engine uploads, submits, polls, stashes, retrieves and parses; each step is saved first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..entities import CalcJobNode, Data, FolderData
from ..errors import NotExistent
from ..schedulers.base import JobFailure, JobResources
from .spec import (
    ERROR_SCHEDULER_NODE_FAILURE,
    ERROR_SCHEDULER_OUT_OF_MEMORY,
    ERROR_SCHEDULER_OUT_OF_WALLTIME,
    ExitCode,
    ProcessInputs,
    ProcessSpec,
)

EXIT_STATUS_FILE = "_provtop_exit_status"

SCHEDULER_EXIT_CODES: dict[JobFailure, ExitCode] = {
    JobFailure.OUT_OF_MEMORY: ERROR_SCHEDULER_OUT_OF_MEMORY,
    JobFailure.OUT_OF_WALLTIME: ERROR_SCHEDULER_OUT_OF_WALLTIME,
    JobFailure.NODE_FAILURE: ERROR_SCHEDULER_NODE_FAILURE,
}
"""The exit code a calc job ends with when the scheduler stopped its job, unless `parse` returns one."""

SUBMIT_SCRIPT = "_provtop_submit.sh"


class StashOptions(BaseModel):
    """`metadata.options.stash`: keep files after the job, outside its working directory."""

    model_config = ConfigDict(extra="forbid")

    stash_mode: Literal["copy", "tar", "tar.gz", "tar.bz2", "tar.xz"] = "copy"
    target_base: str
    source_list: list[str] = Field(default_factory=lambda: ["*"])
    dereference: bool = False

    @field_validator("target_base")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError(f"target_base must be an absolute path on the computer, not '{value}'")
        return value

    @field_validator("source_list")
    @classmethod
    def _relative(cls, value: list[str]) -> list[str]:
        for pattern in value:
            if pattern.startswith("/") or ".." in pattern.split("/"):
                raise ValueError(f"source_list entries are globs relative to the working directory, not '{pattern}'")
        return value


class CalcJobOptions(BaseModel):
    """`metadata.options`: resources, environment and text around the command."""

    model_config = ConfigDict(extra="forbid")

    resources: JobResources = Field(default_factory=JobResources)
    environment: dict[str, str] = Field(default_factory=dict)
    prepend_text: str = ""
    append_text: str = ""
    stash: StashOptions | None = None


class ProcessMetadata(BaseModel):
    """`metadata`: what every launch may say about the process besides its inputs."""

    model_config = ConfigDict(extra="forbid")

    label: str = ""
    description: str = ""
    computer: str | None = Field(default=None, description="Computer label; a `code` input implies its computer.")
    options: CalcJobOptions = Field(default_factory=CalcJobOptions)
    call_link_label: str = "CALL"


class LocalCopy(BaseModel):
    """Copy files of a stored node to the working directory (`source` '' = all of its files)."""

    node_uuid: str
    source: str = ""
    target: str = ""


class RemoteCopy(BaseModel):
    """A path on the same computer, copied (or symlinked) to `target` in the working directory."""

    source: str
    target: str


class StashSource(BaseModel):
    """A folder to stash other than the job's working directory (what StashCalculation stashes)."""

    path: str
    uuid: str


class JobSpec(BaseModel):
    """What `prepare` returns: the command and the file movements around it.

    `command` as a list is an argument vector (quoted); as a string it is shell text.
    """

    command: list[str] | str
    stdin_name: str | None = None
    stdout_name: str | None = None
    stderr_name: str | None = None
    local_copy_list: list[LocalCopy] = Field(default_factory=list)
    remote_copy_list: list[RemoteCopy] = Field(default_factory=list)
    remote_symlink_list: list[RemoteCopy] = Field(default_factory=list)
    retrieve_list: list[str] = Field(default_factory=list, description="Globs relative to the working directory.")
    stash: StashOptions | None = None
    skip_submit: bool = Field(default=False, description="No scheduler job: upload, then stash and retrieve.")
    stash_source: StashSource | None = Field(default=None, description="Stash this folder instead of the job's own.")


class CalcJob:
    """Base of calc jobs: set `spec`, implement `prepare` and `parse` (both run in a worker thread)."""

    spec: ClassVar[ProcessSpec] = ProcessSpec()
    node_class: ClassVar[type[CalcJobNode]] = CalcJobNode

    def __init__(self, node: CalcJobNode, inputs: ProcessInputs) -> None:
        self.node = node
        self.inputs = inputs
        self.command_exit_status: int | None = None
        self.scheduler_exit_code: ExitCode | None = None
        """Set before `parse` when the scheduler stopped the job (SCHEDULER_EXIT_CODES); the calc job ends
        with it unless `parse` returns an ExitCode of its own (AiiDA's rule)."""
        self._outputs: dict[str, Data] = {}

    @classmethod
    def process_label(cls) -> str:
        return cls.__name__

    def prepare(self, folder: Path, inputs: ProcessInputs) -> JobSpec:
        raise NotImplementedError(f"{type(self).__name__} must implement prepare(folder, inputs)")

    def parse(self, retrieved: FolderData) -> dict[str, Data] | ExitCode | None:
        """Outputs by label, or an ExitCode; `self.out(label, node)` attaches outputs too."""
        return None

    def out(self, label: str, node: Data) -> None:
        self._outputs[label] = node

    def collected_outputs(self) -> dict[str, Data]:
        return dict(self._outputs)

    @staticmethod
    def read_exit_status(retrieved: FolderData) -> int | None:
        try:
            return int(retrieved.get_object_content(EXIT_STATUS_FILE).decode().strip())
        except (NotExistent, ValueError):  # no file: the job died before its command ended
            return None

    def extra_attributes(self) -> dict[str, Any]:
        return {}
