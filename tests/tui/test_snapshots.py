"""SVG snapshots of every screen and dialog on deterministic data (`pytest --snapshot-update` to accept)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input

from provtop.backend.service import Service

from .conftest import freeze_times, make_app, press, settle
from .test_processes_screen import ServiceWithKill, running_workflow

SIZE = (160, 45)


def after(*keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Settle, press `keys` one by one letting workers finish after each, settle again."""

    async def run(pilot: Pilot[Any]) -> None:
        await press(pilot, *keys)

    return run


def with_running_workflow(service: Service) -> ServiceWithKill:
    running_workflow(service, "relax-campaign")
    freeze_times(service)
    return ServiceWithKill(service)


def test_processes_screen_with_an_expanded_workflow(snap_compare: Any, demo_service: Service) -> None:
    assert snap_compare(make_app(demo_service), terminal_size=SIZE, run_before=after("plus"))


def test_processes_screen_with_a_running_workflow(snap_compare: Any, demo_service: Service) -> None:
    app = make_app(with_running_workflow(demo_service))
    assert snap_compare(app, terminal_size=SIZE, run_before=after("plus", "down"))


def test_processes_flat_list_filtered(snap_compare: Any, demo_service: Service) -> None:
    keys = ("slash", *"iteration_0", "enter")
    assert snap_compare(make_app(demo_service), terminal_size=SIZE, run_before=after(*keys))


def test_processes_screen_read_only(snap_compare: Any, demo_service: Service) -> None:
    assert snap_compare(make_app(demo_service, read_only=True), terminal_size=SIZE, run_before=after())


def test_kill_dialog(snap_compare: Any, demo_service: Service) -> None:
    app = make_app(with_running_workflow(demo_service))
    assert snap_compare(app, terminal_size=SIZE, run_before=after("k"))


def test_force_kill_dialog(snap_compare: Any, demo_service: Service) -> None:
    app = make_app(with_running_workflow(demo_service))
    assert snap_compare(app, terminal_size=SIZE, run_before=after("K"))


def test_groups_screen(snap_compare: Any, demo_service: Service) -> None:
    assert snap_compare(make_app(demo_service), terminal_size=SIZE, run_before=after("2"))


def test_group_members_screen(snap_compare: Any, demo_service: Service) -> None:
    assert snap_compare(make_app(demo_service), terminal_size=SIZE, run_before=after("2", "enter"))


def test_transfers_screen(snap_compare: Any, demo_service: Service) -> None:
    assert snap_compare(make_app(demo_service), terminal_size=SIZE, run_before=after("3"))


def test_help_screen(snap_compare: Any, demo_service: Service) -> None:
    assert snap_compare(make_app(demo_service), terminal_size=SIZE, run_before=after("question_mark"))


def test_empty_profile_offers_the_demo(snap_compare: Any, empty_service: Service) -> None:
    assert snap_compare(make_app(empty_service), terminal_size=SIZE, run_before=after())


def test_stash_dialog(snap_compare: Any, demo_service: Service) -> None:
    assert snap_compare(make_app(demo_service), terminal_size=SIZE, run_before=after("plus", "down", "s"))


SMALL = (80, 24)
DUMP_TARGET = "/scratch/provtop/dumps/alpha"


@pytest.mark.parametrize("keys", [("plus",), ("enter",)], ids=["tree", "details-below-the-list"])
def test_processes_screen_small_terminal(snap_compare: Any, demo_service: Service, keys: tuple[str, ...]) -> None:
    app = make_app(with_running_workflow(demo_service))
    assert snap_compare(app, terminal_size=SMALL, run_before=after(*keys))


async def _dump_options(pilot: Pilot[Any]) -> None:
    await after("2", "d")(pilot)
    pilot.app.screen.query_one("#dump-path", Input).value = DUMP_TARGET
    await settle(pilot)


def test_dump_options_dialog_small_terminal(snap_compare: Any, demo_service: Service) -> None:
    assert snap_compare(make_app(demo_service), terminal_size=SMALL, run_before=_dump_options)


def test_dump_plan_dialog(snap_compare: Any, demo_service: Service) -> None:
    async def plan(pilot: Pilot[Any]) -> None:
        await _dump_options(pilot)
        pilot.app.screen.query_one("#confirm", Button).press()
        await settle(pilot)

    assert snap_compare(make_app(demo_service), terminal_size=SIZE, run_before=plan)
