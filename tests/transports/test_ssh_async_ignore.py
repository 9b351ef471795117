"""ssh_async leaves out asyncssh's empty ignore packets under AEAD ciphers, and only those."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

import asyncssh
import pytest
from asyncssh.constants import MSG_CHANNEL_DATA, MSG_IGNORE
from asyncssh.packet import String
from provtop.transports import transport_for
from provtop.transports.ssh_async_ignore import drop_needless_ignores

from tests.fixtures.services import SshServer

from .conftest import ssh_settings


async def test_an_upload_sends_no_ignore_packets_under_aes_gcm(
    sshd_server: SshServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: Counter[int] = Counter()
    send_packet = asyncssh.connection.SSHConnection.send_packet

    def counting(self: Any, pkttype: int, *args: bytes, **options: Any) -> None:
        sent[pkttype] += 1
        send_packet(self, pkttype, *args, **options)

    monkeypatch.setattr(asyncssh.connection.SSHConnection, "send_packet", counting)
    source = tmp_path / "eight.bin"
    source.write_bytes(os.urandom(8 << 20))
    async with transport_for("ssh_async", ssh_settings(sshd_server)) as transport:
        conn, _, _ = await transport.shared.current()  # type: ignore[attr-defined]
        cipher = conn.get_extra_info("send_cipher")
        sent.clear()  # the login's packets went out before the connection was handed over
        await transport.put(str(source), str(tmp_path / "copy.bin"))
    assert cipher == "aes128-gcm@openssh.com"
    assert (tmp_path / "copy.bin").read_bytes() == source.read_bytes()
    assert sent[MSG_CHANNEL_DATA] >= (8 << 20) // 32768
    assert sent[MSG_IGNORE] == 0


class RecordingConnection:
    """Stands in for an asyncssh connection: records packets, reports a chosen cipher."""

    def __init__(self, cipher: str) -> None:
        self.cipher = cipher
        self.packets: list[tuple[int, tuple[bytes, ...]]] = []

    def send_packet(self, pkttype: int, *args: bytes, handler: object = None) -> None:
        self.packets.append((pkttype, args))

    def get_extra_info(self, name: str, default: object = None) -> object:
        return self.cipher if name == "send_cipher" else default


@pytest.mark.parametrize("cipher", ["aes128-gcm@openssh.com", "chacha20-poly1305@openssh.com"])
def test_empty_ignore_packets_are_dropped_under_aead_ciphers(cipher: str) -> None:
    conn = RecordingConnection(cipher)
    drop_needless_ignores(conn)  # type: ignore[arg-type]
    conn.send_packet(MSG_IGNORE, String(b""))
    conn.send_packet(MSG_IGNORE, String(b"chaff"))
    conn.send_packet(MSG_CHANNEL_DATA, b"\0\0\0\1", String(b"data"), handler=None)
    assert conn.packets == [(MSG_IGNORE, (String(b"chaff"),)), (MSG_CHANNEL_DATA, (b"\0\0\0\1", String(b"data")))]


@pytest.mark.parametrize("cipher", ["aes128-cbc", "aes256-ctr"])
def test_other_ciphers_keep_them(cipher: str) -> None:
    conn = RecordingConnection(cipher)
    drop_needless_ignores(conn)  # type: ignore[arg-type]
    conn.send_packet(MSG_IGNORE, String(b""))
    assert conn.packets == [(MSG_IGNORE, (String(b""),))]
