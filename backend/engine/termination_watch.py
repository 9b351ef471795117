"""Waiting for processes this engine does not run: one store query per interval covers them all.

A process another engine runs, or that no engine has claimed yet, ends without telling this one.
Its waiters are woken by one `SELECT ... WHERE id IN (...)` per interval for all of them, instead
of each loading its node every interval (1000 waiters cost 2000 node loads a second otherwise).
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING

from .killing import active_only

if TYPE_CHECKING:
    from .engine import Engine


class TerminationWatch:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._waiters: dict[int, list[tuple[float, asyncio.Future[None]]]] = {}
        self._task: asyncio.Task[None] | None = None
        self.queries = 0

    @property
    def watched(self) -> int:
        """How many processes are waited for without running here."""
        return len(self._waiters)

    async def wait(self, pk: int, poll: float) -> None:
        """Return once the store shows `pk` ended or `release(pk)` is called; looks every `poll` s at most."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (poll, future)
        self._waiters.setdefault(pk, []).append(entry)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._watch(), name="engine-termination-watch")
        try:
            await future
        finally:
            entries = self._waiters.get(pk, [])
            if entry in entries:
                entries.remove(entry)
            if not entries:
                self._waiters.pop(pk, None)

    def release(self, pk: int) -> None:
        """Wake the waiters of `pk` so they look again (the process started or ended here)."""
        for _, future in self._waiters.pop(pk, []):
            if not future.done():
                future.set_result(None)

    async def _watch(self) -> None:
        while self._waiters:
            await asyncio.sleep(min(poll for entries in self._waiters.values() for poll, _ in entries))
            pks = list(self._waiters)
            if not pks:
                return

            active = await self.engine.io.read(partial(self._still_active, pks))
            self.queries += 1
            for pk in pks:
                if pk not in active:
                    self.release(pk)
            if any(pk not in self.engine.running for pk in active):
                self.engine.claim_soon()  # maybe nobody runs it: do not wait a whole claim interval

    def _still_active(self, pks: list[int]) -> set[int]:
        with self.engine.store.reading() as session:
            return active_only(session, pks)

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
