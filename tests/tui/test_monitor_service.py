"""The monitor's service API without a terminal: pages, children, filters, detail, events."""

from __future__ import annotations

import asyncio

from provtop.backend.entities import WorkChainNode
from provtop.backend.service import Service
from provtop.backend.service.monitor_events import EventHub, ProcessesChanged, StatusChanged
from provtop.backend.service.snapshots import MonitorStatus, ProcessFilter, ProcessQuery
from provtop.tui.widgets.tree_model import ProcessTreeModel

from .conftest import CREATED, DEMO_WORKFLOWS


def test_keyset_pages_of_roots_cover_every_workflow_once(demo_service: Service) -> None:
    seen: list[int] = []
    query = ProcessQuery(size=5)
    while True:
        page = demo_service.process_page(query)
        seen += [row.pk for row in page.rows]
        if page.next_cursor is None:
            break
        query = query.model_copy(update={"cursor": page.next_cursor})
    assert len(seen) == len(set(seen)) == page.total == DEMO_WORKFLOWS
    assert seen == sorted(seen, reverse=True)


def test_pages_sorted_by_label_continue_where_the_last_one_stopped(demo_service: Service) -> None:
    first = demo_service.process_page(ProcessQuery(size=4, sort="label", descending=False))
    second = demo_service.process_page(ProcessQuery(size=4, sort="label", descending=False, cursor=first.next_cursor))
    assert [row.label for row in first.rows + second.rows] == [f"converge-{n:06d}" for n in range(1, 9)]


def test_children_of_many_workflows_come_in_call_order(demo_service: Service) -> None:
    roots = demo_service.process_page(ProcessQuery(size=3)).rows
    children = demo_service.process_children([row.pk for row in roots])
    assert all(row.child_count == 5 for row in roots)
    for root in roots:
        assert [row.label for row in children[root.pk]] == [f"iteration_{i:02d}" for i in range(1, 6)]
        assert {row.kind for row in children[root.pk]} == {"calcjob"}


def test_filter_parses_state_computer_text_and_inversion() -> None:
    parsed = ProcessFilter.parse("!state:running,waiting computer:hpc relax")
    assert parsed == ProcessFilter(states=("running", "waiting"), computer="hpc", text="relax", invert=True)
    assert ProcessFilter.parse(parsed.describe()) == parsed


def test_failed_workflows_are_finished_with_a_non_zero_exit_status(demo_service: Service) -> None:
    page = demo_service.process_page(ProcessQuery(filter=ProcessFilter(text="converge-000025")))
    assert page.total == 0  # only 12 workflows: none fails (every 25th does)
    page = demo_service.process_page(ProcessQuery(roots_only=False, filter=ProcessFilter(text="Relax")))
    assert page.total == DEMO_WORKFLOWS * 5


def test_process_detail_lists_inputs_outputs_logs_and_files(demo_service: Service) -> None:
    workflow = demo_service.process_page(ProcessQuery(size=1)).rows[0]
    detail = demo_service.process_detail(workflow.pk)
    assert [link.link_label for link in detail.inputs] == ["code", "parameters", "pseudos", "structure"]
    assert len(detail.called) == 5 and detail.logs_total == 6
    job = demo_service.process_detail(detail.called[0].pk)
    assert job.caller is not None and job.caller.pk == workflow.pk
    assert {item.path for item in job.files} >= {"_submit.sh", "job.in"}
    assert job.logs == [] and job.row.job_id


def test_descendant_count_names_only_active_processes(demo_service: Service) -> None:
    finished = demo_service.process_page(ProcessQuery(size=1)).rows[0]
    assert demo_service.count_descendants([finished.pk]).total == 0


def test_tree_model_inserts_a_new_root_in_sort_order_and_keeps_the_cursor(demo_service: Service) -> None:
    model = ProcessTreeModel()
    model.reset(demo_service.process_page(ProcessQuery(size=100)))
    model.set_cursor_index(4)
    chosen = model.cursor_pk
    workflow = WorkChainNode(label="newest")
    workflow.set_attribute_many({"process_state": "running"})
    workflow.store()
    assert model.apply(demo_service.process_rows([workflow.pk]))
    assert model.roots[0] == workflow.pk and model.cursor_pk == chosen and model.cursor_index == 5


def test_an_untouched_cursor_follows_the_first_row_as_processes_arrive(demo_service: Service) -> None:
    model = ProcessTreeModel()
    model.reset(demo_service.process_page(ProcessQuery(size=100, roots_only=True, filter=ProcessFilter(text="none such"))))
    rows = demo_service.process_page(ProcessQuery(size=100)).rows
    model.apply(sorted(rows, key=lambda row: row.pk))  # the event stream sends them oldest first
    assert model.cursor_pk == model.roots[0] == max(row.pk for row in rows)


async def test_event_hub_coalesces_a_burst_into_few_batches_with_the_newest_rows(demo_service: Service) -> None:
    hub = EventHub(max_batches_per_second=10)
    subscription = hub.subscribe()
    rows = demo_service.process_page(ProcessQuery(size=3)).rows
    status = MonitorStatus(engine="none", active=0, running=0, waiting=0, paused=0)
    for index in range(300):
        hub.publish(ProcessesChanged(rows=rows))
        hub.publish(StatusChanged(status=status.model_copy(update={"active": index})))
    batch = await asyncio.wait_for(subscription.__anext__(), 2)
    assert set(batch.processes) == {row.pk for row in rows}
    assert batch.status is not None and batch.status.active == 299
    subscription.close()
    assert hub.subscriber_count == 0


def test_store_poller_publishes_each_change_once(demo_service: Service) -> None:
    from provtop.backend.service.monitor_events import StorePoller

    published: list[object] = []
    poller = StorePoller(demo_service.changed_processes, lambda: CREATED, demo_service.monitor_status)
    poller.poll_once(published.append)  # the first round also sends the last seconds' changes
    published.clear()
    workflow = WorkChainNode(label="poll-me")
    workflow.set_attribute_many({"process_state": "running"})
    workflow.store()
    poller.poll_once(published.append)
    poller.poll_once(published.append)
    changed = [event for event in published if isinstance(event, ProcessesChanged)]
    assert [[row.pk for row in event.rows] for event in changed] == [[workflow.pk]]
    assert [event.status.running for event in published if isinstance(event, StatusChanged)] == [1]
