"""Small provenance graphs shaped like aiida-core's dump test fixtures, built through the entity API."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import delete

from provtop.backend.entities import (
    CalcFunctionNode,
    CalcJobNode,
    Computer,
    FolderData,
    Group,
    Int,
    LinkType,
    Node,
    ProcessNode,
    ProcessState,
    SinglefileData,
    WorkChainNode,
)
from provtop.backend.store.schema import NodeRow
from provtop.backend.store.store import Store

CALC_FILES = {"aiida.in": b"1 2\n", "_aiidasubmit.sh": b"#!/bin/bash\n", ".aiida/calcinfo.json": b"{}"}
RETRIEVED = {"aiida.out": b"3\n", "_scheduler-stdout.txt": b"", "_scheduler-stderr.txt": b""}


def _start(node: ProcessNode, process_label: str, process_type: str) -> None:
    node.process_type = process_type
    node.set_attribute_many({"process_label": process_label, "process_state": ProcessState.RUNNING.value})


def finish(node: ProcessNode) -> ProcessNode:
    node.terminate(ProcessState.FINISHED, exit_status=0)
    return node


def calcjob(
    label: str = "",
    *,
    caller: WorkChainNode | None = None,
    call_label: str = "CALL",
    process_label: str = "ArithmeticAddCalculation",
    files: dict[str, bytes] | None = None,
    retrieved: dict[str, bytes] | None = None,
    with_retrieved: bool = True,
    inputs: dict[str, Node] | None = None,
    outputs: dict[str, Node] | None = None,
    seal: bool = True,
) -> CalcJobNode:
    """A calc job with its own files, an optional retrieved folder and linked data."""
    calc = CalcJobNode(label=label, computer=Computer.load("localhost"))
    _start(calc, process_label, "aiida.calculations:core.arithmetic.add")
    for path, data in (CALC_FILES if files is None else files).items():
        calc.put_object_from_bytes(data, path)
    if caller is not None:
        calc.add_incoming(caller, LinkType.CALL_CALC, call_label)
    for link_label, node in {"x": Int(1), **(inputs or {})}.items():
        calc.add_incoming(node if node.is_stored else node.store(), LinkType.INPUT_CALC, link_label)
    calc.store()
    created: dict[str, Node] = dict(outputs or {})
    if with_retrieved:
        folder = FolderData()
        for path, data in (RETRIEVED if retrieved is None else retrieved).items():
            folder.put_object_from_bytes(data, path)
        created["retrieved"] = folder
    for link_label, node in created.items():
        node.add_incoming(calc, LinkType.CREATE, link_label)
        node.store()
    if seal:
        finish(calc)
    return calc


def calcfunction(
    label: str = "", *, caller: WorkChainNode | None = None, process_label: str = "multiply"
) -> CalcFunctionNode:
    node = CalcFunctionNode(label=label)
    _start(node, process_label, "aiida.calculations:multiply")
    node.put_object_from_bytes(b"def multiply(x, y):\n    return x * y\n", "source_file")
    if caller is not None:
        node.add_incoming(caller, LinkType.CALL_CALC, "CALL")
    node.add_incoming(Int(2).store(), LinkType.INPUT_CALC, "x")
    node.store()
    return finish(node)  # type: ignore[return-value]


def workchain(
    label: str = "",
    *,
    caller: WorkChainNode | None = None,
    call_label: str = "CALL",
    process_label: str = "MultiplyAddWorkChain",
) -> WorkChainNode:
    """A stored, running work chain; finish() it after adding its children."""
    node = WorkChainNode(label=label)
    _start(node, process_label, "aiida.workflows:core.arithmetic.multiply_add")
    if caller is not None:
        node.add_incoming(caller, LinkType.CALL_WORK, call_label)
    node.store()
    return node


def multiply_add(label: str = "") -> WorkChainNode:
    """AiiDA's MultiplyAddWorkChain: a calcfunction 'multiply' then an ArithmeticAddCalculation."""
    workflow = workchain(label)
    calcfunction(caller=workflow)
    calcjob(caller=workflow)
    return finish(workflow)  # type: ignore[return-value]


def nested(label: str = "") -> WorkChainNode:
    """A work chain calling a calc job and a sub-workflow that calls another calc job."""
    workflow = workchain(label, process_label="OuterWorkChain")
    calcjob(caller=workflow, call_label="first")
    inner = workchain(caller=workflow, call_label="inner", process_label="InnerWorkChain")
    calcjob(caller=inner, call_label="second")
    finish(inner)
    return finish(workflow)  # type: ignore[return-value]


def group(label: str, *nodes: Node) -> Group:
    made = Group(label).store()
    made.add_nodes(nodes)
    return made


def singlefile(content: bytes = b"a\n", filename: str = "file.txt") -> SinglefileData:
    return SinglefileData.from_bytes(content, filename=filename)


def delete_node(store: Store, pk: int) -> None:
    """Delete a node row (its links and memberships cascade), as a graph deletion would."""
    with store.transaction() as session:
        session.execute(delete(NodeRow).where(NodeRow.id == pk))


def tree(root: Path) -> set[str]:
    """Every path below `root`: directories end in '/', symlinks in ' -> target'."""
    found: set[str] = set()
    for directory, dirnames, filenames in os.walk(root):
        base = Path(directory)
        for name in dirnames + filenames:
            path = base / name
            relative = path.relative_to(root).as_posix()
            if path.is_symlink():
                found.add(f"{relative} -> {os.readlink(path)}")
            elif path.is_dir():
                found.add(relative + "/")
            else:
                found.add(relative)
    return found


def contents(root: Path) -> dict[str, bytes | str]:
    """Every file's bytes (symlinks as their target), for comparing two dumps exactly.

    The dump log is left out: it records when the run happened.
    """
    result: dict[str, bytes | str] = {}
    for entry in sorted(tree(root)):
        if " -> " in entry:
            path, _, target = entry.partition(" -> ")
            result[path] = f"-> {target}"
        elif entry.endswith("/"):
            result[entry] = "dir"
        elif not entry.endswith("provtop_dump_log.json"):
            result[entry] = (root / entry).read_bytes()
    return result
