"""ssh_async's big files, through `cat` (the default) or its own SFTP loop with any request and chunk
shape: the same bytes, mode and times; the local disk is touched only off the event loop; SFTP
requests stay within their limit."""

from __future__ import annotations

import asyncio
import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from provtop.transports import TransportError, transport_for
from provtop.transports import sftp_big_file as big_files
from provtop.transports.sftp_big_file import LocalFile, Pipeline, Requests
from provtop.transports.ssh_base import BIG_FILE

from tests.fixtures.services import SshServer

from .conftest import ssh_settings

SIZE = BIG_FILE + 123_457  # not a multiple of any block or chunk below

CAT = "cat"  # the default for big files: a stream through `cat` on the host, not SFTP
PIPELINES: dict[str, Pipeline | str | None] = {
    "through cat": CAT,
    "default": big_files.PIPELINE,
    "odd shapes": Pipeline(block=100_000, requests=3, disk_chunk=250_000, disk_depth=1),
    "one request": Pipeline(block=65_536, requests=1, disk_chunk=1 << 20, disk_depth=2),
    "asyncssh's own": None,
}


@pytest.fixture(params=list(PIPELINES))
def pipeline(request: pytest.FixtureRequest) -> Pipeline | str | None:
    return PIPELINES[request.param]


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "source.bin"
    path.write_bytes(os.urandom(SIZE))
    path.chmod(0o640)
    os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_123_000_000_000))
    return path


async def test_a_big_file_goes_up_and_down_whole_with_its_mode_and_times(
    sshd_server: SshServer, tmp_path: Path, source: Path, pipeline: Pipeline | str | None
) -> None:
    async with transport_for("ssh_async", ssh_settings(sshd_server)) as transport:
        if pipeline != CAT:
            transport.stream_big_files = False  # type: ignore[attr-defined]
            transport.pipeline = pipeline  # type: ignore[attr-defined]
        await transport.put(str(source), str(tmp_path / "up.bin"))
        await transport.get(str(tmp_path / "up.bin"), str(tmp_path / "down.bin"))
    for copy in (tmp_path / "up.bin", tmp_path / "down.bin"):
        assert copy.read_bytes() == source.read_bytes()
        assert stat.S_IMODE(copy.stat().st_mode) == 0o640
        assert copy.stat().st_mtime_ns // 10**9 == source.stat().st_mtime_ns // 10**9


async def test_a_big_file_is_read_and_written_locally_off_the_event_loop(
    sshd_server: SshServer, tmp_path: Path, source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: set[str] = set()
    monkeypatch.setattr(os, "pread", recording(os.pread, threads))
    monkeypatch.setattr(os, "pwritev", recording(os.pwritev, threads))
    async with transport_for("ssh_async", ssh_settings(sshd_server)) as transport:
        await transport.put(str(source), str(tmp_path / "up.bin"))
        await transport.get(str(tmp_path / "up.bin"), str(tmp_path / "down.bin"))
    assert threads and threading.main_thread().name not in threads
    assert (tmp_path / "down.bin").read_bytes() == source.read_bytes()


def recording(function: Callable[..., Any], threads: set[str]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        threads.add(threading.current_thread().name)
        return function(*args)

    return call


async def test_requests_in_flight_never_exceed_the_limit() -> None:
    running = 0
    most = 0
    results: list[int] = []

    async def request(index: int) -> int:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.001 * (index % 3))
        running -= 1
        return index

    requests = Requests(3, results.append)
    for index in range(20):
        await requests.start(request(index))
    await requests.finish()
    assert most == 3 and sorted(results) == list(range(20))


async def test_a_failed_request_is_raised_and_the_others_are_cancelled() -> None:
    cancelled = asyncio.Event()

    async def fails() -> int:
        raise OSError("lost")

    async def waits() -> int:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return 0

    requests = Requests(2, lambda _: None)
    await requests.start(waits())
    await requests.start(fails())
    with pytest.raises(OSError, match="lost"):
        try:
            await requests.start(waits())
        finally:
            await requests.cancel()
    assert cancelled.is_set()


async def test_a_local_file_that_shrank_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "short.bin"
    path.write_bytes(b"x" * 10)
    async with LocalFile.open(str(path), os.O_RDONLY) as file:
        with pytest.raises(TransportError, match="short.bin shrank"):
            await file.read(20, 0)
