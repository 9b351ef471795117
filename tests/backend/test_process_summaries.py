"""The light process listing shows what the full nodes hold, page by page, on both databases."""

from __future__ import annotations

from provtop.backend.demo import DemoSummary, populate
from provtop.backend.entities import CalcJobNode, Computer, ProcessState
from provtop.backend.queries.filters import NodeFilter, PageRequest
from provtop.backend.queries.nodes import find_nodes
from provtop.backend.queries.process_summaries import ProcessSummary, list_process_summaries
from provtop.backend.store.store import Store

DemoStore = tuple[Store, DemoSummary]


def all_pages(store: Store, flt: NodeFilter | None = None, size: int = 40) -> list[ProcessSummary]:
    page, listed = PageRequest(size=size), []
    while summaries := list_process_summaries(store, flt, page):
        listed += summaries
        page = page.model_copy(update={"after_pk": summaries[-1].pk})
    return listed


def test_pages_list_every_process_once_newest_first(demo_store: DemoStore) -> None:
    store, _ = demo_store

    listed = all_pages(store)

    assert len(listed) == 50 + 5 * 50 + 2
    assert [summary.pk for summary in listed] == sorted({summary.pk for summary in listed}, reverse=True)


def test_a_summary_holds_what_the_node_holds(demo_store: DemoStore) -> None:
    store, _ = demo_store
    nodes = {node.pk: node for node in find_nodes(store, NodeFilter(node_types=["process."]), PageRequest(size=1000))}

    for summary in all_pages(store):
        node = nodes[summary.pk]
        assert (summary.uuid, summary.label, summary.node_type, summary.ctime, summary.mtime) == (
            node.uuid, node.label, node.node_type, node.ctime, node.mtime
        )
        assert (summary.process_state, summary.process_label, summary.exit_status) == (
            node.process_state, node.process_label, node.exit_status
        )
        assert summary.computer == (node.computer.label if node.computer else None)
        assert summary.job_id == node.attributes.get("job_id")


def test_filters_narrow_the_listing(demo_store: DemoStore) -> None:
    store, _ = demo_store

    calcs = all_pages(store, NodeFilter(node_types=[CalcJobNode.node_type], label="iteration_05"))
    failed = [summary.label for summary in calcs if summary.exit_status == 300]

    assert len(calcs) == 50 and len(failed) == 2
    assert all_pages(store, NodeFilter(process_states=["running", "waiting"])) == []
    assert {summary.computer for summary in calcs} == {"localhost"}


def test_postgresql_and_sqlite_list_the_same_fields(any_store: Store) -> None:
    populate(any_store, 1)
    running = CalcJobNode(label="queued", computer=Computer.load("localhost", any_store))
    running.set_attribute_many({"process_state": ProcessState.WAITING.value, "job_id": "77"})
    running.store()

    newest, *rest = list_process_summaries(any_store)
    workflow = rest[-1]

    assert (newest.label, newest.process_state, newest.exit_status, newest.job_id) == ("queued", "waiting", None, "77")
    assert (workflow.label, workflow.process_label, workflow.exit_status) == ("converge-000001", "ConvergeWorkChain", 0)
    assert (workflow.computer, workflow.job_id) == (None, None)
    assert [summary.computer for summary in rest[:-1]] == ["localhost"] * 5
