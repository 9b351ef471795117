"""The demo graph has the shape that aiida-core was measured on, and is the same for the same seed."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest

from provtop.backend.demo import DemoSummary, populate
from provtop.backend.entities import (
    CalcJobNode,
    Computer,
    Group,
    LinkType,
    Log,
    Node,
    ProcessState,
    WorkChainNode,
)
from provtop.backend.entities.current import set_current_store
from provtop.backend.errors import InputError
from provtop.backend.profiles import load_profile
from provtop.backend.queries.filters import NodeFilter, PageRequest
from provtop.backend.queries.nodes import count_nodes, find_nodes, get_creation_statistics
from provtop.backend.store.store import Store

DemoStore = tuple[Store, DemoSummary]
FAILED = {"converge-000025", "converge-000050"}
SHARED_NODES = 4  # the code and three pseudopotential families


def incoming(node: Node, link_type: LinkType) -> dict[str, Node]:
    return {triple.label: triple.node for triple in node.get_incoming(link_type)}


def outgoing(node: Node, link_type: LinkType) -> dict[str, Node]:
    return {triple.label: triple.node for triple in node.get_outgoing(link_type)}


def workflows(store: Store) -> list[Node]:
    flt = NodeFilter(node_types=[WorkChainNode.node_type])
    return find_nodes(store, flt, PageRequest(size=10_000, descending=False))


def workflow_nodes(workflow: Node) -> Iterator[tuple[str, Node]]:
    """Every node a workflow owns, with its path from the workflow; shared inputs excluded."""
    yield "", workflow
    for label, node in incoming(workflow, LinkType.INPUT_WORK).items():
        if label in ("parameters", "structure"):
            yield label, node
    for call, calc in sorted(outgoing(workflow, LinkType.CALL_CALC).items()):
        yield call, calc
        for label, node in incoming(calc, LinkType.INPUT_CALC).items():
            if label in ("x", "parameters"):
                yield f"{call}/{label}", node
        for label, node in outgoing(calc, LinkType.CREATE).items():
            yield f"{call}>{label}", node


def fingerprint(store: Store) -> str:
    """Types, labels, attributes, extras and file contents of every workflow's nodes, as text.

    The computer's work directory differs between profiles, so it is replaced by a placeholder.
    """
    entries = []
    for workflow in workflows(store):
        for path, node in workflow_nodes(workflow):
            files = {name: node.get_object_content(name).decode() for name in sorted(node.list_files())}
            entries.append([workflow.label, path, node.node_type, node.label, node.attributes, node.extras, files])
    workdir = Computer.load("localhost", store).workdir
    return json.dumps(entries, sort_keys=True).replace(workdir, "<workdir>")


def test_a_workflow_is_38_nodes_and_a_failed_one_36(demo_store: DemoStore) -> None:
    store, _ = demo_store

    sizes = {workflow.label: len(list(workflow_nodes(workflow))) for workflow in workflows(store)}

    assert len(sizes) == 50
    assert {label for label, size in sizes.items() if size == 36} == FAILED
    assert {size for label, size in sizes.items() if label not in FAILED} == {38}


def test_the_node_counts_per_type_match_the_aiida_graph(demo_store: DemoStore) -> None:
    store, summary = demo_store

    types = get_creation_statistics(store).types

    # 48 workflows of 38 nodes, 2 failed of 36, 4 shared nodes and 2 standalone calc jobs of 8.
    assert summary.nodes_created == sum(types.values()) == 48 * 38 + 2 * 36 + 4 + 2 * 8
    assert types == {
        "data.core.code.installed.InstalledCode.": 1,
        "data.core.dict.Dict.": 50 + 252 + 250,  # workflow parameters, calc parameters, parsed outputs
        "data.core.folder.FolderData.": 3 + 252,  # pseudopotential families, retrieved folders
        "data.core.int.Int.": 252,
        "data.core.remote.RemoteData.": 252,
        "data.core.singlefile.SinglefileData.": 50 + 250 + 2,  # initial, relaxed, standalone inputs
        "process.calculation.calcjob.CalcJobNode.": 5 * 50 + 2,
        "process.workflow.workchain.WorkChainNode.": 50,
    }
    assert (summary.workflows, summary.failed_workflows, summary.standalone_calcs) == (50, 2, 2)


def test_every_workflow_is_finished_and_sealed_and_every_25th_failed(demo_store: DemoStore) -> None:
    store, _ = demo_store

    for workflow in workflows(store):
        assert isinstance(workflow, WorkChainNode)
        calcs = outgoing(workflow, LinkType.CALL_CALC)
        last = calcs["iteration_05"]
        assert isinstance(last, CalcJobNode)
        assert workflow.process_state is ProcessState.FINISHED and workflow.is_sealed
        assert workflow.process_label == "ConvergeWorkChain"
        assert all(calc.is_sealed and calc.process_state is ProcessState.FINISHED for calc in calcs.values())
        if workflow.label in FAILED:
            assert (workflow.exit_status, last.exit_status) == (401, 300)
            assert set(outgoing(last, LinkType.CREATE)) == {"remote_folder", "retrieved"}
            assert outgoing(workflow, LinkType.RETURN) == {}
        else:
            assert (workflow.exit_status, last.exit_status) == (0, 0)
            assert outgoing(workflow, LinkType.RETURN) == outgoing(last, LinkType.CREATE)


def test_calc_jobs_chain_their_structures_and_share_code_and_pseudos(demo_store: DemoStore) -> None:
    store, _ = demo_store

    for workflow in workflows(store):
        inputs = incoming(workflow, LinkType.INPUT_WORK)
        structure = inputs["structure"]
        for _, calc in sorted(outgoing(workflow, LinkType.CALL_CALC).items()):
            calc_inputs = incoming(calc, LinkType.INPUT_CALC)
            assert list(incoming(calc, LinkType.CALL_CALC).values()) == [workflow]
            assert set(calc_inputs) == {"code", "x", "parameters", "structure", "pseudos"}
            assert calc_inputs["structure"] == structure
            assert (calc_inputs["code"], calc_inputs["pseudos"]) == (inputs["code"], inputs["pseudos"])
            assert calc.computer is not None and calc.computer.label == "localhost"
            structure = outgoing(calc, LinkType.CREATE).get("output_structure")
    codes = {incoming(workflow, LinkType.INPUT_WORK)["code"].pk for workflow in workflows(store)}
    families = {incoming(workflow, LinkType.INPUT_WORK)["pseudos"].pk for workflow in workflows(store)}
    assert (len(codes), len(families)) == (1, 3)


def test_standalone_calc_jobs_have_no_caller(demo_store: DemoStore) -> None:
    store, _ = demo_store

    standalone = find_nodes(store, NodeFilter(label_like="standalone-%"))

    assert sorted(calc.label for calc in standalone) == ["standalone-000001", "standalone-000002"]
    for calc in standalone:
        assert incoming(calc, LinkType.CALL_CALC) == {}
        assert set(incoming(calc, LinkType.INPUT_CALC)) == {"code", "x", "parameters", "structure", "pseudos"}
        assert len(outgoing(calc, LinkType.CREATE)) == 4


def test_calc_jobs_carry_their_files_and_retrieved_outputs(demo_store: DemoStore) -> None:
    store, _ = demo_store

    calcs = find_nodes(store, NodeFilter(node_types=[CalcJobNode.node_type]), PageRequest(size=10_000))

    for calc in calcs:
        assert set(calc.list_files()) == {"_submit.sh", "job.in", ".provtop/calcinfo.json", ".provtop/job_tmpl.json"}
        json.loads(calc.get_object_content(".provtop/calcinfo.json"))
        created = outgoing(calc, LinkType.CREATE)
        retrieved = created["retrieved"]
        assert set(retrieved.list_files()) == {"job.out", "_scheduler-stdout.txt", "_scheduler-stderr.txt"}
        assert 3000 <= retrieved.list_files()["job.out"].size <= 7000
        assert retrieved.get_object_content("_scheduler-stderr.txt") == b""
        assert created["remote_folder"].computer.label == "localhost"
        assert created["remote_folder"].attributes["remote_path"] == calc.attributes["remote_workdir"]


def test_groups_hold_their_shares_of_the_workflows(demo_store: DemoStore) -> None:
    store, summary = demo_store
    projects = ("project/alpha", "project/beta", "campaign-2024")

    members = {label: {node.label for node in Group.load(label, store).nodes} for label in summary.group_members}
    grouped = set().union(*(members[label] for label in projects))

    assert summary.group_members == {
        "project/alpha": 20,
        "project/beta": 15,
        "campaign-2024": 10,
        "highlights": 7,
        "standalone-calcs": 1,
    }
    assert {label: len(nodes) for label, nodes in members.items()} == summary.group_members
    assert sum(len(members[label]) for label in projects) == len(grouped) == 45  # each in one project at most
    assert members["highlights"] == {f"converge-{index:06d}" for index in range(7, 51, 7)}
    assert members["standalone-calcs"] == {"standalone-000002"}
    assert len({workflow.label for workflow in workflows(store)} - grouped) == 5


def test_every_workflow_has_six_log_records_and_extras(demo_store: DemoStore) -> None:
    store, _ = demo_store

    for workflow in workflows(store):
        logs = Log.for_node(workflow)
        assert len(logs) == 6
        assert logs[-1].levelname == ("ERROR" if workflow.label in FAILED else "INFO")
        assert workflow.extras["demo_index"] == int(workflow.label.removeprefix("converge-"))


def test_the_graph_is_in_the_store_after_reopening(demo_store: DemoStore) -> None:
    store, _ = demo_store
    expected = (count_nodes(store), fingerprint(store))

    reopened = load_profile()
    try:
        assert (count_nodes(reopened), fingerprint(reopened)) == expected
    finally:
        reopened.close()
        set_current_store(store)


def test_populating_again_continues_the_numbering(store: Store) -> None:
    ticks: list[tuple[int, int]] = []

    first = populate(store, 24)
    second = populate(store, 2, progress=lambda done, total: ticks.append((done, total)))

    assert first.nodes_created == SHARED_NODES + 24 * 38 + 8  # workflow 20 brings a standalone calc job
    assert second.nodes_created == 36 + 38  # workflow 25 fails
    assert (second.failed_workflows, second.standalone_calcs) == (1, 0)
    assert [workflow.label for workflow in workflows(store)][-2:] == ["converge-000025", "converge-000026"]
    assert ticks == [(1, 2), (2, 2)]


def test_zero_workflows_write_only_the_shared_nodes_and_negative_is_refused(store: Store) -> None:
    assert populate(store, 0).nodes_created == SHARED_NODES
    assert populate(store, 0).nodes_created == 0
    with pytest.raises(InputError, match="0 or more"):
        populate(store, -1)


def test_the_same_seed_gives_the_same_contents(open_profile: Callable[[str], Store]) -> None:
    fingerprints = {}
    for name, seed in (("first", 0), ("again", 0), ("other", 1)):
        profile_store = open_profile(name)
        populate(profile_store, 3, seed=seed)
        fingerprints[name] = fingerprint(profile_store)

    assert fingerprints["first"] == fingerprints["again"]
    assert fingerprints["first"] != fingerprints["other"]


def test_postgresql_holds_the_same_graph_as_sqlite(
    postgres_store: Store, open_profile: Callable[[str], Store]
) -> None:
    populate(postgres_store, 25)
    on_postgres = fingerprint(postgres_store)
    sqlite_store = open_profile("sqlite")
    populate(sqlite_store, 25)

    assert on_postgres == fingerprint(sqlite_store)
    assert count_nodes(postgres_store) == count_nodes(sqlite_store) == SHARED_NODES + 24 * 38 + 36 + 8
