"""How the processes screen reads at every width, and what it does without a round trip: ages tick,
the filter follows typing, pause and play act at once, the kill dialog names what dies."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from rich.console import Console
from textual.widgets import Static

from provtop.backend.service import Service
from provtop.backend.service.control_actions import ControlResult
from provtop.backend.service.snapshots import ProcessFilter
from provtop.tui.modals.confirm_kill import ConfirmControlDialog
from provtop.tui.widgets.mode_bar import ModeBar
from provtop.tui.widgets.process_detail import ProcessDetailPane
from provtop.tui.widgets.process_tree import MIN_INFO, MIN_LABEL, Columns

from .conftest import NOW, make_app, press, settle
from .test_processes_screen import ServiceWithKill, running_workflow, screen_of


def text_of(renderable: Any, width: int = 100) -> str:
    console = Console(width=width, file=io.StringIO(), record=True)
    console.print(renderable)
    return console.export_text()


class CountingService(ServiceWithKill):
    """Counts detail queries and records pause and play calls, which change nothing."""

    def __init__(self, service: Service) -> None:
        super().__init__(service)
        self.detail_queries = 0

    def process_detail(self, pk: int) -> Any:
        self.detail_queries += 1
        return self._service.process_detail(pk)

    def pause_processes(self, pks: list[int], timeout: float | None = None) -> ControlResult:
        self.calls.append((pks, {"pause": True}))
        return ControlResult(action="pause", outcomes=[], skipped=[], message=f"paused {len(pks)}")


@pytest.mark.parametrize("width", [60, 80, 100, 120, 160, 240])
def test_columns_keep_the_label_and_the_status_readable_and_drop_job_columns_first(width: int) -> None:
    columns = Columns.for_width(width)
    assert columns.label >= MIN_LABEL
    assert columns.info == 0 or columns.info >= MIN_INFO
    assert not columns.scheduler or columns.job, "the scheduler state goes before the job id"
    assert not columns.job or columns.computer, "the job id goes before the computer"
    used = 2 + sum(size + 1 for _, size, _ in columns.header() if size) - 1
    assert used <= width


async def test_status_column_stays_wide_with_the_detail_pane_open(demo_service: Service) -> None:
    workflow, _ = running_workflow(demo_service, "wide-status")
    app = make_app(demo_service)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert app.screen.query_one(ProcessDetailPane).display
        width = app.screen.query_one("#process-tree").size.width
        assert Columns.for_width(width).info >= 28


async def test_detail_pane_ages_tick_from_the_clock_without_a_new_query(demo_service: Service) -> None:
    now = [NOW]
    service = CountingService(demo_service)
    app = make_app(service, clock=lambda: now[0])
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        summary = app.screen.query_one("#detail-summary", Static)
        assert "(3h ago)" in text_of(summary.content)
        queries = service.detail_queries
        now[0] = NOW + timedelta(hours=1)
        app._tick()
        await pilot.pause()
        assert "(4h ago)" in text_of(summary.content)
        assert service.detail_queries == queries


async def test_narrow_terminal_opens_the_detail_pane_below_the_list_on_enter(demo_service: Service) -> None:
    app = make_app(demo_service)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(ProcessDetailPane)
        assert not pane.display
        await pilot.press("enter")
        await settle(pilot)
        assert pane.display and pane.region.width == 80
        assert pane.region.y > app.screen.query_one("#process-tree").region.y
        assert "converge-000012" in text_of(app.screen.query_one("#detail-summary", Static).content)


async def test_filter_follows_typing_and_escape_restores_the_filter_before(demo_service: Service) -> None:
    app = make_app(demo_service)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        model = screen_of(app).model
        await pilot.press("slash", *"state:fin")
        await pilot.pause(0.5)
        await settle(pilot)
        assert model.filter == ProcessFilter(states=("finished",)), "a prefix names the state"
        assert model.flat and all(model.rows[pk].state == "finished" for pk in model.roots)
        await pilot.press("escape")
        await settle(pilot)
        assert model.filter.is_empty and not model.flat


async def test_unknown_state_in_the_filter_is_named_with_the_states_there_are(demo_service: Service) -> None:
    app = make_app(demo_service)
    async with app.run_test(size=(160, 45), notifications=True) as pilot:
        await press(pilot, "slash", *"state:failed", "enter")
        assert any("No process state 'failed'" in n.message and "excepted" in n.message for n in app._notifications)


async def test_pause_acts_at_once_without_a_dialog(demo_service: Service) -> None:
    workflow, _ = running_workflow(demo_service, "pause-me")
    service = CountingService(demo_service)
    app = make_app(service)
    async with app.run_test(size=(160, 45), notifications=True) as pilot:
        await press(pilot, "p")
        assert not isinstance(app.screen, ConfirmControlDialog)
        assert service.calls == [([workflow.pk], {"pause": True})]
        assert any(n.message == "paused 1" for n in app._notifications)


async def test_kill_dialog_names_the_process_and_what_it_called(demo_service: Service) -> None:
    workflow, _ = running_workflow(demo_service, "name-me")
    app = make_app(ServiceWithKill(demo_service))
    async with app.run_test(size=(160, 45)) as pilot:
        await press(pilot, "k")
        sentence = text_of(app.screen.query_one("#dialog-count", Static).content)
        assert f"name-me <{workflow.pk}> and 1 active process it called." in sentence


async def test_kill_of_a_finished_process_says_so_without_a_dialog(demo_service: Service) -> None:
    service = ServiceWithKill(demo_service)
    app = make_app(service)
    async with app.run_test(size=(160, 45), notifications=True) as pilot:
        await press(pilot, "k")
        assert not isinstance(app.screen, ConfirmControlDialog) and service.calls == []
        assert any("Nothing to kill: converge-000012" in n.message for n in app._notifications)


async def test_demo_keys_work_on_a_profile_that_has_processes(demo_service: Service) -> None:
    app = make_app(demo_service)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert app.screen.check_action("launch_demo", ()) and app.screen.check_action("add_demo", ())


async def test_read_only_and_frozen_show_in_the_top_line(demo_service: Service) -> None:
    app = make_app(demo_service, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("Z")
        await pilot.pause()
        line = str(app.screen.query_one(ModeBar).render())
        assert "READ-ONLY" in line and "FROZEN" in line
