"""Calc functions: Python functions whose inputs and outputs are recorded as provenance.

    @calcfunction
    def add(x: Int, y: Int) -> Int:
        return Int(x.value + y.value)

    add(1, 2)                      # an Int(3), created by a CalcFunctionNode with inputs x and y

The function runs first; its node, links and outputs are then stored in one transaction, so a
crash leaves either the whole record or nothing. Inside a workflow, prefer `await ctx.run(add, ...)`
(it runs in a worker thread); a direct call works too and is replayed like any child.
"""

from __future__ import annotations

import functools
import inspect
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from ..entities import CalcFunctionNode, Data, LinkType, Node, ProcessState
from ..entities.current import get_store
from ..errors import ValidationError
from .spec import ExitCode, ProcessSpec, flatten_inputs

RESULT = "result"


class CalcFunction:
    """The decorated function; calling it runs and records it and returns its output(s)."""

    spec: ProcessSpec | None = None

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function = function
        self.signature = inspect.signature(function)
        functools.update_wrapper(self, function)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.run_get_node(*args, **kwargs)[0]

    def bind(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        bound = self.signature.bind(*args, **kwargs)
        values = dict(bound.arguments)
        for name, parameter in self.signature.parameters.items():
            if parameter.kind is inspect.Parameter.VAR_KEYWORD:
                values.update(values.pop(name, {}))
        return values

    def run_get_node(self, *args: Any, **kwargs: Any) -> tuple[Any, CalcFunctionNode]:
        from .workflow import current_context

        values = self.bind(*args, **kwargs)
        metadata = values.pop("metadata", None) or {}
        context = current_context()
        if context is not None:
            return context.call_function_sync(self, values, metadata)
        return execute(self, flatten_inputs(None, values), metadata)


def calcfunction(function: Callable[..., Any]) -> CalcFunction:
    return CalcFunction(function)


def _outputs_of(result: Any) -> dict[str, Data]:
    if result is None:
        return {}
    if isinstance(result, Data):
        return {RESULT: result}
    if isinstance(result, Mapping) and all(isinstance(v, Data) for v in result.values()):
        return dict(result)
    raise ValidationError(f"a calc function returns a Data node or a dict of them, not {type(result).__name__}")


def execute(
    function: CalcFunction,
    flat: dict[str, Node],
    metadata: Mapping[str, Any],
    *,
    caller: Node | None = None,
    key: str | None = None,
) -> tuple[Any, CalcFunctionNode]:
    """Run the function on `flat` inputs and record it (with a CALL link from `caller`, if any)."""
    store = caller.store_backend if caller is not None else get_store()
    node = CalcFunctionNode(label=str(metadata.get("label", "")), description=str(metadata.get("description", "")))
    node.process_type = f"{function.function.__module__}:{function.function.__qualname__}"
    node.set_attribute_many({"process_label": function.function.__name__, "process_state": ProcessState.RUNNING.value,
                             "call_key": key})
    with store.transaction():
        for input_node in flat.values():
            if not input_node.is_stored:
                input_node.store()
    for label, input_node in flat.items():
        node.add_incoming(input_node, LinkType.INPUT_CALC, label)
    if caller is not None:
        node.add_incoming(caller, LinkType.CALL_CALC, str(metadata.get("call_link_label", "CALL")))
    try:
        result = function.function(**_call_arguments(function, flat))
        outputs = {} if isinstance(result, ExitCode) else _outputs_of(result)
    except Exception as exc:
        node.set_attribute("exception", "".join(traceback.format_exception(exc)).strip())
        with store.transaction():
            node.store()
            node.terminate(ProcessState.EXCEPTED)
        raise
    with store.transaction():
        node.store()
        for label, output in outputs.items():
            if output.is_stored:
                raise ValidationError(f"calc function output '{label}' is stored already: return new nodes only")
            output.add_incoming(node, LinkType.CREATE, label)
            output.store()
        exit_code = result if isinstance(result, ExitCode) else ExitCode()
        node.terminate(ProcessState.FINISHED, exit_status=exit_code.status, exit_message=exit_code.message or None)
    return result, node


def _call_arguments(function: CalcFunction, flat: dict[str, Node]) -> dict[str, Any]:
    """Nodes back into the function's parameters; `a__b` labels go to a dict parameter `a`."""
    accepted = function.signature.parameters
    arguments: dict[str, Any] = {}
    for label, node in flat.items():
        head, sep, tail = label.partition("__")
        if sep and head in accepted and label not in accepted:
            arguments.setdefault(head, {})[tail] = node
        else:
            arguments[label] = node
    return arguments
