"""Storing a node checks every link rule before writing, so a refused node leaves nothing behind."""

from __future__ import annotations

import pytest

from provtop.backend.entities import CalcJobNode, Computer, Int, LinkType, Str, WorkChainNode
from provtop.backend.errors import ValidationError
from provtop.backend.queries.nodes import count_nodes
from provtop.backend.store.store import Store


def running_calc(store: Store) -> CalcJobNode:
    return CalcJobNode(label="calc", computer=Computer.load("localhost", store)).store()


def test_an_output_label_taken_by_the_creator_is_refused_and_the_transaction_goes_on(any_store: Store) -> None:
    calc = running_calc(any_store)
    first = Int(1)
    first.add_incoming(calc, LinkType.CREATE, "result")
    first.store()
    clash, other = Int(2), Str("kept")
    clash.add_incoming(calc, LinkType.CREATE, "result")

    with any_store.transaction():
        with pytest.raises(ValidationError, match=f"node {calc.pk} has a create output labelled 'result' already"):
            clash.store()
        other.store()

    assert not clash.is_stored and other.is_stored
    assert count_nodes(any_store) == 3
    assert [triple.node for triple in calc.get_outgoing(LinkType.CREATE)] == [first]


def test_a_returned_label_is_unique_per_workflow(any_store: Store) -> None:
    workflow = WorkChainNode(label="wf").store()
    first, second = Int(1).store(), Int(2).store()
    first.add_incoming(workflow, LinkType.RETURN, "result")

    with pytest.raises(ValidationError, match="return output labelled 'result' already"):
        second.add_incoming(workflow, LinkType.RETURN, "result")

    second.add_incoming(workflow, LinkType.RETURN, "other")
    assert {triple.label for triple in workflow.get_outgoing(LinkType.RETURN)} == {"result", "other"}


def test_the_same_link_queued_twice_is_refused_at_once(store: Store) -> None:
    workflow = WorkChainNode(label="wf").store()
    node = Int(1)
    node.add_incoming(workflow, LinkType.RETURN, "result")

    with pytest.raises(ValidationError, match="has a return link labelled 'result' already"):
        node.add_incoming(workflow, LinkType.RETURN, "result")


def test_a_node_whose_source_is_not_stored_is_refused_whole(store: Store) -> None:
    calc = CalcJobNode(label="calc", computer=Computer.load("localhost", store))
    node = Int(1)
    node.add_incoming(calc, LinkType.CREATE, "result")

    with pytest.raises(ValidationError, match="store the source CalcJobNode of link 'result' first"):
        node.store()

    assert not node.is_stored and count_nodes(store) == 0
