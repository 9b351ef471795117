"""`k` and `K` on real jobs: the direct scheduler, the real SLURM, and a host whose sshd is down (issue 8's acceptance)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from provtop.backend.engine.engine import Engine
from provtop.backend.entities import Computer, Int, Str, load_node
from provtop.backend.service import Service
from provtop.backend.store.store import Store
from provtop.tui.modals.confirm_kill import ConfirmControlDialog, ForceKillDialog
from provtop.tui.widgets.status_bar import StatusBar
from textual.pilot import Pilot
from textual.widgets import Button

from tests.control.conftest import service  # noqa: F401
from tests.control.processes_for_control import chain
from tests.control.test_kill_local import alive, submit_sleeping_job
from tests.control.test_kill_slurm import (
    descendants,
    squeue_lists,
    ssh_slurm_computer,
    submit_running_ssh_job,
    until_running_job,
)
from tests.engine.conftest import (  # noqa: F401
    RestartableSshd,
    engine,
    localhost,
    restartable_sshd,
    store,
)
from tests.engine.test_slurm import slurm_computer
from tests.fixtures.services import SlurmCluster

from .conftest import make_app, settle, until
from .test_processes_screen import screen_of

SIZE = (160, 45)


def state(store: Store, pk: int) -> str | None:  # noqa: F811
    node = load_node(pk, store)
    return node.process_state.value if node.process_state else None  # type: ignore[union-attr]


async def confirm_past_cancel(pilot: Pilot[Any], key: str, dialog_type: type[ConfirmControlDialog]) -> ConfirmControlDialog:
    """Press `key`, check the dialog opened with Cancel focused, move to its confirm button and press it."""
    app = pilot.app
    await pilot.press(key)
    await settle(pilot)
    dialog = app.screen
    assert type(dialog) is dialog_type
    assert isinstance(app.focused, Button) and app.focused.id == "cancel"
    await pilot.press("tab")
    assert isinstance(app.focused, Button) and app.focused.id == "confirm"
    await pilot.press("enter")
    return dialog


def notified(app: Any, text: str) -> bool:
    return any(text in notification.message for notification in app._notifications)


async def test_k_kills_a_running_local_job_and_its_process_leaves_ps(
    store: Store, engine: Engine, localhost: Computer, service: Service  # noqa: F811
) -> None:
    job = await submit_sleeping_job(engine, store)
    pid = load_node(job.pk, store).get_attribute("job_id")
    assert alive(pid)
    app = make_app(service)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert screen_of(app).model.cursor_pk == job.pk

        dialog = await confirm_past_cancel(pilot, "k", ConfirmControlDialog)

        assert dialog.count.total == 1
        await until(lambda: state(store, job.pk) == "killed", 60, "the job is killed in the store")
        await settle(pilot)  # the kill worker posts its message
        assert notified(app, f"remote job {pid} on 'localhost' cancelled"), [n.message for n in app._notifications]
    assert not alive(pid)
    assert load_node(job.pk, store).get_attribute("process_status") == "Killed from the provtop TUI"


async def test_k_kills_a_slurm_workflow_chain_and_its_job_leaves_squeue(
    store: Store, engine: Engine, slurm_cluster: SlurmCluster, service: Service, tmp_path: Path  # noqa: F811
) -> None:
    slurm_computer(slurm_cluster, tmp_path)
    top = await engine.submit(chain, computer=Str("slurm"), seconds=Int(600))
    job = await until_running_job(store, slurm_cluster, top.pk)
    job_id = job.get_attribute("job_id")
    chain_pks = [top.pk, *(node.pk for node in descendants(store, top.pk))]
    app = make_app(service)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert screen_of(app).model.cursor_pk == top.pk

        dialog = await confirm_past_cancel(pilot, "k", ConfirmControlDialog)

        assert dialog.count.total == 3
        await until(lambda: all(state(store, pk) == "killed" for pk in chain_pks), 90, "the chain is killed")
        await settle(pilot)
        assert notified(app, f"remote job {job_id} on 'slurm' cancelled"), [n.message for n in app._notifications]
    assert not squeue_lists(slurm_cluster, job_id)


async def test_shift_k_on_an_unreachable_host_kills_at_once_and_shows_the_orphan(
    store: Store, slurm_cluster: SlurmCluster, restartable_sshd: RestartableSshd, service: Service,  # noqa: F811
    tmp_path: Path,
) -> None:
    ssh_slurm_computer(slurm_cluster, restartable_sshd, tmp_path)
    async with Engine(store, claim_interval=0.2, control_interval=0.2) as engine:  # noqa: F811
        node, job_id = await submit_running_ssh_job(engine, store, slurm_cluster)
        await asyncio.to_thread(restartable_sshd.stop)
        app = make_app(service)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            assert screen_of(app).model.cursor_pk == node.pk

            await confirm_past_cancel(pilot, "K", ForceKillDialog)

            await until(lambda: state(store, node.pk) == "killed", 30, "the force-killed job is killed in the store")
            assert load_node(node.pk, store).get_attribute("process_status") == "Force killed from the provtop TUI"
            await settle(pilot)
            assert notified(app, f"remote job {job_id} may still run"), [n.message for n in app._notifications]
            await pilot.press("ctrl+r")  # the status bar reads the orphan count again
            await settle(pilot)
            assert app.monitor_status is not None and app.monitor_status.orphans == 1
            assert "orphans 1" in str(app.screen.query_one(StatusBar).render())
    assert [(o.computer, o.job_id, o.pk) for o in service.list_orphans()] == [("remote-slurm", job_id, node.pk)]
    assert squeue_lists(slurm_cluster, job_id)

    await asyncio.to_thread(restartable_sshd.start)  # leave no job behind on the shared cluster
    outcome = await asyncio.to_thread(service.cancel_orphans)
    assert [o.job_id for o in outcome.cancelled] == [job_id], outcome.message
    assert not squeue_lists(slurm_cluster, job_id)
