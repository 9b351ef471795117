"""Workflows: plain async functions that launch children and await them.

    @workflow
    async def double_then_add(ctx: WorkflowContext, x: Int, y: Int) -> dict[str, Data]:
        a, b = await asyncio.gather(ctx.run(Double, x=x), ctx.run(Double, x=y))
        total = await ctx.run(add, x=a["result"], y=b["result"])
        ctx.report(f"sum is {total['result'].value}")
        return {"sum": total["result"]}

Each child is recorded with a CALL link. After a crash the engine runs the function again from
the top; every `ctx.run` whose child was recorded returns that child (waiting for it if it still
runs) instead of launching it again: deterministic replay.

The rule a workflow author follows: **given the same inputs and the same child results, a
workflow makes the same `ctx.run` calls with the same inputs.** So no decisions on the clock,
random numbers without a fixed seed, or files and services outside the store; and no nodes stored
by hand (pass values, or outputs of children). Code between calls runs again on resume, so its
side effects outside provtop repeat. A workflow returns a dict of stored outputs of its children
(RETURN links), an ExitCode, or None; new data must come from a calc function.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any, Protocol

from ..entities import Data, ProcessNode, WorkChainNode
from .calcfunction import CalcFunction
from .spec import ExitCode, Port, ProcessInputs, ProcessSpec

_current: ContextVar[WorkflowContext | None] = ContextVar("provtop_workflow_context", default=None)


def current_context() -> WorkflowContext | None:
    """The workflow whose code runs in this task, if any (used by calc functions called directly)."""
    return _current.get()


class WorkflowFunction:
    """A decorated `async def f(ctx, **inputs)`; its parameters after `ctx` are its inputs."""

    def __init__(self, function: Callable[..., Any]) -> None:
        if not inspect.iscoroutinefunction(function):
            raise TypeError(f"@workflow needs an `async def`; {function.__name__} is not one")
        self.function = function
        functools.update_wrapper(self, function)
        parameters = list(inspect.signature(function).parameters.values())[1:]
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
            self.spec: ProcessSpec | None = None
        else:
            self.spec = ProcessSpec(
                inputs=[Port(p.name, required=p.default is inspect.Parameter.empty) for p in parameters]
            )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"launch {self.function.__name__} with submit() or `await ctx.run(...)`, not by calling it")


def workflow(function: Callable[..., Any]) -> WorkflowFunction:
    return WorkflowFunction(function)


class ChildResult(Mapping[str, Data]):
    """A finished child: its outputs by label, its node and how it ended."""

    def __init__(self, node: ProcessNode, outputs: dict[str, Data]) -> None:
        self.node = node
        self.outputs = outputs

    def __getitem__(self, label: str) -> Data:
        return self.outputs[label]

    def __iter__(self) -> Iterator[str]:
        return iter(self.outputs)

    def __len__(self) -> int:
        return len(self.outputs)

    @property
    def exit_status(self) -> int | None:
        return self.node.exit_status

    @property
    def ok(self) -> bool:
        return self.node.is_finished_ok

    def __repr__(self) -> str:
        return f"<ChildResult pk={self.node.pk} state={self.node.process_state} outputs={sorted(self.outputs)}>"


class ChildLauncher(Protocol):
    """What the engine provides to a running workflow."""

    async def launch(self, process: Any, inputs: dict[str, Any]) -> ChildResult: ...

    def call_function_sync(self, function: CalcFunction, values: dict[str, Any], metadata: Mapping[str, Any]) -> Any: ...

    def report(self, message: str, level: str) -> None: ...


class WorkflowContext:
    """What a workflow's code gets as `ctx`: launch children, report, read its own node and inputs."""

    def __init__(self, node: WorkChainNode, inputs: ProcessInputs, launcher: ChildLauncher) -> None:
        self.node = node
        self.inputs = inputs
        self._launcher = launcher

    async def run(self, process: Any, /, **inputs: Any) -> ChildResult:
        """Launch a child (calc job, workflow or calc function) and wait until it terminates."""
        return await self._launcher.launch(process, inputs)

    def report(self, message: str, level: str = "REPORT") -> None:
        """A log record on this workflow (`provtop process report`)."""
        self._launcher.report(message, level)

    def call_function_sync(self, function: CalcFunction, values: dict[str, Any], metadata: Mapping[str, Any]) -> Any:
        return self._launcher.call_function_sync(function, values, metadata)

    def bind(self) -> Any:
        """Make this the current workflow of the running task (and of tasks it starts)."""
        return _current.set(self)

    def unbind(self, token: Any) -> None:
        _current.reset(token)


def outputs_of_result(result: Any) -> tuple[dict[str, Data], ExitCode]:
    """Split a workflow's return value into outputs and exit code."""
    if result is None:
        return {}, ExitCode()
    if isinstance(result, ExitCode):
        return {}, result
    if isinstance(result, Mapping):
        outputs: dict[str, Data] = {}
        for label, value in result.items():
            if isinstance(value, ChildResult):
                raise TypeError(f"output '{label}' is a whole child result; return one of its outputs, e.g. child['result']")
            if not isinstance(value, Data):
                raise TypeError(f"output '{label}' is a {type(value).__name__}; workflows return Data nodes")
            if not value.is_stored:
                raise TypeError(
                    f"output '{label}' is a new, unstored node: workflows only return data their children "
                    "created; make it with a @calcfunction"
                )
            outputs[label] = value
        return outputs, ExitCode()
    raise TypeError(f"a workflow returns a dict of outputs, an ExitCode or None, not {type(result).__name__}")


__all__ = ["ChildResult", "WorkflowContext", "WorkflowFunction", "current_context", "workflow"]
