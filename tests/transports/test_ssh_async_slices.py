"""ssh_async hands a big upload to its channel in slices, and other tasks run between two."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import asyncssh
import pytest
from provtop.transports import transport_for
from provtop.transports.ssh_base import BIG_FILE

from tests.fixtures.services import SshServer

from .conftest import ssh_settings


async def test_other_tasks_run_between_the_slices_of_a_big_upload(
    sshd_server: SshServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks = 0
    writes: dict[int, list[tuple[int, int]]] = {}  # channel -> (bytes, ticks of the other task so far)
    write = asyncssh.SSHClientChannel.write

    def recording(self: Any, data: Any, datatype: Any = None) -> None:
        writes.setdefault(id(self), []).append((len(data), ticks))
        write(self, data, datatype)

    async def other_task() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    monkeypatch.setattr(asyncssh.SSHClientChannel, "write", recording)
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(2 * BIG_FILE))
    async with transport_for("ssh_async", ssh_settings(sshd_server)) as transport:
        ticker = asyncio.ensure_future(other_task())
        try:
            await transport.put(str(source), str(tmp_path / "copy.bin"))
        finally:
            ticker.cancel()
    assert (tmp_path / "copy.bin").read_bytes() == source.read_bytes()
    [stream] = [sent for sent in writes.values() if sum(size for size, _ in sent) == 2 * BIG_FILE]
    assert len(stream) > 1 and max(size for size, _ in stream) <= 256 << 10  # at most 8 packets sent at once
    seen = [ticks for _, ticks in stream]
    assert all(later > earlier for earlier, later in zip(seen, seen[1:]))
