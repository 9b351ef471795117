"""asyncssh errors never reach callers raw: a server that went away surfaces as ConnectionLost."""

from __future__ import annotations

import pytest
from provtop.transports import ConnectionLost, transport_for

from tests.fixtures.services import RestartableSshd


def outage_settings(server: RestartableSshd) -> dict[str, object]:
    return server.settings | {"host": "127.0.0.1", "backoff": 0.05, "label": "test"}


async def test_a_command_after_sshd_stopped_raises_connection_lost(restartable_sshd: RestartableSshd) -> None:
    async with transport_for("ssh_async", outage_settings(restartable_sshd)) as transport:
        assert (await transport.exec("echo up")).stdout == "up\n"
        restartable_sshd.stop()
        with pytest.raises(ConnectionLost):
            await transport.exec("echo down")


async def test_file_work_after_sshd_stopped_raises_connection_lost(restartable_sshd: RestartableSshd) -> None:
    async with transport_for("ssh_async", outage_settings(restartable_sshd)) as transport:
        await transport.stat(transport.home)
        restartable_sshd.stop()
        with pytest.raises(ConnectionLost):
            await transport.iterdir(transport.home)


async def test_commands_work_again_once_sshd_is_back(restartable_sshd: RestartableSshd) -> None:
    async with transport_for("ssh_async", outage_settings(restartable_sshd)) as transport:
        restartable_sshd.stop()
        with pytest.raises(ConnectionLost):
            await transport.exec("echo down")
        restartable_sshd.start()
        assert (await transport.exec("echo back")).stdout == "back\n"


async def test_a_command_after_sshd_restarted_runs_on_a_new_connection(restartable_sshd: RestartableSshd) -> None:
    async with transport_for("ssh_async", outage_settings(restartable_sshd)) as transport:
        await transport.exec("true")
        restartable_sshd.stop()
        restartable_sshd.start()
        assert (await transport.exec("echo again")).stdout == "again\n"
