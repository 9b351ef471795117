"""Scheduler polling: one call per computer per poll interval covers every job watched there.

A failed poll is retried with the transport backoff; when every attempt fails, each watcher gets
the TransportTaskFailed, so its process pauses with the reason.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from ..entities import Computer
from ..schedulers import JobInfo, Scheduler
from .backoff import with_backoff

if TYPE_CHECKING:
    from .engine import Engine

logger = logging.getLogger(__name__)

_Item = JobInfo | BaseException
WAKE_CHUNK = 50


class _ComputerPolls:
    def __init__(self, engine: Engine, computer: Computer, scheduler: Scheduler) -> None:
        self.engine = engine
        self.computer = computer
        self.scheduler = scheduler
        self.watchers: dict[str, list[asyncio.Queue[_Item]]] = {}
        self.task: asyncio.Task[None] | None = None
        self.polls = 0
        self.last_poll: float | None = None
        self.new_job_at: float | None = None
        self._kick = asyncio.Event()

    def add(self, job_id: str, submitted_at: float | None) -> asyncio.Queue[_Item]:
        queue: asyncio.Queue[_Item] = asyncio.Queue()
        self.watchers.setdefault(job_id, []).append(queue)
        # From its submission: an answer that took 0.4 s to arrive leaves a short job done already.
        new_job_at = asyncio.get_running_loop().time() if submitted_at is None else submitted_at
        if self.new_job_at is None or new_job_at < self.new_job_at:
            self.new_job_at = new_job_at
            self._kick.set()
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._loop(), name=f"poll-{self.computer.label}")
        return queue

    def _due(self) -> float:
        """When the next poll is due: one interval after the last, sooner for a newly submitted job."""
        if self.last_poll is None:  # never polled: only new jobs make a poll due
            due, last = math.inf, -math.inf
        else:
            due, last = self.last_poll + self.scheduler.poll_interval, self.last_poll
        if self.new_job_at is not None:
            due = min(due, max(self.new_job_at, last) + self.scheduler.first_poll_delay)
        return due

    def remove(self, job_id: str, queue: asyncio.Queue[_Item]) -> None:
        queues = self.watchers.get(job_id, [])
        if queue in queues:
            queues.remove(queue)
        if not queues:
            self.watchers.pop(job_id, None)

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        while self.watchers:
            wait = self._due() - loop.time()
            if wait > 0:
                self._kick.clear()
                try:
                    await asyncio.wait_for(self._kick.wait(), wait)
                    continue  # a new job arrived: work out when the next poll is due again
                except TimeoutError:
                    pass
            self.new_job_at = None
            self.last_poll = loop.time()
            job_ids = list(self.watchers)
            if not job_ids:
                break

            async def poll(job_ids: list[str] = job_ids) -> dict[str, JobInfo]:
                async with self.engine.transports.use(self.computer) as transport:
                    return await self.scheduler.poll(transport, job_ids)

            try:
                infos = await with_backoff(f"update (poll {self.scheduler.name} on {self.computer.label})", poll,
                                           self.engine.retry_policy())
            except Exception as exc:  # delivered to every watcher; each process decides
                for job_id in job_ids:
                    for queue in self.watchers.get(job_id, []):
                        queue.put_nowait(exc)
                continue
            self.polls += 1
            for index, job_id in enumerate(job_ids):
                info = infos.get(job_id)
                if info is not None:
                    for queue in self.watchers.get(job_id, []):
                        queue.put_nowait(info)
                if index % WAKE_CHUNK == WAKE_CHUNK - 1:
                    await asyncio.sleep(0)  # wake the watchers a chunk per loop turn, not a thousand at once


class JobPoller:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._computers: dict[int, _ComputerPolls] = {}

    @property
    def polls(self) -> int:
        return sum(c.polls for c in self._computers.values())

    async def watch(self, computer: Computer, scheduler: Scheduler, job_id: str,
                    submitted_at: float | None = None) -> AsyncIterator[JobInfo]:
        """Each poll's answer for `job_id`; raises what a poll failed with after its retries.

        The first poll comes `first_poll_delay` after `submitted_at` (loop time), or after now.
        """
        key = computer.pk or 0
        polls = self._computers.get(key)
        if polls is None:
            polls = self._computers[key] = _ComputerPolls(self.engine, computer, scheduler)
        queue = polls.add(job_id, submitted_at)
        try:
            while True:
                item = await queue.get()
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            polls.remove(job_id, queue)

    async def close(self) -> None:
        for polls in self._computers.values():
            if polls.task is not None:
                polls.task.cancel()
