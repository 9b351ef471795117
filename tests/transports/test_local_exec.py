"""The local transport's commands start and run in worker threads, never on the event loop's thread."""

from __future__ import annotations

import asyncio
import subprocess
import threading
from pathlib import Path
from typing import ClassVar

import pytest
from provtop.transports import LocalTransport, TransportTimeout


class RecordingPopen(subprocess.Popen):  # type: ignore[type-arg]
    """Popen that notes the thread each process was started from."""

    threads: ClassVar[list[int]] = []

    def __init__(self, *args: object, **kwargs: object) -> None:
        RecordingPopen.threads.append(threading.get_ident())
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


async def test_commands_are_started_outside_the_event_loop_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RecordingPopen, "threads", [])
    monkeypatch.setattr("provtop.transports.local.subprocess.Popen", RecordingPopen)
    async with LocalTransport(label="test") as transport:
        results = await asyncio.gather(*(transport.exec(f"echo {i}") for i in range(5)))
    assert [r.stdout for r in results] == [f"{i}\n" for i in range(5)]
    assert len(RecordingPopen.threads) == 5
    assert threading.get_ident() not in RecordingPopen.threads


async def test_a_cancelled_command_has_its_process_group_killed(tmp_path: Path) -> None:
    marker = tmp_path / "finished"
    async with LocalTransport(label="test") as transport:
        task = asyncio.create_task(transport.exec(f"(sleep 3; touch {marker}) & sleep 3; touch {marker}"))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        survivors = await transport.exec(["pgrep", "-f", f"[s]leep 3; touch {marker}"])
    assert survivors.exit_code == 1, survivors.stdout


async def test_a_timeout_kills_children_that_keep_the_output_pipes_open(tmp_path: Path) -> None:
    async with LocalTransport(label="test") as transport:
        with pytest.raises(TransportTimeout):
            await asyncio.wait_for(transport.exec("sleep 30.5791 & sleep 30.5791", timeout=0.3), 5)
        survivors = await transport.exec(["pgrep", "-f", "^sleep 30[.]5791$"])
    assert survivors.exit_code == 1, survivors.stdout
