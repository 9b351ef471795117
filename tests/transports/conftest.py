"""Fixtures for the transport tests: one `transport` fixture that every interface test runs with."""

from __future__ import annotations

import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from provtop.transports import Transport, transport_for

from tests.fixtures.services import RestartableSshd, SshServer

KINDS = ["local", "ssh", "ssh_async"]

WEIRD_NAMES = ["with space", 'it\'s "quoted"', "ünïcødé ☃", "-leading-dash", "$(touch pwned)", "a\nnewline"]


def ssh_settings(server: SshServer, **overrides: object) -> dict[str, object]:
    """Transport settings that reach the test sshd without reading the user's ~/.ssh."""
    settings: dict[str, object] = {
        "host": server.host,
        "port": server.port,
        "username": server.username,
        "identity_files": [str(server.client_key)],
        "known_hosts": [str(server.known_hosts)],
        "ssh_config": os.devnull,
        "backoff": 0.05,
        "label": "test",
    }
    return settings | overrides


@pytest.fixture
def restartable_sshd(tmp_path: Path) -> Iterator[RestartableSshd]:
    """A private sshd of this test's own, which it may stop (open sessions included) and restart."""
    yield from RestartableSshd.running(tmp_path / "sshd")


@pytest.fixture(params=KINDS)
async def transport(request: pytest.FixtureRequest) -> AsyncIterator[Transport]:
    """An open transport of each kind; the SSH kinds reach this machine through the test sshd."""
    if request.param == "local":
        settings: dict[str, object] = {"label": "test"}
    else:
        settings = ssh_settings(request.getfixturevalue("sshd_server"))
    async with transport_for(request.param, settings) as opened:
        yield opened


@pytest.fixture
def remote_dir(tmp_path: Path) -> Path:
    """A fresh directory to work in: the SSH servers run on loopback, so it is local too."""
    path = tmp_path / "remote"
    path.mkdir()
    return path


@pytest.fixture
def protected_file(remote_dir: Path) -> Iterator[Path]:
    """A file the test user may not delete: immutable for root, in a read-only directory otherwise."""
    parent = remote_dir / "protected"
    parent.mkdir()
    path = parent / "file"
    path.write_text("keep")
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
            pytest.skip("root ignores file modes and chattr +i is not supported here")
        yield path
        subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        parent.chmod(0o500)
        yield path
        parent.chmod(0o700)


@pytest.fixture
def weird_names() -> list[str]:
    """File names that break naive shell quoting."""
    return list(WEIRD_NAMES)


@pytest.fixture(params=WEIRD_NAMES)
def weird_name(request: pytest.FixtureRequest) -> str:
    return request.param
