"""Submissions gathered per computer: jobs that become ready while one command is out go in the next.

A thousand jobs become a few dozen `exec` calls (each one process spawn, or one SSH round trip)
instead of a thousand, and a job that is ready alone goes at once instead of waiting for company.
Every job still goes through the scheduler's exactly-once guard and gets its own answer or error,
which its own backoff handles.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, NamedTuple

from ..entities import Computer
from ..schedulers import Scheduler

if TYPE_CHECKING:
    from .engine import Engine

MAX_BATCH = 100


class Submitted(NamedTuple):
    job_id: str
    sent_at: float  # loop time when the command left: the job may have run since, so poll it soon


class _Pending:
    def __init__(self) -> None:
        self.jobs: list[tuple[str, str, asyncio.Future[Submitted]]] = []
        self.task: asyncio.Task[None] | None = None


class SubmitBatcher:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._pending: dict[int, _Pending] = {}
        self.commands = 0

    async def submit(self, computer: Computer, scheduler: Scheduler, workdir: str, script: str) -> Submitted:
        """The job id of the script in `workdir`, submitted together with others ready now."""
        pending = self._pending.setdefault(computer.pk or 0, _Pending())
        future: asyncio.Future[Submitted] = asyncio.get_running_loop().create_future()
        pending.jobs.append((workdir, script, future))
        if pending.task is None or pending.task.done():
            pending.task = asyncio.create_task(self._flush(computer, scheduler, pending))
        return await future

    async def _flush(self, computer: Computer, scheduler: Scheduler, pending: _Pending) -> None:
        while pending.jobs:
            batch, pending.jobs = pending.jobs[:MAX_BATCH], pending.jobs[MAX_BATCH:]
            live = [job for job in batch if not job[2].done()]
            if not live:
                continue
            try:
                async with self.engine.transports.use(computer) as transport:
                    self.commands += 1
                    sent_at = asyncio.get_running_loop().time()
                    answers = await scheduler.submit_many(transport, [(workdir, script) for workdir, script, _ in live])
            except Exception as exc:
                for _, _, future in live:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, _, future), answer in zip(live, answers, strict=True):
                if future.done():
                    continue
                if isinstance(answer, Exception):
                    future.set_exception(answer)
                else:
                    future.set_result(Submitted(answer, sent_at))
