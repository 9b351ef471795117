"""Leave out asyncssh's empty SSH_MSG_IGNORE packets on connections whose cipher has no use for them.

Once a connection is encrypted, asyncssh sends an empty SSH_MSG_IGNORE before every packet. That is
RFC 4251's defence (section 9.3.1) for CBC ciphers, where an observer knows the next packet's IV.
An AEAD cipher (AES-GCM, which the transports ask for first, or chacha20-poly1305) derives a fresh
nonce per packet, so there the ignore packets defend nothing and OpenSSH sends none. They double the
packets, the encryptions and the socket writes of a transfer: about a sixth of the event loop's CPU
per byte uploaded (benchmarks/transports.py). Every other packet goes out unchanged.
"""

from __future__ import annotations

from typing import Any

import asyncssh
from asyncssh.constants import MSG_IGNORE
from asyncssh.packet import String

AEAD_CIPHERS = frozenset({"aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com"})
EMPTY = String(b"")


def drop_needless_ignores(conn: asyncssh.SSHClientConnection) -> None:
    """Route `conn`'s packets through a filter that drops empty ignore packets under an AEAD cipher.

    The cipher is looked up at each ignore packet, so a key exchange that switches to another kind
    of cipher brings them back.
    """
    send = conn.send_packet

    def send_packet(pkttype: int, *args: bytes, **options: Any) -> None:
        if pkttype == MSG_IGNORE and args == (EMPTY,) and conn.get_extra_info("send_cipher") in AEAD_CIPHERS:
            return
        send(pkttype, *args, **options)

    conn.send_packet = send_packet  # type: ignore[method-assign]
