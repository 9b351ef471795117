"""The groups screen lists the demo groups with their member counts; enter opens the members."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Checkbox, DataTable, Input

from provtop.backend.dump.options import GroupDumpOptions
from provtop.backend.service import Service
from provtop.tui.modals.dump_dialog import DumpOptionsDialog, DumpPlanDialog
from provtop.tui.screens.groups import GroupsScreen
from provtop.tui.screens.members import MembersScreen

from .conftest import make_app, press, settle
from .test_processes_screen import running_workflow

# 12 demo workflows: project slots 4/3/2 of every 10, highlights every 7th, one standalone calc (even ones only).
EXPECTED = {"project/alpha": 6, "project/beta": 3, "campaign-2024": 2, "highlights": 1, "standalone-calcs": 0}


async def test_groups_screen_lists_the_demo_groups_with_member_counts(demo_service: Service) -> None:
    app = make_app(demo_service)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        assert isinstance(app.screen, GroupsScreen)
        table = app.screen.query_one(DataTable)
        rows = {table.get_row_at(i)[0]: int(str(table.get_row_at(i)[2])) for i in range(table.row_count)}
        assert rows == EXPECTED


async def test_enter_opens_the_members_of_the_group_under_the_cursor(demo_service: Service) -> None:
    app = make_app(demo_service)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MembersScreen)
        table = app.screen.query_one(DataTable)
        assert [str(table.get_row_at(i)[2]) for i in range(table.row_count)] == [
            f"converge-{n:06d}" for n in (1, 2, 3, 4, 11, 12)
        ]
        await pilot.press("escape")
        assert isinstance(app.screen, GroupsScreen)


async def test_d_dumps_a_group_after_its_plan_and_writes_the_tree_the_service_writes(
    demo_service: Service, tmp_path: Path
) -> None:
    app = make_app(demo_service)
    through_tui = tmp_path / "tui"
    async with app.run_test(size=(160, 45), notifications=True) as pilot:
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, DumpOptionsDialog)
        assert app.focused is not None and app.focused.id == "cancel"
        app.screen.query_one("#dump-path", Input).value = str(through_tui)
        app.screen.query_one("#confirm", Button).press()
        await settle(pilot)
        assert isinstance(app.screen, DumpPlanDialog)
        assert app.screen.plan.totals.files > 0 and not through_tui.exists()
        await pilot.press("y")
        for _ in range(40):
            await settle(pilot)
            if isinstance(app.screen, GroupsScreen):
                break
        assert any(n.message.startswith("Dumped") for n in app._notifications)
    through_service = tmp_path / "service"
    demo_service.run_dump(demo_service.plan_group_dump("project/alpha", str(through_service), GroupDumpOptions()))
    assert tree_of(through_tui) == tree_of(through_service)


def tree_of(root: Path) -> dict[str, bytes]:
    """Every file and its bytes; the dump log only by name (it records when the dump ran)."""
    return {
        str(path.relative_to(root)): b"" if path.name == "provtop_dump_log.json" else path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


async def test_a_profile_without_groups_says_how_to_make_one(empty_service: Service) -> None:
    app = make_app(empty_service)
    async with app.run_test(size=(160, 45), notifications=True) as pilot:
        await press(pilot, "2")
        assert "No groups yet" in str(app.screen.query_one("#group-empty").render())
        await pilot.press("d")
        assert any("No group to dump" in n.message for n in app._notifications)


async def test_dump_options_fit_a_small_terminal(demo_service: Service) -> None:
    app = make_app(demo_service)
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "2", "d")
        assert isinstance(app.screen, DumpOptionsDialog)
        for button in app.screen.query(Button):
            assert 0 <= button.region.y and button.region.bottom <= 24, f"{button.id} is off screen"


async def test_a_plan_that_cannot_be_made_reopens_the_options_as_they_were(demo_service: Service, tmp_path: Path) -> None:
    running_workflow(demo_service, "still-running")
    app = make_app(demo_service)
    target = str(tmp_path / "profile")
    async with app.run_test(size=(160, 45), notifications=True) as pilot:
        await press(pilot, "2", "D")
        app.screen.query_one("#dump-path", Input).value = target
        app.screen.query_one("#confirm", Button).press()
        await settle(pilot)
        assert any(n.title == "dump not planned" and "not sealed" in n.message
                   and "tick “Also processes still running”" in n.message and "--dump-unsealed" not in n.message
                   for n in app._notifications)
        assert isinstance(app.screen, DumpOptionsDialog)
        assert app.screen.query_one("#dump-path", Input).value == target
        app.screen.query_one("#dump-dump_unsealed", Checkbox).value = True
        app.screen.query_one("#confirm", Button).press()
        await settle(pilot)
        assert isinstance(app.screen, DumpPlanDialog) and app.screen.plan.has_changes
