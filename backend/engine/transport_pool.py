"""One open transport per computer, shared by every process that works there.

Operations on a computer are limited to its `max_transport_channels` at once; a transport that
lost its connection is dropped, so the next operation connects anew.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from provtop.transports import ConnectionLost, Transport, TransportError, TransportTimeout
from provtop.transports.meter import TransferMeter

from ..computer_transport import transport_for_computer
from ..entities.computers import Computer


def _connection_suspect(exc: BaseException) -> bool:
    """Whether an error may mean the connection is broken (then the next operation reconnects).

    A file that is missing or protected says nothing about the connection; a lost connection, a
    timeout or an error the transport did not map into its own classes may.
    """
    if isinstance(exc, (ConnectionLost, TransportTimeout)):
        return True
    return not isinstance(exc, TransportError)


class TransportPool:
    def __init__(self, *, meter: TransferMeter | None = None) -> None:
        self.meter = meter  # counts every transport's bytes (the TUI's Transfers view), if given
        self._transports: dict[int, Transport] = {}
        self._opening: dict[int, asyncio.Lock] = {}
        self._slots: dict[int, asyncio.Semaphore] = {}

    @asynccontextmanager
    async def use(self, computer: Computer) -> AsyncIterator[Transport]:
        key = computer.pk or 0
        slots = self._slots.setdefault(key, asyncio.Semaphore(computer.max_transport_channels))
        async with slots:
            transport = await self._open(key, computer)
            try:
                yield transport
            except Exception as exc:
                if _connection_suspect(exc) or not transport.is_open:
                    await self._drop(key, transport)
                raise

    async def _open(self, key: int, computer: Computer) -> Transport:
        transport = self._transports.get(key)
        if transport is not None and transport.is_open:
            return transport
        async with self._opening.setdefault(key, asyncio.Lock()):
            transport = self._transports.get(key)
            if transport is None or not transport.is_open:
                transport = transport_for_computer(computer, meter=self.meter)
                await transport.open()
                self._transports[key] = transport
            return transport

    async def _drop(self, key: int, transport: Transport) -> None:
        if self._transports.get(key) is transport:
            del self._transports[key]
        try:
            await transport.close()
        except (TransportError, OSError):
            pass

    async def close(self) -> None:
        for key, transport in list(self._transports.items()):
            await self._drop(key, transport)
