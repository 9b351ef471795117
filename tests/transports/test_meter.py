"""TransferMeter: totals, sliding-window rates, active transfers, pk tags and coalesced events."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from provtop.transports import LocalTransport
from provtop.transports.meter import MeterEvent, TransferMeter, tag_process


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_totals_add_up_per_computer_and_operation() -> None:
    meter = TransferMeter()
    meter.start("hpc", "put", "/a").advance(100)
    meter.start("hpc", "get", "/b").advance(30)
    meter.start("lab", "put", "/c").advance(7)
    assert meter.total("hpc", "put") == 100
    assert meter.total("hpc") == 130
    assert meter.total(operation="put") == 107
    assert meter.total() == 137


def test_rate_is_bytes_per_second_over_the_sliding_window() -> None:
    clock = FakeClock()
    meter = TransferMeter(window=2.0, clock=clock)
    transfer = meter.start("hpc", "put", "/a")
    for _ in range(10):  # 1000 bytes every 0.2 s for 2 s
        transfer.advance(1000)
        clock.now += 0.2
    assert meter.rate("hpc", "put") == pytest.approx(5000, rel=0.11)
    clock.now += 5
    assert meter.rate("hpc", "put") == 0


def test_active_transfers_show_size_and_progress_until_they_end() -> None:
    meter = TransferMeter()
    with meter.track("hpc", "get", "/big", total=400) as transfer:
        transfer.advance(100)
        [progress] = meter.active()
        assert (progress.path, progress.done, progress.total, progress.fraction) == ("/big", 100, 400, 0.25)
    assert meter.active() == []


def test_a_restarted_part_counts_once_in_progress_but_fully_in_totals() -> None:
    meter = TransferMeter()
    with meter.track("hpc", "put", "/tree", total=300) as transfer:
        first, second = transfer.part(), transfer.part()
        first.advance(100)
        second.advance(80)  # cut off here, then tried again from the start
        second.restart()
        second.counter()(200)
        assert transfer.progress.done == 300
    assert meter.total() == 380


def test_a_transfer_that_raises_is_marked_failed() -> None:
    meter = TransferMeter()
    with pytest.raises(RuntimeError), meter.track("hpc", "put", "/x") as transfer:
        raise RuntimeError("boom")
    assert transfer.progress.state == "failed"


async def test_transfers_carry_the_process_pk_of_their_task_and_threads() -> None:
    meter = TransferMeter()

    async def process(pk: int) -> list[int | None]:
        with tag_process(pk):
            in_task = meter.start("hpc", "put", f"/{pk}").progress.pk
            in_thread = await asyncio.to_thread(lambda: meter.start("hpc", "get", f"/{pk}").progress.pk)
        return [in_task, in_thread]

    assert await asyncio.gather(process(1), process(2)) == [[1, 1], [2, 2]]
    assert meter.start("hpc", "put", "/untagged").progress.pk is None


async def test_events_are_coalesced_and_carry_the_latest_figures() -> None:
    meter = TransferMeter(max_events_per_second=10)
    events = meter.events()
    first_event = asyncio.ensure_future(anext(events))
    await asyncio.sleep(0)  # let the subscription start
    transfer = meter.start("hpc", "put", "/a", total=100_000)
    for _ in range(1000):
        transfer.advance(100)
    first = await first_event
    assert [t.total for t in first.throughput] == [100_000]
    assert first.active[0].done == 100_000
    transfer.advance(1)
    second = await anext(events)
    assert second.at - first.at >= 0.1
    await events.aclose()


async def test_progress_from_worker_threads_is_published_on_the_loop() -> None:
    meter = TransferMeter()
    received: list[MeterEvent] = []
    published = asyncio.Event()

    def on_event(event: MeterEvent) -> None:
        received.append(event)
        if event.finished:
            published.set()

    unsubscribe = meter.subscribe(on_event)

    def work() -> None:
        with meter.track("hpc", "get", "/t") as transfer:
            transfer.advance(42)

    await asyncio.to_thread(work)
    await published.wait()
    unsubscribe()
    assert received[-1].finished[0].done == 42 and received[-1].finished[0].state == "done"


async def test_a_transport_meters_the_bytes_it_moves(tmp_path: Path) -> None:
    source = tmp_path / "data.bin"
    source.write_bytes(b"x" * 300_000)
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "a").write_bytes(b"y" * 1000)
    meter = TransferMeter()
    async with LocalTransport(label="here", meter=meter) as transport:
        await transport.put(str(source), str(tmp_path / "up.bin"))
        await transport.get(str(tmp_path / "tree"), str(tmp_path / "down"))
        await transport.copy(str(source), str(tmp_path / "copy.bin"))
    assert (meter.total("here", "put"), meter.total("here", "get"), meter.total("here", "copy")) == (
        300_000,
        1000,
        300_000,
    )
