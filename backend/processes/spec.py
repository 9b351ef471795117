"""Input and output specs of processes, exit codes, and turning what a user passes into nodes.

A namespace input (`dynamic=True`) takes a dict; its entries become links labelled
`name__key`, as in AiiDA.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..entities import Bool, Data, Dict, Float, Int, List, Node, Str
from ..errors import InputError

NAMESPACE_SEPARATOR = "__"


class ExitCode(NamedTuple):
    """How a process ended: 0 is success; a parser or workflow returns one to say what failed."""

    status: int = 0
    message: str = ""


ERROR_MISSING_OUTPUT = ExitCode(11, "The process did not register a required output.")
ERROR_NO_RETRIEVED_FOLDER = ExitCode(100, "The process did not have the required `retrieved` output.")
ERROR_SCHEDULER_OUT_OF_MEMORY = ExitCode(110, "The job ran out of memory.")
ERROR_SCHEDULER_OUT_OF_WALLTIME = ExitCode(120, "The job ran out of walltime.")
ERROR_SCHEDULER_NODE_FAILURE = ExitCode(140, "The node running the job failed.")
ERROR_COMMAND_FAILED = ExitCode(400, "The command exited with a non-zero status.")


@dataclass(frozen=True)
class Port:
    """One input or output: its name, the node types it accepts, whether it must be given."""

    name: str
    valid_type: tuple[type[Node], ...] = (Data,)
    required: bool = True
    dynamic: bool = False
    help: str = ""


@dataclass
class ProcessSpec:
    inputs: list[Port] = field(default_factory=list)
    outputs: list[Port] = field(default_factory=list)

    def input(self, name: str) -> Port | None:
        return next((port for port in self.inputs if port.name == name), None)

    def output(self, name: str) -> Port | None:
        return next((port for port in self.outputs if port.name == name), None)


def to_node(value: Any, what: str) -> Node:
    """A node for a value: nodes pass through, plain Python values are wrapped (int -> Int, ...)."""
    if isinstance(value, Node):
        return value
    if isinstance(value, bool):
        return Bool(value)
    if isinstance(value, int):
        return Int(value)
    if isinstance(value, float):
        return Float(value)
    if isinstance(value, str):
        return Str(value)
    if isinstance(value, dict):
        return Dict(value)
    if isinstance(value, (list, tuple)):
        return List(list(value))
    raise InputError(f"input '{what}' is a {type(value).__name__}; give a node or an int, float, str, bool, dict or list")


def flatten_inputs(spec: ProcessSpec | None, inputs: Mapping[str, Any]) -> dict[str, Node]:
    """Validate inputs against `spec` (None accepts anything) and return link label -> node."""
    flat: dict[str, Node] = {}
    for name, value in inputs.items():
        port = spec.input(name) if spec else None
        if spec is not None and port is None:
            known = ", ".join(p.name for p in spec.inputs) or "none"
            raise InputError(f"unknown input '{name}'; this process takes: {known}")
        if value is None:
            continue
        if port is not None and port.dynamic:
            if not isinstance(value, Mapping):
                raise InputError(f"input '{name}' is a namespace: give a dict of name -> node")
            for key, item in value.items():
                flat[f"{name}{NAMESPACE_SEPARATOR}{key}"] = _checked(port, to_node(item, f"{name}.{key}"), f"{name}.{key}")
        else:
            flat[name] = _checked(port, to_node(value, name), name)
    for port in spec.inputs if spec else []:
        if port.required and not port.dynamic and port.name not in flat:
            raise InputError(f"missing required input '{port.name}'" + (f": {port.help}" if port.help else ""))
    return flat


def _checked(port: Port | None, node: Node, what: str) -> Node:
    if port is not None and not isinstance(node, port.valid_type):
        names = " or ".join(t.__name__ for t in port.valid_type)
        raise InputError(f"input '{what}' must be a {names}, not a {type(node).__name__}")
    return node


class ProcessInputs(Mapping[str, Any]):
    """A process's inputs by name; namespaces come back as dicts. `inputs.x` works like `inputs["x"]`."""

    def __init__(self, flat: Mapping[str, Node], spec: ProcessSpec | None = None) -> None:
        self._values: dict[str, Any] = {}
        namespaces = {p.name for p in spec.inputs if p.dynamic} if spec else set()
        for label, node in flat.items():
            head, sep, tail = label.partition(NAMESPACE_SEPARATOR)
            if sep and head in namespaces:
                self._values.setdefault(head, {})[tail] = node
            else:
                self._values[label] = node
        for name in namespaces:
            self._values.setdefault(name, {})

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __getattr__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise AttributeError(key) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)
