"""Behaviour only the SSH transports have: config aliases, host keys, shared connections, budgets,
tar streams and surviving a connection that dies in the middle of a transfer."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from provtop.transports import HostKeyError, PermissionDenied, Transport, transport_for
from provtop.transports.host_keys import trust_host_key
from provtop.transports.meter import MeterEvent, TransferMeter, TransferProgress
from provtop.transports.ssh_async_pool import scan_host_key
from provtop.transports.ssh_settings import resolve_ssh_settings

from tests.fixtures.services import SshServer

from .conftest import ssh_settings

SSH_KINDS = ["ssh", "ssh_async"]

BIG = 200 * 1024 * 1024


@pytest.fixture(params=SSH_KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def ssh(kind: str, sshd_server: SshServer) -> AsyncIterator[Transport]:
    async with transport_for(kind, ssh_settings(sshd_server)) as opened:
        yield opened


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A 200 MB file of random bytes and its sha256."""
    path = tmp_path_factory.mktemp("big") / "big.bin"
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        for _ in range(BIG // (1 << 22)):
            block = os.urandom(1 << 22)
            digest.update(block)
            handle.write(block)
    return path, digest.hexdigest()


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def many_small_files(root: Path, count: int = 300) -> Path:
    for index in range(count):
        sub = root / f"d{index % 10}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"f{index}.txt").write_bytes(os.urandom(1000))
    (root / "d0" / "link").symlink_to("f0.txt")
    return root


def listing(root: Path) -> dict[str, bytes | str]:
    return {
        str(p.relative_to(root)): ("-> " + os.readlink(p)) if p.is_symlink() else p.read_bytes() if p.is_file() else "d"
        for p in sorted(root.rglob("*"))
    }


async def test_a_host_alias_from_ssh_config_is_enough(kind: str, sshd_server: SshServer, tmp_path: Path) -> None:
    config = tmp_path / "ssh_config"
    alias = sshd_server.ssh_config(config)
    async with transport_for(kind, {"host": alias, "ssh_config": str(config)}) as transport:
        assert (await transport.exec("echo $USER")).stdout.strip() == sshd_server.username
        assert transport.username == sshd_server.username


async def test_proxy_jump_reaches_the_host_through_a_jump_host(
    kind: str, sshd_server: SshServer, tmp_path: Path
) -> None:
    config = tmp_path / "ssh_config"
    alias = sshd_server.ssh_config(config)
    config.write_text(config.read_text() + f"    ProxyJump {alias}\n")
    async with transport_for(kind, {"host": alias, "ssh_config": str(config)}) as transport:
        assert (await transport.exec("true")).ok


async def test_an_unknown_host_key_is_refused_with_its_fingerprint(
    kind: str, sshd_server: SshServer, tmp_path: Path
) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    transport = transport_for(kind, ssh_settings(sshd_server, known_hosts=[str(empty)], label="cluster"))
    with pytest.raises(HostKeyError, match="unknown") as refused:
        await transport.open()
    assert refused.value.fingerprint and refused.value.fingerprint.startswith("SHA256:")
    assert "provtop computer trust cluster" in str(refused.value)


async def test_a_changed_host_key_is_refused(kind: str, sshd_server: SshServer, tmp_path: Path) -> None:
    other_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBmCs0Vqg9yO9M1Fj7c3hN0DqHq7a7PUQwFtv6i1YkXx"
    known = tmp_path / "known_hosts"
    known.write_text(f"[{sshd_server.host}]:{sshd_server.port} {other_key}\n")
    transport = transport_for(kind, ssh_settings(sshd_server, known_hosts=[str(known)]))
    with pytest.raises(HostKeyError, match="changed"):
        await transport.open()


async def test_a_key_the_server_does_not_accept_is_permission_denied(
    kind: str, sshd_server: SshServer, tmp_path: Path
) -> None:
    stranger = tmp_path / "stranger"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(stranger)], check=True)
    transport = transport_for(kind, ssh_settings(sshd_server, identity_files=[str(stranger)], reconnect_attempts=1))
    with pytest.raises(PermissionDenied, match="authorized_keys"):
        await transport.open()


async def test_transports_to_the_same_host_and_user_share_one_connection(kind: str, sshd_server: SshServer) -> None:
    async with (
        transport_for(kind, ssh_settings(sshd_server)) as first,
        transport_for(kind, ssh_settings(sshd_server)) as second,
    ):
        assert first.shared is second.shared  # type: ignore[attr-defined]


async def test_paramiko_leaves_renewing_keys_to_the_server(sshd_server: SshServer) -> None:
    # paramiko stalls 30 s if a channel closes just after it asked for new keys (issue #822).
    async with transport_for("ssh", ssh_settings(sshd_server)) as transport:
        connection, _ = await transport.shared.current()  # type: ignore[attr-defined]
        assert connection.packetizer.REKEY_BYTES >= 16 << 30


async def test_more_commands_than_max_sessions_are_queued_not_refused(ssh: Transport) -> None:
    results = await asyncio.gather(*(ssh.exec(["sh", "-c", "sleep 0.1; echo $0", str(i)]) for i in range(24)))
    assert [r.stdout.strip() for r in results] == [str(i) for i in range(24)]


@pytest.mark.parametrize("tree_mode", ["tar", "sftp"])
async def test_both_tree_modes_move_the_same_tree(
    kind: str, sshd_server: SshServer, tmp_path: Path, tree_mode: str
) -> None:
    source = many_small_files(tmp_path / "source")
    async with transport_for(kind, ssh_settings(sshd_server, tree_mode=tree_mode)) as transport:
        await transport.put(str(source), str(tmp_path / "up"))
        await transport.get(str(tmp_path / "up"), str(tmp_path / "down"))
    assert listing(tmp_path / "up") == listing(source)
    assert listing(tmp_path / "down") == listing(source)
    assert [p for p in tmp_path.iterdir() if ".provtop-" in p.name] == []


async def test_a_command_answers_while_a_big_upload_runs_on_the_same_connection(
    kind: str, sshd_server: SshServer, tmp_path: Path, big_file: tuple[Path, str]
) -> None:
    meter = TransferMeter()
    started = asyncio.Event()
    meter.subscribe(lambda event: started.set() if any(t.done for t in event.active) else None)
    async with transport_for(kind, ssh_settings(sshd_server, meter=meter)) as transport:
        upload = asyncio.ensure_future(transport.put(str(big_file[0]), str(tmp_path / "big.bin")))
        await started.wait()
        touched = await transport.exec(["touch", str(tmp_path / "x")])
        still_uploading = bool(meter.active())
        await upload
    assert touched.ok and still_uploading


@pytest.mark.parametrize("direction", ["put", "get"])
async def test_a_transfer_cut_off_midway_is_retried_with_identical_content(
    kind: str, sshd_server: SshServer, tmp_path: Path, big_file: tuple[Path, str], direction: str
) -> None:
    meter = TransferMeter()
    cut = asyncio.Event()
    finished: list[TransferProgress] = []
    ended = asyncio.Event()

    def cut_when_halfway(event: MeterEvent) -> None:
        finished.extend(event.finished)
        if event.finished:
            ended.set()
        if not cut.is_set() and any(t.done > BIG // 4 for t in event.active):
            cut.set()
            kill_server_side(sshd_server.port, client_port)

    meter.subscribe(cut_when_halfway)
    async with transport_for(kind, ssh_settings(sshd_server, meter=meter)) as transport:
        client_port = transport.shared.local_port  # type: ignore[attr-defined]
        generation = transport.shared.generation  # type: ignore[attr-defined]
        if direction == "put":
            await transport.put(str(big_file[0]), str(tmp_path / "copy.bin"))
        else:
            await transport.get(str(big_file[0]), str(tmp_path / "copy.bin"))
        reconnected = transport.shared.generation > generation  # type: ignore[attr-defined]
        await asyncio.wait_for(ended.wait(), 5)  # events are coalesced: the last may come later
    assert cut.is_set() and reconnected
    assert sha256(tmp_path / "copy.bin") == big_file[1]
    # progress counts the file once; the totals also count what the cut-off attempt moved
    assert [(p.done, p.state) for p in finished] == [(BIG, "done")]
    assert meter.total() > BIG
    assert [p.name for p in tmp_path.iterdir() if ".provtop-" in p.name] == []


def kill_server_side(server_port: int, client_port: int) -> None:
    """SIGKILL the sshd process serving one client connection, as if the server side died."""
    wanted = f"0100007F:{server_port:04X} 0100007F:{client_port:04X}"
    inodes = set()
    with open("/proc/net/tcp") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            if f"{fields[1]} {fields[2]}" == wanted:
                inodes.add(f"socket:[{fields[9]}]")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            links = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
        except OSError:
            continue
        if pid != str(os.getpid()) and links & inodes:
            os.kill(int(pid), signal.SIGKILL)


async def test_a_scanned_host_key_once_trusted_lets_the_connection_in(
    kind: str, sshd_server: SshServer, tmp_path: Path
) -> None:
    known = tmp_path / "known_hosts"
    settings = ssh_settings(sshd_server, known_hosts=[str(known)])
    key = await scan_host_key(resolve_ssh_settings(**{k: v for k, v in settings.items() if k != "label"}))
    assert key.known_hosts_line.split(" ", 1)[1] == sshd_server.host_public_key
    trust_host_key(key, known)
    async with transport_for(kind, settings) as transport:
        assert (await transport.exec("true")).ok
