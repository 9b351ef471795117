"""Workflows as async functions: children in parallel, CALL and RETURN links, failures, nesting."""

from __future__ import annotations

from provtop.backend.engine.engine import Engine
from provtop.backend.entities import CalcFunctionNode, CalcJobNode, Computer, Int, LinkType, Log, WorkChainNode

from .processes_for_tests import add, add_in_parallel, nested, shell_then_fail


async def test_workflow_runs_children_in_parallel_and_returns_their_output(engine: Engine, localhost: Computer) -> None:
    node = await engine.submit(add_in_parallel, x=Int(10), y=Int(0), n=Int(3))
    done = await engine.wait_terminated(node.pk)
    assert done.is_finished_ok, done.attributes
    called = [t for t in done.get_outgoing() if t.link_type in (LinkType.CALL_CALC, LinkType.CALL_WORK)]
    assert sorted(type(t.node).__name__ for t in called) == ["CalcFunctionNode"] * 2 + ["CalcJobNode"] * 3
    returned = {t.label: t.node for t in done.get_outgoing(LinkType.RETURN)}
    assert returned["total"].value == 10 + 11 + 12
    creator = returned["total"].get_incoming(LinkType.CREATE)[0].node
    assert isinstance(creator, CalcFunctionNode)
    assert any(log.message == "total is 33" and log.levelname == "REPORT" for log in Log.for_node(done))


async def test_failing_child_lets_the_workflow_finish_with_its_own_exit_code(engine: Engine, localhost: Computer) -> None:
    node = await engine.submit(shell_then_fail)
    done = await engine.wait_terminated(node.pk)
    assert done.exit_status == 401
    children = [t.node for t in done.get_outgoing(LinkType.CALL_CALC)]
    assert [child.exit_status for child in children] == [0, 400]


async def test_subworkflow_is_called_with_a_call_work_link(engine: Engine, localhost: Computer) -> None:
    node = await engine.submit(nested, x=Int(5))
    done = await engine.wait_terminated(node.pk)
    assert done.is_finished_ok, done.attributes
    (inner,) = [t.node for t in done.get_outgoing(LinkType.CALL_WORK)]
    assert isinstance(inner, WorkChainNode)
    assert {t.label: t.node for t in done.get_outgoing(LinkType.RETURN)}["total"].value == 5 + 6


def test_calcfunction_outside_a_workflow_records_its_inputs_and_output(store: object) -> None:
    result, node = add.run_get_node(Int(1), Int(2))
    assert result.value == 3
    assert isinstance(node, CalcFunctionNode) and node.is_finished_ok
    assert {t.label for t in node.get_incoming(LinkType.INPUT_CALC)} == {"x", "y"}
    assert result.get_incoming(LinkType.CREATE)[0].node.pk == node.pk
    assert not isinstance(node, CalcJobNode)
