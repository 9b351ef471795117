"""Deterministic data for the TUI: a fresh profile with demo workflows, fixed times, fixed paths, fixed pks."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from provtop.backend.demo import populate
from provtop.backend.service import Service
from provtop.backend.store.schema import ComputerRow, GroupRow, LogRow, NodeRow
from provtop.tui.app import ProvtopApp
from sqlalchemy import select, update
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

CREATED = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
NOW = CREATED + timedelta(hours=3, minutes=5)
WORKDIR = "/scratch/provtop"
DEMO_WORKFLOWS = 12
FIXED_UUID = 0xA << 124  # "a0000000-…": a uuid whose text never needs quoting


def fixed_clock() -> datetime:
    return NOW


def freeze_times(service: Service) -> None:
    """Every node, log record and group gets the same fixed time, and every node and group a uuid
    made from its pk, so ages, log times and what depends on a uuid's text (the quoting of a
    dump's metadata, hence its sizes) never move."""
    with service.store.transaction() as session:
        session.execute(update(NodeRow).values(ctime=CREATED, mtime=CREATED))
        session.execute(update(LogRow).values(time=CREATED))
        session.execute(update(GroupRow).values(time=CREATED))
        for table in (NodeRow, GroupRow):
            for pk in session.scalars(select(table.id)).all():
                session.execute(update(table).where(table.id == pk).values(uuid=str(uuid.UUID(int=FIXED_UUID + pk))))


@pytest.fixture
def empty_service(provtop_home: Path) -> Iterator[Service]:
    service = Service.open()
    with service.store.transaction() as session:
        session.execute(update(ComputerRow).values(workdir=WORKDIR))
    yield service
    service.close()


@pytest.fixture
def demo_service(empty_service: Service) -> Service:
    populate(empty_service.store, DEMO_WORKFLOWS)
    freeze_times(empty_service)
    return empty_service


def make_app(service: Service, **options: object) -> ProvtopApp:
    """A still app (no event stream, no timers) on the fixed clock, unless `live=True` is given."""
    options.setdefault("live", False)
    options.setdefault("clock", fixed_clock)
    options.setdefault("profile_name", "default")
    return ProvtopApp(service, **options)  # type: ignore[arg-type]


async def settle(pilot: Pilot[object]) -> None:
    """Wait until the workers (all but the endless event stream) have posted their results and the detail pane's short delay has passed."""
    for _ in range(3):
        finite = [worker for worker in pilot.app.workers if worker.group != "events" and not worker.is_finished]
        for worker in finite:  # one by one: an exclusive worker may be cancelled by its successor
            try:
                await worker.wait()
            except WorkerCancelled:
                pass
        await pilot.pause(0.25)


async def press(pilot: Pilot[object], *keys: str) -> None:
    """Let the work under way finish, then press `keys` one by one, letting each key's workers finish too."""
    await settle(pilot)
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


async def until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `condition` (run in a thread: it may read the store) until it holds; fail naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(condition):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        await asyncio.sleep(0.1)
