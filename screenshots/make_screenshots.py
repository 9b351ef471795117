"""Regenerate the README's screenshots of the TUI from deterministic demo data.

    python screenshots/make_screenshots.py            # SVGs, plus PNGs when rsvg-convert is installed

Uses the same fixed data as the snapshot tests (tests/tui/conftest.py): a private PROVTOP_HOME,
12 demo workflows plus one running workflow, fixed times and a fixed clock; the transfers screen
shows two and a half minutes of the tests' synthetic traffic.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

TRAFFIC_SECONDS = 150
SCENES: tuple[tuple[str, tuple[str, ...], dict[str, object]], ...] = (
    ("processes", ("plus", "down"), {}),
    ("processes-80x24", ("plus", "down", "enter"), {"size": (80, 24)}),
    ("kill-dialog", ("k",), {}),
    ("force-kill-dialog", ("K",), {}),
    ("stash-dialog", ("down", "plus", "down", "s"), {}),
    ("filtered", ("slash", *"iteration_0", "enter"), {}),
    ("groups", ("2",), {}),
    ("group-members", ("2", "enter"), {}),
    ("dump-plan", ("2", "d", "tab", "enter"), {}),
    ("transfers", ("3",), {"traffic": True}),
    ("help", ("question_mark",), {}),
)
SIZE = (160, 45)


async def shoot(name: str, keys: tuple[str, ...], options: dict[str, object]) -> Path:
    from provtop.backend.demo import populate
    from provtop.backend.service import Service
    from tests.tui.conftest import freeze_times, make_app, settle
    from tests.tui.test_processes_screen import ServiceWithKill, running_workflow
    from tests.tui.test_transfers_screen import MeteredService
    from provtop.tui.modals import dump_dialog

    dump_dialog.default_target = lambda group: f"/scratch/provtop/dumps/{group or 'profile'}"  # not the cwd

    with tempfile.TemporaryDirectory() as home:
        os.environ["PROVTOP_HOME"] = home
        service = Service.open()
        try:
            from sqlalchemy import update

            from provtop.backend.store.schema import ComputerRow
            from tests.tui.conftest import DEMO_WORKFLOWS, WORKDIR

            with service.store.transaction() as session:
                session.execute(update(ComputerRow).values(workdir=WORKDIR))
            populate(service.store, DEMO_WORKFLOWS)
            running_workflow(service, "relax-campaign")
            freeze_times(service)
            options = dict(options)
            size = options.pop("size", SIZE)
            traffic = options.pop("traffic", False)
            app = make_app(MeteredService(ServiceWithKill(service)) if traffic else ServiceWithKill(service), **options)
            async with app.run_test(size=size) as pilot:
                await settle(pilot)
                for _ in range(TRAFFIC_SECONDS if traffic else 0):
                    app._tick()
                for key in keys:
                    await pilot.press(key)
                    await settle(pilot)
                path = HERE / f"{name}.svg"
                app.save_screenshot(filename=path.name, path=str(HERE))
        finally:
            service.close()
    return path


def main() -> None:
    rsvg = shutil.which("rsvg-convert")
    for name, keys, options in SCENES:
        svg = asyncio.run(shoot(name, keys, options))
        print(svg.relative_to(HERE.parent))
        if rsvg:
            png = svg.with_suffix(".png")
            subprocess.run([rsvg, "-w", "1600", "-o", str(png), str(svg)], check=True)
            print(png.relative_to(HERE.parent))
    if not rsvg:
        print("rsvg-convert not found: SVGs only (apt-get install librsvg2-bin)")


if __name__ == "__main__":
    main()
