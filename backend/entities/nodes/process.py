"""Process nodes: the record of a calculation or workflow run, mutable until sealed."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from ...errors import ModificationNotAllowed
from .node import Node

if TYPE_CHECKING:
    from ...dump import DumpResult


class ProcessState(StrEnum):
    CREATED = "created"
    WAITING = "waiting"
    RUNNING = "running"
    FINISHED = "finished"
    EXCEPTED = "excepted"
    KILLED = "killed"


TERMINAL_STATES = frozenset({ProcessState.FINISHED, ProcessState.EXCEPTED, ProcessState.KILLED})


class ProcessAttributes(BaseModel):
    """The attributes every process node may carry; others (engine-specific) are allowed too."""

    model_config = ConfigDict(extra="allow")

    process_label: str | None = None
    process_state: ProcessState | None = None
    process_status: str | None = None
    exit_status: int | None = None
    exit_message: str | None = None
    exception: str | None = None
    paused: bool | None = None
    sealed: bool | None = None


class ProcessNode(Node):
    node_type: ClassVar[str] = "process.ProcessNode."
    Attributes = ProcessAttributes

    @property
    def is_sealed(self) -> bool:
        return bool(self._attributes.get("sealed", False))

    @property
    def is_mutable(self) -> bool:
        return not self.is_sealed

    def _check_mutable(self, what: str) -> None:
        if self.is_sealed:
            raise ModificationNotAllowed(f"cannot change the {what} of process {self.pk}: it is sealed (terminated)")

    @property
    def accepts_outgoing_links(self) -> bool:
        return not self.is_sealed

    @property
    def process_state(self) -> ProcessState | None:
        state = self._attributes.get("process_state")
        return ProcessState(state) if state else None

    @property
    def process_label(self) -> str | None:
        return self._attributes.get("process_label")

    @property
    def exit_status(self) -> int | None:
        return self._attributes.get("exit_status")

    @property
    def is_terminated(self) -> bool:
        return self.process_state in TERMINAL_STATES

    @property
    def is_finished_ok(self) -> bool:
        return self.process_state is ProcessState.FINISHED and self.exit_status == 0

    def _mirrored_columns(self) -> dict[str, Any]:
        return {"process_state": self._attributes.get("process_state")}

    def set_process_state(self, state: ProcessState, status: str | None = None) -> None:
        self.set_attribute_many({"process_state": ProcessState(state).value, "process_status": status})

    def terminate(self, state: ProcessState, *, exit_status: int | None = None, exit_message: str | None = None) -> None:
        """Record the final state and seal the node: nothing about it changes afterwards."""
        state = ProcessState(state)
        if state not in TERMINAL_STATES:
            raise ValueError(f"{state.value} is not a terminal state")
        values: dict[str, Any] = {"process_state": state.value, "sealed": True, "process_status": None}
        if exit_status is not None:
            values["exit_status"] = exit_status
        if exit_message is not None:
            values["exit_message"] = exit_message
        self.set_attribute_many(values)

    def dump(self, path: str | Path | None = None, **options: Any) -> DumpResult:
        """Dump this process and what it called to readable folders (see `provtop process dump`)."""
        from ...dump import dump_process  # the dump builds on the entities, not the other way round

        return dump_process(self, path, **options)

    def seal(self) -> None:
        if not self.is_terminated:
            raise ModificationNotAllowed(f"process {self.pk} is {self.process_state}: only terminated processes seal")
        self.set_attribute("sealed", True)


class CalculationNode(ProcessNode):
    node_type: ClassVar[str] = "process.calculation.CalculationNode."
    provenance_kind: ClassVar[str] = "calculation"


class CalcJobNode(CalculationNode):
    """A job run through a scheduler on a computer."""

    node_type: ClassVar[str] = "process.calculation.calcjob.CalcJobNode."

    @property
    def job_id(self) -> str | None:
        return self._attributes.get("job_id")

    @property
    def remote_workdir(self) -> str | None:
        return self._attributes.get("remote_workdir")


class CalcFunctionNode(CalculationNode):
    node_type: ClassVar[str] = "process.calculation.calcfunction.CalcFunctionNode."


class WorkflowNode(ProcessNode):
    node_type: ClassVar[str] = "process.workflow.WorkflowNode."
    provenance_kind: ClassVar[str] = "workflow"


class WorkChainNode(WorkflowNode):
    node_type: ClassVar[str] = "process.workflow.workchain.WorkChainNode."


class WorkFunctionNode(WorkflowNode):
    node_type: ClassVar[str] = "process.workflow.workfunction.WorkFunctionNode."
