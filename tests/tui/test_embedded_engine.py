"""The engine inside the monitor's loop: who starts it, how its events reach the hub, what quitting leaves."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from sqlalchemy import select

from provtop.backend.engine.events import EventBus, ProcessEvent
from provtop.backend.service import Service
from provtop.backend.service.monitor_engine import EngineEventSource
from provtop.backend.service.monitor_events import EventHub, MonitorEvent, ProcessesChanged, StatusChanged
from provtop.backend.service.snapshots import MonitorStatus
from provtop.backend.store.schema import EngineRow, ProcessLeaseRow

from .conftest import make_app, settle

TERMINAL = {"finished", "excepted", "killed"}


async def test_engine_events_become_rows_on_the_hub_without_the_poller(demo_service: Service) -> None:
    bus = EventBus()
    pk = demo_service.process_page().rows[0].pk
    status = MonitorStatus(engine="embedded", active=0, running=0, waiting=0, paused=0)
    source = EngineEventSource(bus, demo_service.process_rows, lambda: status, delay=0.0)
    published: list[MonitorEvent] = []
    arrived = asyncio.Event()

    def publish(event: MonitorEvent) -> None:
        published.append(event)  # on the bridge's thread; the status comes last
        if isinstance(event, StatusChanged):
            loop.call_soon_threadsafe(arrived.set)

    loop = asyncio.get_running_loop()
    source.start(publish)
    for _ in range(3):  # a burst: one read for all of it
        bus.publish(ProcessEvent.now(pk=pk, state="running"))
    await asyncio.wait_for(arrived.wait(), 5)
    source.stop()
    rows = [event for event in published if isinstance(event, ProcessesChanged)]
    assert [[row.pk for row in event.rows] for event in rows] == [[pk]]


async def test_hosted_engine_runs_the_demo_meters_its_transfers_and_releases_leases_on_exit(
    empty_service: Service,
) -> None:
    service = empty_service
    hub: EventHub = service.monitor_hub
    seen_states: dict[int, str] = {}
    async with service.hosted_engine() as choice:
        assert choice.mode == "embedded"
        assert service.monitor_status().engine == "embedded"
        subscription = hub.subscribe()
        roots = await asyncio.to_thread(service.launch_demo, transfer_mb=2, sleep_seconds=0)
        deadline = time.monotonic() + 90
        async with subscription:
            while time.monotonic() < deadline:
                batch = await asyncio.wait_for(subscription.__anext__(), 30)
                seen_states.update({pk: row.state for pk, row in batch.processes.items()})
                if all(seen_states.get(root.pk) in TERMINAL for root in roots):
                    break
        assert service.transfer_meter.total() >= 2 * 1024 * 1024
    assert all(seen_states[root.pk] in TERMINAL for root in roots)
    with service.store.reading() as session:
        assert session.scalars(select(ProcessLeaseRow.engine_id).where(ProcessLeaseRow.engine_id.is_not(None))).all() == []
        assert all(row.stopped is not None for row in session.scalars(select(EngineRow)))
    assert service.monitor_status().engine == "none"


async def test_a_second_monitor_leaves_the_processes_to_the_engine_that_runs_them(
    empty_service: Service, provtop_home: Path
) -> None:
    async with empty_service.hosted_engine() as first:
        other = Service.open()
        try:
            async with other.hosted_engine() as second:
                assert (first.mode, second.mode) == ("embedded", "external")
                assert other.embedded_engine is None
                assert other.monitor_status().engine == "external"
        finally:
            other.store.close()


async def test_read_only_starts_no_engine(empty_service: Service) -> None:
    async with empty_service.hosted_engine(enabled=False) as choice:
        assert choice.mode == "off"
        assert empty_service.embedded_engine is None


async def test_demo_key_launches_live_workflows_and_shift_n_adds_finished_ones(empty_service: Service) -> None:
    app = make_app(empty_service)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        for _ in range(50):
            await settle(pilot)
            if app.screen.model.roots:  # type: ignore[attr-defined]
                break
        labels = sorted(app.screen.model.rows[pk].label for pk in app.screen.model.roots)  # type: ignore[attr-defined]
        assert labels == ["demo: doomed analysis", "demo: large transfer", "demo: word statistics"]
