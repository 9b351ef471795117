"""The groups screen lists the demo groups with their member counts; enter opens the members."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, DataTable, Input

from provtop.backend.dump.options import GroupDumpOptions

from provtop.backend.service import Service
from provtop.tui.modals.dump_dialog import DumpOptionsDialog, DumpPlanDialog
from provtop.tui.screens.groups import GroupsScreen
from provtop.tui.screens.members import MembersScreen

from .conftest import make_app, settle

# 12 demo workflows: project slots 4/3/2 of every 10, highlights every 7th, one standalone calc (even ones only).
EXPECTED = {"project/alpha": 6, "project/beta": 3, "campaign-2024": 2, "highlights": 1, "standalone-calcs": 0}


async def test_groups_screen_lists_the_demo_groups_with_member_counts(demo_service: Service) -> None:
    app = make_app(demo_service)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        assert isinstance(app.screen, GroupsScreen)
        table = app.screen.query_one(DataTable)
        rows = {table.get_row_at(i)[0]: int(table.get_row_at(i)[2]) for i in range(table.row_count)}
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
        assert [table.get_row_at(i)[2] for i in range(table.row_count)] == [
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
        assert any("dumped" in n.message for n in app._notifications)
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
