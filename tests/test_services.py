"""The service fixtures give real, working servers: the rest of the suite builds on these."""

from __future__ import annotations

import os
import re
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, inspect, text

from tests.fixtures.daemons import REQUIRE_SERVICES_ENV, require_binary, wait_until
from tests.fixtures.services import PostgresServer, SlurmCluster, SshServer, loopback_address_of


def shell(argv: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a client command and keep its output for the assertion message."""
    return subprocess.run(argv, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=60)


# --- require_binary -------------------------------------------------------------------------


def test_missing_binary_skips_with_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRE_SERVICES_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="nosuchd not found: apt-get install nosuch"):
        require_binary("nosuchd", "/usr/sbin/nosuchd", "apt-get install nosuch")


def test_missing_binary_fails_when_services_are_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REQUIRE_SERVICES_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="nosuchd not found"):
        require_binary("nosuchd", ["nosuchd", "/usr/sbin/nosuchd"], "apt-get install nosuch")


def test_require_binary_returns_first_candidate_found() -> None:
    assert require_binary("sh", ["/nonexistent/sh", "sh"], "apt-get install dash").name == "sh"


# --- PostgreSQL -----------------------------------------------------------------------------


def test_postgres_url_answers_a_query_through_sqlalchemy(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
    engine.dispose()


def test_fresh_databases_do_not_share_tables(make_postgres_url: Callable[[], str]) -> None:
    first, second = make_postgres_url(), make_postgres_url()
    engine = create_engine(first)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE marker (id integer)"))
    engine.dispose()
    other = create_engine(second)
    assert first != second
    assert "marker" not in inspect(other).get_table_names()
    other.dispose()


def test_drop_database_succeeds_while_a_client_is_connected(postgres_server: PostgresServer) -> None:
    postgres_server.create_database("provtop_left_open")
    with psycopg.connect(postgres_server.url("provtop_left_open", driver="postgresql")) as lingering:
        postgres_server.drop_database("provtop_left_open")

        with pytest.raises(psycopg.OperationalError):
            lingering.execute("SELECT 1")
    with psycopg.connect(postgres_server.url("postgres", driver="postgresql")) as conn:
        names = [row[0] for row in conn.execute("SELECT datname FROM pg_database")]
    assert "provtop_left_open" not in names


# --- OpenSSH --------------------------------------------------------------------------------


def test_ssh_login_succeeds_with_the_servers_known_host_key(sshd_server: SshServer) -> None:
    result = shell([*sshd_server.ssh_argv(), "echo", "hello"])
    assert result.returncode == 0, result.stderr
    assert result.stdout == "hello\n"


def test_ssh_refuses_a_host_missing_from_known_hosts(sshd_server: SshServer, tmp_path: Path) -> None:
    empty = tmp_path / "known_hosts"
    empty.touch()
    result = shell([*sshd_server.ssh_argv(known_hosts=empty), "true"])
    assert result.returncode == 255
    assert "Host key verification failed" in result.stderr


def test_ssh_config_alias_logs_in_as_the_current_user(sshd_server: SshServer, tmp_path: Path) -> None:
    alias = sshd_server.ssh_config(tmp_path / "config")
    result = shell(["ssh", "-F", str(tmp_path / "config"), "-o", "BatchMode=yes", alias, "id", "-un"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == sshd_server.username


def test_sftp_subsystem_serves_files(sshd_server: SshServer, tmp_path: Path) -> None:
    alias = sshd_server.ssh_config(tmp_path / "config")
    (tmp_path / "batch").write_text(f"ls {sshd_server.known_hosts}\n")
    result = shell(["sftp", "-F", str(tmp_path / "config"), "-b", str(tmp_path / "batch"), alias])
    assert result.returncode == 0, result.stderr
    assert str(sshd_server.known_hosts) in result.stdout


def test_ssh_server_knows_its_host_key(sshd_server: SshServer) -> None:
    assert sshd_server.host_public_key.startswith("ssh-ed25519 ")
    assert sshd_server.known_hosts.read_text() == (
        f"[{sshd_server.host}]:{sshd_server.port} {sshd_server.host_public_key}\n"
    )


# --- SLURM ----------------------------------------------------------------------------------


def job_state(cluster: SlurmCluster, job_id: str) -> str:
    """JobState from `scontrol show job`, or "" once the job has been purged."""
    result = shell(["scontrol", "show", "job", job_id], env={**os.environ, **cluster.env})
    match = re.search(r"JobState=(\S+)", result.stdout)
    return match.group(1) if match else ""


def test_sbatch_job_runs_to_completion(slurm_cluster: SlurmCluster) -> None:
    env = {**os.environ, **slurm_cluster.env}
    output = slurm_cluster.workdir / "%j.out"
    submitted = shell(
        ["sbatch", "--parsable", "-p", slurm_cluster.partition, "-o", str(output), "--wrap", "echo ran"],
        env=env,
    )
    assert submitted.returncode == 0, submitted.stderr
    job_id = submitted.stdout.strip().split(";")[0]

    assert wait_until(lambda: job_state(slurm_cluster, job_id) == "COMPLETED", timeout=60, interval=0.5), (
        f"job {job_id} is {job_state(slurm_cluster, job_id)!r}, not COMPLETED"
    )
    assert (slurm_cluster.workdir / f"{job_id}.out").read_text() == "ran\n"


def test_slurm_is_unavailable_when_the_hostname_resolves_off_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRE_SERVICES_ENV, raising=False)
    monkeypatch.setattr(socket, "gethostbyname", lambda name: "192.0.2.10")
    with pytest.raises(pytest.skip.Exception, match=re.escape("resolves to 192.0.2.10, not loopback")):
        loopback_address_of("node1")


def test_slurm_partition_has_the_one_node(slurm_cluster: SlurmCluster) -> None:
    result = shell(["sinfo", "-h", "-p", slurm_cluster.partition, "-o", "%N"],
                   env={**os.environ, **slurm_cluster.env})
    assert result.stdout.strip() == slurm_cluster.hostname
