"""Sharing one connection per (host, port, user) and event loop among all transports to it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from .ssh_settings import SshSettings


class SharedConnection(Protocol):
    users: int

    async def current(self) -> object: ...

    async def close(self) -> None: ...


S = TypeVar("S", bound=SharedConnection)


class ConnectionRegistry(Generic[S]):
    """Hands out the shared connection for some settings, opening it for the first user and
    closing it when the last one leaves."""

    def __init__(self, make: Callable[[SshSettings, str | None], S]) -> None:
        self._make = make
        self._open: dict[tuple[asyncio.AbstractEventLoop, tuple[str, int, str]], S] = {}

    async def acquire(self, settings: SshSettings, label: str | None) -> S:
        key = (asyncio.get_running_loop(), settings.pool_key)
        shared = self._open.get(key)
        if shared is None:
            shared = self._open[key] = self._make(settings, label)
        shared.users += 1
        try:
            await shared.current()
        except BaseException:
            await self.release(shared)
            raise
        return shared

    async def release(self, shared: S) -> None:
        shared.users -= 1
        if shared.users > 0:
            return
        for key, value in list(self._open.items()):
            if value is shared:
                del self._open[key]
        await shared.close()
