"""`s` on a finished calc job: the stash dialog, a real StashCalculation, and its provenance (issue 6)."""

from __future__ import annotations

import asyncio
import tarfile
from pathlib import Path

from provtop.backend.engine.engine import Engine
from provtop.backend.entities import Computer, LinkType
from provtop.backend.processes import ShellJob
from provtop.backend.service import Service
from provtop.backend.store.store import Store
from provtop.tui.modals.stash_dialog import (
    StashDialog,
    default_target_base,
    parse_globs,
)
from provtop.tui.screens.processes import ProcessesScreen
from textual.widgets import Button

from tests.control.conftest import service  # noqa: F401
from tests.control.test_stash import MAKE_FILES, outputs
from tests.engine.conftest import engine, localhost, store  # noqa: F401

from .conftest import make_app, settle
from .test_control_keys import notified
from .test_processes_screen import screen_of

SIZE = (160, 45)


async def test_s_stashes_a_finished_calc_jobs_folder_and_records_the_provenance(
    store: Store, engine: Engine, localhost: Computer, service: Service, tmp_path: Path  # noqa: F811
) -> None:
    node = await engine.submit(ShellJob, command=MAKE_FILES, metadata={"computer": "localhost"})
    done = await asyncio.wait_for(engine.wait_terminated(node.pk), 60)
    remote = outputs(done)["remote_folder"]
    target = str(tmp_path / "keep")
    app = make_app(service)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert screen_of(app).model.cursor_pk == node.pk

        await pilot.press("s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, StashDialog) and dialog.target.remote_pk == remote.pk
        assert isinstance(app.focused, Button) and app.focused.id == "cancel"
        await pilot.click("#stash-tar-bz2")
        await pilot.click("#stash-target")
        await pilot.press("end", "ctrl+u", *target)
        await pilot.click("#stash-sources")
        await pilot.press("end", "ctrl+u", *"*.dat sub/*.dat")
        assert dialog.choice().model_dump() == {"mode": "tar.bz2", "target_base": target,
                                                "source_list": ["*.dat", "sub/*.dat"]}
        await pilot.click("#confirm")
        await settle(pilot)  # the stash worker has run and notified

        assert isinstance(app.screen, ProcessesScreen)
        assert notified(app, f"stashed to {target}/"), [n.message for n in app._notifications]

    stash_calc = [link for link in service.show_node(remote.pk).outgoing if link.link_type == LinkType.INPUT_CALC.value]
    assert [link.link_label for link in stash_calc] == ["source_node"], stash_calc
    created = {link.link_label: link for link in service.show_node(stash_calc[0].pk).outgoing}
    assert created["remote_stash"].link_type == LinkType.CREATE.value
    stashed = service.show_node(created["remote_stash"].pk).node.attributes
    assert (stashed.stash_mode, stashed.source_list) == ("tar.bz2", ["*.dat", "sub/*.dat"])
    with tarfile.open(stashed.target_basepath) as archive:
        assert sorted(m.name for m in archive.getmembers() if m.isfile()) == ["a.dat", "sub/b.dat"]


async def test_s_on_a_workflow_says_what_can_be_stashed(demo_service: Service) -> None:
    app = make_app(demo_service)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, ProcessesScreen)
        assert notified(app, "Stash needs a finished calc job with a remote folder")


async def test_read_only_mode_hides_and_refuses_the_stash_key(demo_service: Service) -> None:
    app = make_app(demo_service, read_only=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        shown = {binding.action for _, binding, enabled, _ in app.active_bindings.values() if enabled}
        assert "stash" not in shown
        await pilot.press("s")
        await settle(pilot)
        assert not app._notifications


def test_the_dialog_defaults_to_the_computers_stash_folder_and_every_file() -> None:
    assert default_target_base("/scratch/provtop/ab/cd/ef01-2345") == "/scratch/provtop/stash"
    assert default_target_base("/scratch/demo/converge-01") == "/scratch/demo/stash"
    assert default_target_base(None) == ""
    assert parse_globs("  ") == ["*"] and parse_globs("*.dat, sub/*  out") == ["*.dat", "sub/*", "out"]
