"""Fixtures for the engine tests: a fresh profile with a fast-polling localhost computer."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from provtop.backend.engine.backoff import RetryPolicy
from provtop.backend.engine.engine import Engine
from provtop.backend.entities import Computer
from provtop.backend.entities.current import set_current_store
from provtop.backend.profiles import load_profile, setup_profile
from provtop.backend.store.store import Store

from tests.fixtures.daemons import wait_until
from tests.fixtures.services import RestartableSshd

__all__ = ["RestartableSshd", "wait_until"]

FAST_POLL = {"poll_interval": 0.2}


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A new SQLite profile, loaded as the current store."""
    monkeypatch.setenv("PROVTOP_HOME", str(tmp_path / "home"))
    setup_profile("test", with_localhost=False)
    opened = load_profile("test")
    yield opened
    set_current_store(None)
    opened.close()


@pytest.fixture
def localhost(store: Store, tmp_path: Path) -> Computer:
    """This machine through the local transport and the direct scheduler, polled every 0.2 s."""
    return Computer("localhost", "localhost", transport_type="local", scheduler_type="direct",
                    workdir=str(tmp_path / "work"), scheduler_settings=FAST_POLL).store()


@pytest.fixture
async def engine(store: Store) -> AsyncIterator[Engine]:
    """A running engine with quick retries, stopped (leases handed back) after the test."""
    async with Engine(store, claim_interval=0.2, control_interval=0.2,
                      retry_policy=RetryPolicy(initial_interval=0.1, max_attempts=2)) as running:
        yield running


REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def engine_process(tmp_path: Path) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    """Start `provtop engine run` in a child process; every one still running is killed at the end."""
    started: list[subprocess.Popen[bytes]] = []
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def start() -> subprocess.Popen[bytes]:
        with open(tmp_path / f"engine-{len(started)}.log", "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-c", "from provtop.tui.cli import main; main()", "engine", "run"],
                env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.fixture
def restartable_sshd(tmp_path: Path) -> Iterator[RestartableSshd]:
    yield from RestartableSshd.running(tmp_path / "sshd")


def engine_is_up(store: Store, process: subprocess.Popen[bytes]) -> bool:
    """Whether the engine in `process` has registered (so it handles SIGTERM by stopping cleanly)."""
    from provtop.backend.queries.processes import engines

    return any(engine.pid == process.pid for engine in engines(store))
