"""Creating process nodes: inputs, links, a lease and a first checkpoint, in one transaction.

`submit()` is the public way in: the process waits in the store until an engine takes it, so a
script can submit without any engine running. Processes are found again by `process_type`,
the import path of their class or function ("package.module:name").
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Mapping
from typing import Any, Literal

from ..engine import checkpoints, leases
from ..engine.checkpoints import Checkpoint
from ..entities import (
    Computer,
    InstalledCode,
    LinkType,
    Node,
    ProcessNode,
    ProcessState,
    RemoteData,
    WorkChainNode,
)
from ..entities.current import get_store
from ..entities.entity import validate_model
from ..errors import InputError, ValidationError
from ..store.store import Store
from .calcjob import CalcJob, ProcessMetadata
from .spec import ProcessSpec, flatten_inputs

ProcessKind = Literal["calcjob", "workflow", "calcfunction"]
DEFAULT_LEASE_SECONDS = 30.0


def process_kind(process: Any) -> ProcessKind:
    from .calcfunction import CalcFunction
    from .workflow import WorkflowFunction

    if isinstance(process, type) and issubclass(process, CalcJob):
        return "calcjob"
    if isinstance(process, WorkflowFunction):
        return "workflow"
    if isinstance(process, CalcFunction):
        return "calcfunction"
    raise InputError(
        f"{process!r} is not a process: use a CalcJob subclass, a @workflow or a @calcfunction"
    )


def process_type_of(process: Any) -> str:
    target = process if isinstance(process, type) else process.function
    return f"{target.__module__}:{target.__qualname__}"


def process_label_of(process: Any) -> str:
    return process.__name__ if isinstance(process, type) else process.function.__name__


def spec_of(process: Any) -> ProcessSpec | None:
    return process.spec


def resolve_process(process_type: str) -> Any:
    """The class or decorated function named by a process_type string."""
    module_name, _, qualname = process_type.partition(":")
    try:
        target: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError) as exc:
        raise InputError(f"cannot import the process '{process_type}': {exc}; is its package installed?") from None
    return target


def split_metadata(inputs: Mapping[str, Any]) -> tuple[dict[str, Any], ProcessMetadata]:
    values = dict(inputs)
    raw = values.pop("metadata", None) or {}
    metadata = raw if isinstance(raw, ProcessMetadata) else validate_model(ProcessMetadata, raw, "metadata")
    return values, metadata


def node_fingerprint(node: Node) -> Any:
    """What a node is, by content: equal content gives equal fingerprints, stored or not."""
    files = sorted((path, entry.key) for path, entry in node.list_files().items())
    return [node.node_type, node.attributes, files]


def call_key(process_type: str, flat: Mapping[str, Node], metadata: ProcessMetadata) -> str:
    """A child call's identity for deterministic replay: the process, its inputs by content, its metadata."""
    payload = [process_type, {label: node_fingerprint(node) for label, node in sorted(flat.items())},
               metadata.model_dump(mode="json")]
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _computer_for(flat: Mapping[str, Node], metadata: ProcessMetadata, store: Store) -> Computer:
    code = flat.get("code")
    if isinstance(code, InstalledCode) and code.computer is not None:
        return code.computer
    source = flat.get("source_node")  # StashCalculation: the computer the stashed folder is on
    if metadata.computer is None and isinstance(source, RemoteData) and source.computer is not None:
        return source.computer
    if metadata.computer is None:
        raise InputError("a calc job needs a computer: give metadata={'computer': LABEL} or a `code` input")
    return Computer.load(metadata.computer, store)


def create_process(
    process: Any,
    inputs: Mapping[str, Any],
    *,
    caller: ProcessNode | None = None,
    key: str | None = None,
    engine_id: str | None = None,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
) -> ProcessNode:
    """Store a new calc job or workflow, ready for an engine (owned by `engine_id` if given).

    Runs inside the caller's transaction when there is one, so a workflow's child appears
    together with its CALL link and lease, or not at all.
    """
    kind = process_kind(process)
    if kind == "calcfunction":
        raise InputError("calc functions run at once when called; call them instead of submitting them")
    values, metadata = split_metadata(inputs)
    flat = flatten_inputs(spec_of(process), values)
    process_type = process_type_of(process)
    attributes: dict[str, Any] = {
        "process_label": process_label_of(process),
        "process_state": ProcessState.CREATED.value,
        "process_status": "Waiting for an engine",
        "call_key": key or call_key(process_type, flat, metadata),
    }
    store = caller.store_backend if caller is not None else get_store()
    with store.transaction() as session:
        if kind == "calcjob":
            computer = _computer_for(flat, metadata, store)
            node: ProcessNode = process.node_class(label=metadata.label, description=metadata.description, computer=computer)
            attributes["options"] = metadata.options.model_dump(mode="json")
            input_link = LinkType.INPUT_CALC
            call_link = LinkType.CALL_CALC
        else:
            node = WorkChainNode(label=metadata.label, description=metadata.description)
            input_link = LinkType.INPUT_WORK
            call_link = LinkType.CALL_WORK
        node.process_type = process_type
        node.set_attribute_many(attributes)
        for label, input_node in flat.items():
            if not input_node.is_stored:
                input_node.store()
            node.add_incoming(input_node, input_link, label)
        if caller is not None:
            if not caller.is_stored:
                raise ValidationError("the calling workflow is not stored")
            node.add_incoming(caller, call_link, metadata.call_link_label)
        node.store()
        assert node.pk is not None
        leases.create_lease(session, node.pk, engine_id, lease_seconds)
        checkpoints.save(session, node.pk, Checkpoint(step="start"))
    return node


def submit(process: Any, /, **inputs: Any) -> ProcessNode:
    """Store a calc job or workflow for an engine to run (`provtop engine run`, or the TUI's).

    Returns the process node at once; `metadata={...}` sets label, computer and options.
    """
    return create_process(process, inputs)
