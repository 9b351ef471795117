"""Transport steps retried with exponential backoff, as AiiDA's users know it.

After the k-th failure the step waits `initial_interval * 2**(k-1)` seconds; after the last of
`max_attempts` it raises TransportTaskFailed, which pauses the process with the reason.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from provtop.transports import TransportError

from ..config import Config
from ..errors import ProvtopError, RemoteError
from .errors import TransportTaskFailed

T = TypeVar("T")
logger = logging.getLogger(__name__)



def is_retried(exc: BaseException) -> bool:
    """Transport and remote failures are retried, and so is anything unexpected a transport library
    raises (AiiDA retries every exception too); provtop's own errors about bad input are not."""
    if isinstance(exc, (TransportError, RemoteError, OSError, asyncio.TimeoutError)):
        return True
    return isinstance(exc, Exception) and not isinstance(exc, ProvtopError)


@dataclass(frozen=True)
class RetryPolicy:
    initial_interval: float = 20.0
    max_attempts: int = 5

    @classmethod
    def from_config(cls, config: Config | None = None) -> RetryPolicy:
        """The current `transport.task_*` options (read anew each time, so a change applies to the next step)."""
        config = config or Config.load()
        return cls(
            initial_interval=float(config.option("transport.task_retry_initial_interval")),
            max_attempts=max(1, int(config.option("transport.task_maximum_attempts"))),
        )


OnRetry = Callable[[int, float, BaseException], Awaitable[None]]


async def with_backoff(
    task: str, step: Callable[[], Awaitable[T]], policy: RetryPolicy, on_retry: OnRetry | None = None
) -> T:
    """Run `step` until it succeeds; what `is_retried` accepts is retried, anything else propagates."""
    for attempt in range(1, policy.max_attempts + 1):
        try:
            return await step()
        except TransportTaskFailed:
            raise
        except Exception as exc:
            if not is_retried(exc):
                raise
            if attempt == policy.max_attempts:
                raise TransportTaskFailed(task, attempt, str(exc) or type(exc).__name__) from exc
            delay = policy.initial_interval * 2 ** (attempt - 1)
            logger.info("%s failed (attempt %d of %d), retrying in %g s: %s", task, attempt, policy.max_attempts, delay, exc)
            if on_retry is not None:
                await on_retry(attempt, delay, exc)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")
