"""Fixtures for the engine tests: a fresh profile with a fast-polling localhost computer."""

from __future__ import annotations

import os
import shutil
import signal
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

from tests.fixtures.daemons import current_user, free_port, require_binary, run, spawn, stop, wait_until
from tests.fixtures.services import write_sshd_config

__all__ = ["wait_until"]

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


class RestartableSshd:
    """A private sshd that a test may take down (with its open sessions) and bring back on the same port."""

    def __init__(self, base: Path) -> None:
        self.sshd = require_binary("sshd", "/usr/sbin/sshd", "apt-get install openssh-server")
        keygen = require_binary("ssh-keygen", "ssh-keygen", "apt-get install openssh-client")
        self.base, self.port = base, free_port()
        for key in ("host_key", "client_key"):
            run([keygen, "-q", "-t", "ed25519", "-N", "", "-f", base / key])
        shutil.copy(base / "client_key.pub", base / "authorized_keys")
        host_key = " ".join((base / "host_key.pub").read_text().split()[:2])
        (base / "known_hosts").write_text(f"[127.0.0.1]:{self.port} {host_key}\n")
        self.config = write_sshd_config(base, self.port)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def settings(self) -> dict[str, object]:
        """Transport settings for a computer on this server: one quick reconnect attempt only."""
        return {"port": self.port, "username": current_user(), "identity_files": [str(self.base / "client_key")],
                "known_hosts": [str(self.base / "known_hosts")], "ssh_config": str(self.base / "none"),
                "connect_timeout": 3, "reconnect_attempts": 1}

    def start(self) -> None:
        if os.geteuid() == 0:
            Path("/run/sshd").mkdir(parents=True, exist_ok=True)
        self.process = spawn([self.sshd, "-D", "-f", self.config, "-E", self.base / "sshd.log"], self.base / "sshd.out")
        probe = ["ssh", "-F", "/dev/null", "-p", str(self.port), "-i", str(self.base / "client_key"), "-o", "BatchMode=yes",
                 "-o", f"UserKnownHostsFile={self.base / 'known_hosts'}", "-o", "ConnectTimeout=3",
                 f"{current_user()}@127.0.0.1", "true"]
        if not wait_until(lambda: subprocess.run(probe, capture_output=True, stdin=subprocess.DEVNULL).returncode == 0,
                          timeout=15, interval=0.2):
            raise RuntimeError(f"sshd did not come up on port {self.port}")

    def stop(self) -> None:
        """Stop the listener and the session processes it forked, so open connections drop too."""
        if self.process is None:
            return
        for child in _children_of(self.process.pid):
            try:
                os.kill(child, signal.SIGTERM)
            except ProcessLookupError:
                pass
        stop(self.process)
        self.process = None


def _children_of(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                children.append(int(entry.name))
    return children


@pytest.fixture
def restartable_sshd(tmp_path: Path) -> Iterator[RestartableSshd]:
    base = tmp_path / "sshd"
    base.mkdir()
    server = RestartableSshd(base)
    server.start()
    yield server
    server.stop()


def engine_is_up(store: Store, process: subprocess.Popen[bytes]) -> bool:
    """Whether the engine in `process` has registered (so it handles SIGTERM by stopping cleanly)."""
    from provtop.backend.queries.processes import engines

    return any(engine.pid == process.pid for engine in engines(store))
