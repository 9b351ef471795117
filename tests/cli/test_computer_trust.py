"""`computer test` refuses an unknown host key with the way out; `computer trust` takes it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from provtop.tui.cli.main import cli

from tests.fixtures.services import SshServer


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PROVTOP_HOME", str(tmp_path / "home"))
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def setup_ssh_computer(sshd_server: SshServer, known_hosts: Path, transport: str) -> None:
    code, output = run(
        "computer", "setup", "-L", "cluster", "-H", sshd_server.host, "-T", transport, "-w", "/tmp/provtop-trust",
        "--setting", f"port={sshd_server.port}", "--setting", f"username={sshd_server.username}",
        "--setting", f'identity_files=["{sshd_server.client_key}"]', "--setting", f'known_hosts=["{known_hosts}"]',
    )
    assert code == 0, output


@pytest.mark.parametrize("transport", ["ssh", "ssh_async"])
def test_unknown_host_key_is_refused_until_trusted(home: Path, sshd_server: SshServer, transport: str) -> None:
    known_hosts = home / "known_hosts"
    setup_ssh_computer(sshd_server, known_hosts, transport)

    code, output = run("computer", "test", "cluster")
    assert code == 1
    assert "unknown" in output and "SHA256:" in output and "provtop computer trust cluster" in output
    assert "Traceback" not in output

    code, output = run("computer", "trust", "cluster", "--yes", "--json")
    assert code == 0, output
    check = json.loads(output)["check"]
    assert check["status"] == "unknown"
    assert sshd_server.host_public_key.split()[1] in known_hosts.read_text()

    code, output = run("computer", "test", "cluster")
    assert code == 0, output
    assert "works" in output


def test_trust_refuses_to_silently_replace_a_changed_key(home: Path, sshd_server: SshServer) -> None:
    known_hosts = home / "known_hosts"
    other_key = "AAAAC3NzaC1lZDI1NTE5AAAAIHx0yFf5xJ2bqGg0tXQ7y0ZfQ8dJ4r1mWq3m1o2r3s4t"
    known_hosts.write_text(f"[{sshd_server.host}]:{sshd_server.port} ssh-ed25519 {other_key}\n")
    setup_ssh_computer(sshd_server, known_hosts, "ssh_async")

    code, output = run("computer", "trust", "cluster", "--yes")
    assert code == 1
    assert "changed" in output and "ssh-keygen -R" in output
    assert known_hosts.read_text().count("\n") == 1


def test_trust_of_a_local_computer_is_a_clear_error(home: Path) -> None:
    code, output = run("computer", "trust", "localhost")
    assert code == 1
    assert "local transport" in output
