"""Link rules (AiiDA's semantics): endpoints, one creator, one caller, unique labels, stored targets."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from provtop.backend.entities import (
    CalcFunctionNode,
    CalcJobNode,
    Dict,
    Int,
    Link,
    LinkType,
    Node,
    ProcessState,
    Str,
    WorkChainNode,
    WorkflowNode,
    WorkFunctionNode,
    load_node,
)
from provtop.backend.errors import ModificationNotAllowed, ValidationError
from provtop.backend.store.schema import LinkRow, NodeRow
from provtop.backend.store.store import Store

KINDS: dict[str, Callable[[], Node]] = {
    "data": lambda: Int(1),
    "calculation": CalcJobNode,
    "workflow": WorkChainNode,
}
ALLOWED = {
    LinkType.CREATE: ("calculation", "data"),
    LinkType.RETURN: ("workflow", "data"),
    LinkType.INPUT_CALC: ("data", "calculation"),
    LinkType.INPUT_WORK: ("data", "workflow"),
    LinkType.CALL_CALC: ("workflow", "calculation"),
    LinkType.CALL_WORK: ("workflow", "workflow"),
}
CLASSES: dict[str, list[type[Node]]] = {
    "data": [Dict],
    "calculation": [CalcJobNode, CalcFunctionNode],
    "workflow": [WorkChainNode, WorkFunctionNode, WorkflowNode],
}
ALLOWED_CLASSES = [
    pytest.param(link_type, source, target, id=f"{link_type.value}-{source.__name__}-{target.__name__}")
    for link_type, (source_kind, target_kind) in ALLOWED.items()
    for source in CLASSES[source_kind]
    for target in CLASSES[target_kind]
]
REFUSED = [
    (link_type, source, target)
    for link_type, (source, target) in itertools.product(LinkType, itertools.product(KINDS, KINDS))
    if (source, target) != ALLOWED[link_type]
]


def count_rows(store: Store, table: type) -> int:
    with store.reading() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


@pytest.mark.parametrize(("link_type", "source_class", "target_class"), ALLOWED_CLASSES)
def test_each_link_type_joins_its_endpoints(
    profile_store: Store, link_type: LinkType, source_class: type[Node], target_class: type[Node]
) -> None:
    source = source_class().store()
    target = target_class()

    target.add_incoming(source, link_type, "the_label")
    target.store()

    [incoming] = load_node(target.pk).get_incoming()
    assert (incoming.node.pk, incoming.link_type, incoming.label) == (source.pk, link_type, "the_label")
    [outgoing] = load_node(source.pk).get_outgoing(link_type)
    assert outgoing.node.pk == target.pk


@pytest.mark.parametrize(("link_type", "source_kind", "target_kind"), REFUSED)
def test_a_link_between_the_wrong_kinds_is_refused(
    profile_store: Store, link_type: LinkType, source_kind: str, target_kind: str
) -> None:
    source = KINDS[source_kind]().store()
    target = KINDS[target_kind]()

    with pytest.raises(ValidationError):
        target.add_incoming(source, link_type, "label")

    target.store()
    assert count_rows(profile_store, LinkRow) == 0


def test_a_data_node_has_one_creator(profile_store: Store) -> None:
    data = Int(1)
    data.add_incoming(CalcJobNode().store(), LinkType.CREATE, "result")

    with pytest.raises(ValidationError):
        data.add_incoming(CalcJobNode().store(), LinkType.CREATE, "other")


def test_a_data_node_created_by_one_calculation_may_be_returned_by_workflows(profile_store: Store) -> None:
    data = Int(1)
    data.add_incoming(CalcJobNode().store(), LinkType.CREATE, "result")
    data.store()

    for workflow in (WorkChainNode().store(), WorkChainNode().store()):
        data.add_incoming(workflow, LinkType.RETURN, "result")

    assert sorted(t.link_type for t in load_node(data.pk).get_incoming()) == ["create", "return", "return"]


@pytest.mark.parametrize(
    ("first", "second"),
    [(LinkType.CALL_CALC, LinkType.CALL_CALC), (LinkType.CALL_WORK, LinkType.CALL_WORK)],
)
def test_a_process_has_one_caller(profile_store: Store, first: LinkType, second: LinkType) -> None:
    callee = CalcJobNode() if first is LinkType.CALL_CALC else WorkChainNode()
    callee.add_incoming(WorkChainNode().store(), first, "step_one")

    with pytest.raises(ValidationError):
        callee.add_incoming(WorkChainNode().store(), second, "step_two")


@pytest.mark.parametrize(("target_class", "link_type"), [(CalcJobNode, LinkType.INPUT_CALC),
                                                         (WorkChainNode, LinkType.INPUT_WORK)])
def test_input_labels_are_unique_per_process(profile_store: Store, target_class: type[Node], link_type: LinkType) -> None:
    process = target_class()
    process.add_incoming(Int(1).store(), link_type, "x")

    with pytest.raises(ValidationError):
        process.add_incoming(Int(2).store(), link_type, "x")
    process.add_incoming(Int(3).store(), link_type, "y")
    process.store()

    assert sorted(t.label for t in process.get_incoming()) == ["x", "y"]


def test_one_data_node_may_be_an_input_under_two_labels(profile_store: Store) -> None:
    data = Int(1).store()
    process = CalcJobNode()

    process.add_incoming(data, LinkType.INPUT_CALC, "x")
    process.add_incoming(data, LinkType.INPUT_CALC, "y")
    process.store()

    assert len(process.get_incoming()) == 2


def test_created_output_labels_are_unique_per_calculation(profile_store: Store) -> None:
    calc = CalcJobNode().store()
    first = Int(1)
    first.add_incoming(calc, LinkType.CREATE, "result")
    first.store()
    second = Int(2)
    second.add_incoming(calc, LinkType.CREATE, "result")
    nodes_before = count_rows(profile_store, NodeRow)

    with pytest.raises(ValidationError):
        second.store()

    assert not second.is_stored
    assert count_rows(profile_store, NodeRow) == nodes_before
    assert [t.label for t in calc.get_outgoing()] == ["result"]


def test_returned_output_labels_are_unique_per_workflow(profile_store: Store) -> None:
    workflow = WorkChainNode().store()
    Int(1).store().add_incoming(workflow, LinkType.RETURN, "result")

    with pytest.raises(ValidationError):
        Int(2).store().add_incoming(workflow, LinkType.RETURN, "result")

    assert [t.label for t in workflow.get_outgoing()] == ["result"]


def test_create_and_return_labels_do_not_clash_with_each_other(profile_store: Store) -> None:
    data = Int(1)
    data.add_incoming(CalcJobNode().store(), LinkType.CREATE, "result")
    data.store()

    data.add_incoming(WorkChainNode().store(), LinkType.RETURN, "result")

    assert len(data.get_incoming()) == 2


@pytest.mark.parametrize("label", ["", "_x", "x_", "a-b", "a b", "a.b", "ü", "x\n", "__"])
def test_invalid_link_labels_are_refused(profile_store: Store, label: str) -> None:
    process = CalcJobNode()

    with pytest.raises(ValidationError):
        process.add_incoming(Int(1).store(), LinkType.INPUT_CALC, label)


@pytest.mark.parametrize("label", ["x", "X1", "1x", "a_b", "namespace__port", "a" * 200])
def test_valid_link_labels_are_accepted(profile_store: Store, label: str) -> None:
    process = CalcJobNode()

    process.add_incoming(Int(1).store(), LinkType.INPUT_CALC, label)
    process.store()

    assert [t.label for t in process.get_incoming()] == [label]


def test_return_to_a_stored_node_is_allowed(profile_store: Store) -> None:
    workflow = WorkChainNode().store()
    data = Int(1).store()

    data.add_incoming(workflow, LinkType.RETURN, "result")

    assert [(t.node.pk, t.link_type) for t in data.get_incoming()] == [(workflow.pk, LinkType.RETURN)]


@pytest.mark.parametrize("link_type", [t for t in LinkType if t is not LinkType.RETURN])
def test_other_links_into_a_stored_node_are_refused(profile_store: Store, link_type: LinkType) -> None:
    source_kind, target_kind = ALLOWED[link_type]
    source = KINDS[source_kind]().store()
    target = KINDS[target_kind]().store()

    with pytest.raises(ModificationNotAllowed):
        target.add_incoming(source, link_type, "late")

    assert count_rows(profile_store, LinkRow) == 0


def test_the_link_entity_obeys_the_same_rules(profile_store: Store) -> None:
    calc = CalcJobNode().store()
    data = Int(1).store()

    with pytest.raises(ModificationNotAllowed):
        Link(calc.uuid, data.uuid, LinkType.CREATE, "result").store()

    assert count_rows(profile_store, LinkRow) == 0


def test_a_node_cannot_link_to_itself(profile_store: Store) -> None:
    node = WorkChainNode()
    with pytest.raises(ValidationError):
        node.add_incoming(node, LinkType.CALL_WORK, "self")
    node.store()

    with pytest.raises(ValidationError):
        load_node(node.pk).add_incoming(node, LinkType.CALL_WORK, "self")

    assert count_rows(profile_store, LinkRow) == 0


def test_a_sealed_process_takes_no_new_outgoing_links(profile_store: Store) -> None:
    workflow = WorkChainNode().store()
    workflow.terminate(ProcessState.FINISHED, exit_status=0)

    with pytest.raises(ModificationNotAllowed):
        Int(1).store().add_incoming(workflow, LinkType.RETURN, "late")
    with pytest.raises(ModificationNotAllowed):
        CalcJobNode().add_incoming(workflow, LinkType.CALL_CALC, "late")


def test_an_unstored_source_must_be_stored_first(profile_store: Store) -> None:
    process = CalcJobNode()
    process.add_incoming(Int(1), LinkType.INPUT_CALC, "x")

    with pytest.raises(ValidationError):
        process.store()

    assert not process.is_stored
    assert count_rows(profile_store, NodeRow) == 0


def test_a_node_and_its_links_are_stored_together(profile_store: Store) -> None:
    workflow = WorkChainNode().store()
    calc = CalcJobNode()
    calc.add_incoming(workflow, LinkType.CALL_CALC, "iteration_01")
    calc.add_incoming(Int(1).store(), LinkType.INPUT_CALC, "x")
    calc.add_incoming(Str("s").store(), LinkType.INPUT_CALC, "s")

    calc.store()

    assert sorted((t.link_type, t.label) for t in load_node(calc.pk).get_incoming()) == [
        ("call_calc", "iteration_01"), ("input_calc", "s"), ("input_calc", "x"),
    ]
    assert [t.node.pk for t in workflow.get_outgoing(LinkType.CALL_CALC)] == [calc.pk]
