"""The synthetic provenance graph that `provtop demo populate` writes and every benchmark uses.

It has the shape that was measured with aiida-core (aiida-behaviour.md §12), so numbers compare:
per workflow a work chain calling 5 calc jobs, 38 nodes (36 when it fails), 6 log records, extras
and group memberships; plus shared nodes (a code, 3 pseudopotential families) and one standalone
calc job per 20 workflows. Everything goes through the public entity API, one transaction per
workflow, so a crash leaves whole workflows only. Labels continue from the workflows already in
the store, so populating twice gives the same graph as populating once with the sum.
"""

from __future__ import annotations

import random
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel, Field

from . import demo_content as content
from .entities import (
    CalcJobNode,
    Computer,
    Dict,
    FolderData,
    Group,
    InstalledCode,
    Int,
    LinkType,
    Log,
    Node,
    ProcessState,
    RemoteData,
    SinglefileData,
    WorkChainNode,
)
from .entities.current import set_current_store
from .errors import InputError, NotExistent
from .queries.filters import JsonFilter, NodeFilter, PageRequest
from .queries.nodes import find_nodes
from .store.store import Store

ITERATIONS = 5
FAIL_EVERY = 25
HIGHLIGHT_EVERY = 7
STANDALONE_EVERY = 20

WORKFLOW_LABEL = "converge-{:06d}"
INDEX_EXTRA = "demo_index"
STANDALONE_LABEL = "standalone-{:06d}"
CODE_LABEL = "demo-pw"
COMPUTER_LABEL = "localhost"
PSEUDO_FAMILIES = ("SSSP-efficiency", "SSSP-precision", "PseudoDojo-standard")
HIGHLIGHTS = "highlights"
STANDALONE_GROUP = "standalone-calcs"
# A workflow's project group by (index - 1) % 10: 40 %, 30 %, 20 %, and the last tenth ungrouped.
PROJECT_SLOTS = ("project/alpha",) * 4 + ("project/beta",) * 3 + ("campaign-2024",) * 2 + (None,)
GROUP_LABELS = ("project/alpha", "project/beta", "campaign-2024", HIGHLIGHTS, STANDALONE_GROUP)

WORKFLOW_PROCESS = ("provtop.workflows:demo.converge", "ConvergeWorkChain")
CALC_PROCESS = ("provtop.calculations:demo.relax", "RelaxCalculation")
FAILED_CALC_STATUS = 300
FAILED_WORKFLOW_STATUS = 401

Progress = Callable[[int, int], None]


class DemoSummary(BaseModel):
    """What one `populate` call wrote."""

    nodes_created: int
    workflows: int
    failed_workflows: int
    standalone_calcs: int
    group_members: dict[str, int] = Field(description="Members of each demo group after this run.")
    seconds: float


def project_group(index: int) -> str | None:
    """The project group of workflow `index` (1-based), or None for the ungrouped tenth."""
    return PROJECT_SLOTS[(index - 1) % len(PROJECT_SLOTS)]


def is_failing(index: int) -> bool:
    return index % FAIL_EVERY == 0


@dataclass
class _Shared:
    """Nodes and groups that every workflow links to, looked up once per populate call."""

    seed: int
    computer: Computer
    code: Node
    families: list[Node]
    groups: dict[str, Group]


def populate(store: Store, workflows: int, *, progress: Progress | None = None, seed: int = 0) -> DemoSummary:
    """Add `workflows` demo workflows (and one standalone calc job per 20) to the store.

    New entities are written to the current store, so `store` becomes the current one.
    """
    if workflows < 0:
        raise InputError(f"the number of workflows must be 0 or more, not {workflows}")
    set_current_store(store)
    started = time.perf_counter()
    with store.transaction():
        shared, shared_created = _shared_nodes(store, seed)
    first = _last_workflow_index(store) + 1
    created = shared_created
    failed = standalone = 0
    for index in range(first, first + workflows):
        with store.transaction():
            created += _write_workflow(shared, index)
            if index % STANDALONE_EVERY == 0:
                created += _write_standalone(shared, index // STANDALONE_EVERY)
        failed += is_failing(index)
        standalone += index % STANDALONE_EVERY == 0
        if progress is not None:
            progress(index - first + 1, workflows)
    return DemoSummary(
        nodes_created=created,
        workflows=workflows,
        failed_workflows=failed,
        standalone_calcs=standalone,
        group_members={label: group.count() for label, group in shared.groups.items()},
        seconds=time.perf_counter() - started,
    )


def _shared_nodes(store: Store, seed: int) -> tuple[_Shared, int]:
    """The code, the pseudopotential families and the groups: found if present, else created."""
    try:
        computer = Computer.load(COMPUTER_LABEL, store)
    except NotExistent:
        raise NotExistent(
            f"the demo runs on computer '{COMPUTER_LABEL}', which this profile lacks; "
            "see 'provtop computer setup --help'"
        ) from None
    created = 0
    code = _find_one(store, InstalledCode.node_type, CODE_LABEL)
    if code is None:
        code = InstalledCode(computer, "/usr/local/bin/pw.x", label=CODE_LABEL, description="The demo's solver.")
        code.store()
        created += 1
    families = []
    for family in PSEUDO_FAMILIES:
        folder = _find_one(store, FolderData.node_type, f"pseudos/{family}")
        if folder is None:
            folder = FolderData(label=f"pseudos/{family}", description=f"Pseudopotential family {family}.")
            for element in content.ELEMENTS:
                folder.put_object_from_bytes(content.upf_file(family, element), f"{element}.upf")
            folder.store()
            created += 1
        families.append(folder)
    groups = {}
    for label in GROUP_LABELS:
        try:
            groups[label] = Group.load(label, store)
        except NotExistent:
            groups[label] = Group(label, description="Made by 'provtop demo populate'.").store()
    return _Shared(seed, computer, code, families, groups), created


def _last_workflow_index(store: Store) -> int:
    """The index of the newest demo workflow, 0 if none: numbering goes on from there."""
    marked = JsonFilter(op="has_key", value=INDEX_EXTRA)
    newest = find_nodes(store, NodeFilter(node_types=[WorkChainNode.node_type], extras=[marked]), PageRequest(size=1))
    return int(newest[0].get_extra(INDEX_EXTRA)) if newest else 0


def _find_one(store: Store, node_type: str, label: str) -> Node | None:
    found = find_nodes(store, NodeFilter(node_types=[node_type], label=label), PageRequest(size=1))
    return found[0] if found else None


def _write_workflow(shared: _Shared, index: int) -> int:
    """One work chain, its inputs, its 5 calc jobs and their outputs, logs and groups."""
    rng = random.Random(f"{shared.seed}:workflow:{index}")
    label = WORKFLOW_LABEL.format(index)
    failed = is_failing(index)
    family_name = PSEUDO_FAMILIES[index % len(PSEUDO_FAMILIES)]
    family = shared.families[index % len(PSEUDO_FAMILIES)]
    base = content.workflow_parameters(rng, family_name)
    atoms = content.structure(rng)
    parameters = Dict(base).store()
    initial = content.xyz(atoms, f"{label} initial")
    structure: Node = SinglefileData.from_bytes(initial, filename=content.STRUCTURE_FILENAME).store()

    workflow = WorkChainNode(label=label, description="Converge the cut-off by successive relaxations.")
    _set_process(workflow, WORKFLOW_PROCESS)
    group = project_group(index)
    workflow.set_extra_many({INDEX_EXTRA: index, "project": group, "tags": ["demo", family_name]})
    inputs = {"code": shared.code, "parameters": parameters, "structure": structure, "pseudos": family}
    for link_label, node in inputs.items():
        workflow.add_incoming(node, LinkType.INPUT_WORK, link_label)
    workflow.store()
    _log(workflow, "INFO", "setup", f"{len(atoms)} atoms, pseudopotentials from {family_name}")

    created = 3  # the workflow, its parameters and its structure
    energy = rng.uniform(-300.0, -100.0)
    for iteration in range(1, ITERATIONS + 1):
        last = iteration == ITERATIONS
        energy += rng.uniform(-0.5, -0.01) / iteration
        calc_parameters = Dict(content.calc_parameters(rng, base, iteration))
        calc, outputs, atoms = _write_calc(
            shared,
            rng,
            _CalcSpec(
                label=f"iteration_{iteration:02d}",
                job_name=f"{label}-{iteration:02d}",
                iteration=iteration,
                energy=energy,
                fail=failed and last,
            ),
            caller=workflow,
            inputs={"parameters": calc_parameters, "structure": structure, "pseudos": family},
            atoms=atoms,
        )
        created += 3 + len(outputs)
        structure = outputs.get("output_structure", structure)
        if not last:
            level = "WARNING" if rng.random() < 0.2 else "INFO"
            _log(workflow, level, "inspect", f"{calc.label}<{calc.pk}> finished, energy {energy:.6f} Ry")

    if failed:
        message = f"{calc.label}<{calc.pk}> failed with exit status {FAILED_CALC_STATUS}; giving up"
        _log(workflow, "ERROR", "inspect", message)
        workflow.terminate(
            ProcessState.FINISHED, exit_status=FAILED_WORKFLOW_STATUS, exit_message="the last relaxation failed"
        )
    else:
        for link_label, node in outputs.items():
            node.add_incoming(workflow, LinkType.RETURN, link_label)
        _log(workflow, "INFO", "results", f"converged after {ITERATIONS} iterations, energy {energy:.6f} Ry")
        workflow.terminate(ProcessState.FINISHED, exit_status=0)

    if group is not None:
        shared.groups[group].add_nodes([workflow])
    if index % HIGHLIGHT_EVERY == 0:
        shared.groups[HIGHLIGHTS].add_nodes([workflow])
    return created


def _write_standalone(shared: _Shared, number: int) -> int:
    """A calc job that no workflow called; every other one goes to the standalone group."""
    rng = random.Random(f"{shared.seed}:standalone:{number}")
    label = STANDALONE_LABEL.format(number)
    atoms = content.structure(rng)
    base = content.workflow_parameters(rng, PSEUDO_FAMILIES[0])
    initial = content.xyz(atoms, f"{label} initial")
    structure = SinglefileData.from_bytes(initial, filename=content.STRUCTURE_FILENAME).store()
    calc, outputs, _ = _write_calc(
        shared,
        rng,
        _CalcSpec(label=label, job_name=label, iteration=1, energy=rng.uniform(-300.0, -100.0), fail=False),
        caller=None,
        inputs={
            "parameters": Dict(content.calc_parameters(rng, base, 1)),
            "structure": structure,
            "pseudos": shared.families[0],
        },
        atoms=atoms,
    )
    if number % 2 == 0:
        shared.groups[STANDALONE_GROUP].add_nodes([calc])
    return 4 + len(outputs)


@dataclass(frozen=True)
class _CalcSpec:
    """What distinguishes one demo calc job from another."""

    label: str
    job_name: str
    iteration: int
    energy: float
    fail: bool

    @property
    def job_id(self) -> str:
        return str(zlib.crc32(self.job_name.encode()) % 10**7)


def _write_calc(
    shared: _Shared,
    rng: random.Random,
    spec: _CalcSpec,
    *,
    caller: WorkChainNode | None,
    inputs: dict[str, Node],
    atoms: list[content.Atom],
) -> tuple[CalcJobNode, dict[str, Node], list[content.Atom]]:
    """A finished calc job with its files and outputs; a failing one has no parsed outputs.

    `inputs` holds parameters (unstored), structure and pseudos. Returns the node, its outputs
    by link label, and the relaxed atoms.
    """
    workdir = f"{shared.computer.workdir}/demo/{spec.job_name}"
    calc = CalcJobNode(label=spec.label, computer=shared.computer)
    _set_process(calc, CALC_PROCESS)
    calc.set_attribute_many(
        {
            "job_id": spec.job_id,
            "remote_workdir": workdir,
            "scheduler_state": "done",
            "resources": {"num_machines": 1, "num_mpiprocs_per_machine": 1},
            "parser_name": "demo.relax",
        }
    )
    files = {
        "_submit.sh": content.submit_script(spec.job_name, workdir),
        "job.in": content.job_input(inputs["parameters"].attributes, atoms),
        ".provtop/calcinfo.json": content.calcinfo(spec.job_name, spec.iteration),
        ".provtop/job_tmpl.json": content.job_template(spec.job_name, workdir),
    }
    for path, data in files.items():
        calc.put_object_from_bytes(data, path)
    if caller is not None:
        calc.add_incoming(caller, LinkType.CALL_CALC, spec.label)
    inputs["parameters"].store()
    for link_label, node in {"code": shared.code, "x": Int(spec.iteration).store(), **inputs}.items():
        calc.add_incoming(node, LinkType.INPUT_CALC, link_label)
    calc.store()

    retrieved = FolderData()
    retrieved.put_object_from_bytes(content.job_output(rng, spec.job_name, spec.energy, failed=spec.fail), "job.out")
    retrieved.put_object_from_bytes(content.scheduler_stdout(spec.job_name, spec.job_id), "_scheduler-stdout.txt")
    retrieved.put_object_from_bytes(b"", "_scheduler-stderr.txt")
    outputs: dict[str, Node] = {"remote_folder": RemoteData(workdir, computer=shared.computer), "retrieved": retrieved}
    relaxed = content.relaxed(rng, atoms)
    if not spec.fail:
        outputs["output_parameters"] = Dict(content.output_parameters(rng, spec.energy, len(atoms)))
        final = content.xyz(relaxed, f"{spec.job_name} relaxed")
        outputs["output_structure"] = SinglefileData.from_bytes(final, filename=content.STRUCTURE_FILENAME)
    for link_label, node in outputs.items():
        node.add_incoming(calc, LinkType.CREATE, link_label)
        node.store()
    if spec.fail:
        calc.terminate(
            ProcessState.FINISHED, exit_status=FAILED_CALC_STATUS, exit_message="the output file lacks the final energy"
        )
    else:
        calc.terminate(ProcessState.FINISHED, exit_status=0)
    return calc, outputs, relaxed


def _set_process(node: WorkChainNode | CalcJobNode, process: tuple[str, str]) -> None:
    node.process_type, process_label = process
    node.set_attribute_many({"process_label": process_label, "process_state": ProcessState.RUNNING.value})


def _log(workflow: WorkChainNode, level: str, step: str, message: str) -> None:
    Log(workflow, level, f"[{workflow.pk}|{WORKFLOW_PROCESS[1]}|{step}]: {message}").store()
