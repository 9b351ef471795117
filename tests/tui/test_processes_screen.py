"""The processes screen as a user drives it: tree, expand/collapse, filter, live changes, control keys."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.widgets import Button, Input

from provtop.backend.entities import CalcJobNode, Computer, LinkType, WorkChainNode
from provtop.backend.service import Service
from provtop.backend.service.control_actions import ControlResult
from provtop.backend.service.snapshots import ProcessFilter
from provtop.tui.modals.confirm_kill import ConfirmControlDialog, ForceKillDialog
from provtop.tui.screens.processes import ProcessesScreen

from .conftest import DEMO_WORKFLOWS, make_app, settle


def screen_of(app: Any) -> ProcessesScreen:
    assert isinstance(app.screen, ProcessesScreen)
    return app.screen


def running_workflow(service: Service, label: str) -> tuple[WorkChainNode, CalcJobNode]:
    """A running workflow with a calc job waiting in the queue, written the way an engine would."""
    workflow = WorkChainNode(label=label)
    workflow.set_attribute_many({"process_state": "running", "process_label": "LiveWorkChain"})
    workflow.store()
    job = CalcJobNode(label=f"{label}-job", computer=Computer.load("localhost", service.store))
    job.set_attribute_many(
        {"process_state": "waiting", "job_id": "4242", "scheduler_state": "PD", "scheduler_pending_reason": "Resources"}
    )
    job.add_incoming(workflow, LinkType.CALL_CALC, "job")
    job.store()
    return workflow, job


async def test_tree_lists_the_demo_workflows_newest_first(demo_service: Service) -> None:
    app = make_app(demo_service)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        model = screen_of(app).model
        labels = [model.rows[pk].label for pk in model.roots]
        assert labels == [f"converge-{n:06d}" for n in range(DEMO_WORKFLOWS, 0, -1)]
        assert model.cursor_pk == model.roots[0]


async def test_plus_expands_a_workflow_into_its_calc_jobs_and_minus_collapses_it(demo_service: Service) -> None:
    app = make_app(demo_service)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        model = screen_of(app).model
        workflow = model.cursor_pk
        await pilot.press("plus")
        await settle(pilot)
        children = [line for line in model.visible() if line.depth == 1]
        assert [model.rows[line.pk].label for line in children] == [f"iteration_{i:02d}" for i in range(1, 6)]
        assert all(model.rows[line.pk].parent_pk == workflow for line in children)
        await pilot.press("down", "down", "minus")
        assert model.cursor_pk == workflow
        assert len(model.visible()) == DEMO_WORKFLOWS


async def test_filter_lists_matching_processes_at_every_depth(demo_service: Service) -> None:
    app = make_app(demo_service)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"iteration_05", "enter")
        await settle(pilot)
        model = screen_of(app).model
        assert model.filter == ProcessFilter(text="iteration_05")
        assert {model.rows[pk].label for pk in model.roots} == {"iteration_05"}
        assert len(model.roots) == DEMO_WORKFLOWS
        await pilot.press("escape")
        await settle(pilot)
        assert model.filter.is_empty and len(model.roots) == DEMO_WORKFLOWS


async def test_cursor_stays_on_its_process_when_new_processes_arrive_live(demo_service: Service) -> None:
    app = make_app(demo_service, live=True)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        await pilot.press("down", "down")
        chosen = screen.model.cursor_pk
        workflow, job = await asyncio.to_thread(running_workflow, demo_service, "live-one")
        for _ in range(40):
            if workflow.pk in screen.model.rows:
                break
            await pilot.pause(0.1)
        assert screen.model.roots[0] == workflow.pk, "the new workflow is listed first"
        assert screen.model.cursor_pk == chosen
        assert screen.model.cursor_index == 3
        assert screen.model.rows[workflow.pk].child_count == 1
        await asyncio.to_thread(job.set_attribute_many, {"process_state": "running", "scheduler_state": "R"})
        screen.model.cursor_pk = workflow.pk
        await pilot.press("plus")
        for _ in range(40):
            row = screen.model.rows.get(job.pk)
            status = app.monitor_status
            if row is not None and row.state == "running" and status is not None and status.running == 2:
                break
            await pilot.pause(0.1)
        assert screen.model.rows[job.pk].scheduler_state == "R"
        assert app.monitor_status is not None and app.monitor_status.running == 2


class ServiceWithKill:
    """The service with a kill that records what it was asked and changes nothing."""

    def __init__(self, service: Service) -> None:
        self._service = service
        self.calls: list[tuple[list[int], dict[str, object]]] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self._service, name)

    def kill_processes(
        self, pks: list[int], force: bool = False, timeout: float | None = None, origin: str | None = None
    ) -> ControlResult:
        self.calls.append((pks, {"force": force, "timeout": timeout, "origin": origin}))
        return ControlResult(action="kill", outcomes=[], skipped=[], message=f"killed {len(pks)}")


async def test_kill_dialog_counts_descendants_and_opens_with_cancel_focused(demo_service: Service) -> None:
    workflow, _ = running_workflow(demo_service, "to-kill")
    service = ServiceWithKill(demo_service)
    app = make_app(service)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert screen_of(app).model.cursor_pk == workflow.pk
        await pilot.press("k")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmControlDialog) and not isinstance(dialog, ForceKillDialog)
        assert dialog.count.total == 2 and dialog.count.descendants == 1
        assert isinstance(app.focused, Button) and app.focused.id == "cancel"
        await pilot.press("enter")
        await settle(pilot)
        assert service.calls == []
        await pilot.press("K")
        await settle(pilot)
        assert isinstance(app.screen, ForceKillDialog)
        await pilot.press("y")
        await settle(pilot)
        assert service.calls == [([workflow.pk], {"force": True, "timeout": 30.0, "origin": "from the provtop TUI"})]


async def test_space_marks_several_processes_for_one_kill(demo_service: Service) -> None:
    first, _ = running_workflow(demo_service, "first")
    second, _ = running_workflow(demo_service, "second")
    app = make_app(ServiceWithKill(demo_service))
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("space", "space")
        assert screen_of(app).model.selection() == sorted([first.pk, second.pk])
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmControlDialog)
        assert app.screen.count.total == 4


async def test_read_only_mode_hides_and_refuses_dangerous_keys(demo_service: Service) -> None:
    running_workflow(demo_service, "keep-me")
    service = ServiceWithKill(demo_service)
    app = make_app(service, read_only=True)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        shown = {binding.action for _, binding, enabled, _ in app.active_bindings.values() if enabled}
        assert not {"kill", "force_kill", "pause", "play", "stash"} & shown
        await pilot.press("k", "K")
        await settle(pilot)
        assert isinstance(app.screen, ProcessesScreen) and service.calls == []


async def test_keys_are_rebound_by_id_from_the_keymap(demo_service: Service) -> None:
    running_workflow(demo_service, "rebound")
    app = make_app(ServiceWithKill(demo_service), keymap={"process.kill": "x"})
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmControlDialog)


async def test_empty_profile_offers_finished_demo_workflows_to_browse_on_shift_n(empty_service: Service) -> None:
    app = make_app(empty_service)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert "demo workflows" in str(app.screen.query_one("#process-empty").render())
        await pilot.press("N")
        for _ in range(50):
            await settle(pilot)
            if screen_of(app).model.roots:
                break
        assert len(screen_of(app).model.roots) == 10
