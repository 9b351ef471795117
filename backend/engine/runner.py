"""What every process runner shares: fenced saves, pausing, and ending the process.

A save writes the checkpoint and the node's attributes in one transaction that first checks this
engine still holds the lease, so an engine that lost its process can no longer change it.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from ..entities import Data, LinkType, ProcessNode, ProcessState, load_node
from ..processes.spec import ExitCode
from . import checkpoints, leases
from .backoff import with_backoff
from .checkpoints import Checkpoint
from .control import PAUSE_REQUESTED_STATUS
from .errors import LeaseLost, TransportTaskFailed
from .events import ProcessEvent

if TYPE_CHECKING:
    from .engine import Engine

logger = logging.getLogger(__name__)


class ProcessRunner:
    """Runs one process from its checkpoint to its end; subclasses implement `run_process`."""

    def __init__(self, engine: Engine, node: ProcessNode, checkpoint: Checkpoint) -> None:
        self.engine = engine
        self.node = node
        self.checkpoint = checkpoint
        self.pk: int = node.pk  # type: ignore[assignment]

    async def run(self) -> None:
        try:
            await self.run_process()
        except (LeaseLost, asyncio.CancelledError):
            raise
        except Exception as exc:
            logger.warning("process %s excepted: %s", self.pk, exc, exc_info=True)
            await self.except_(exc)

    async def run_process(self) -> None:
        raise NotImplementedError

    def is_waiting(self) -> bool:
        """Whether it waits on something outside it (a scheduler job), not on its own step."""
        return self.node.process_state is ProcessState.WAITING

    # -- saving -------------------------------------------------------------------------------

    async def save(
        self,
        step: str | None = None,
        *,
        data: dict[str, Any] | None = None,
        attributes: dict[str, Any] | None = None,
        also: Callable[[Session], None] | None = None,
    ) -> None:
        """Persist the next step, attributes and anything `also` writes, in one fenced transaction."""
        if step is not None:
            self.checkpoint = Checkpoint(step=step, data={**self.checkpoint.data, **(data or {})})
            attributes = {**self.step_attributes(step), **(attributes or {})}
        elif data:
            self.checkpoint = Checkpoint(step=self.checkpoint.step, data={**self.checkpoint.data, **data})
        checkpoint = self.checkpoint
        write_checkpoint = step is not None or bool(data)

        def write(session: Session) -> None:
            if also is not None:
                also(session)
            if write_checkpoint:
                checkpoints.save(session, self.pk, checkpoint)
            if attributes:
                self.node.set_attribute_many(attributes)

        await self.engine.fenced_write(self.pk, write)
        if attributes:
            self.publish()

    def step_attributes(self, step: str) -> dict[str, Any]:
        """What saving `step` as the next one shows on the node (state, status); subclasses say."""
        return {}

    async def set_status(self, status: str | None, state: ProcessState | None = None, **attributes: Any) -> None:
        values: dict[str, Any] = {"process_status": status, **attributes}
        if state is not None:
            values["process_state"] = state.value
        await self.save(attributes=values)

    def publish(self) -> None:
        node = self.node
        self.engine.events.publish(
            ProcessEvent.now(
                pk=self.pk,
                process_label=node.process_label,
                state=node.get_attribute("process_state") or "created",
                status=node.get_attribute("process_status"),
                step=self.checkpoint.step,
                paused=bool(node.get_attribute("paused")),
                exit_status=node.exit_status,
            )
        )

    # -- pausing --------------------------------------------------------------------------------

    async def pause(self, reason: str) -> None:
        """Stop here with `reason` in the status until a play request arrives."""
        await self.save(attributes={"paused": True, "process_status": reason})
        await self.engine.control.wait_for_play(self.pk)
        await self.save(attributes={"paused": False, "process_status": "Resumed"})

    async def pause_point(self) -> None:
        """Between steps: honour a pause request (the process keeps its place)."""
        if self.engine.control.pause_requested(self.pk) or self.node.get_attribute("paused"):
            await self.pause(self.node.get_attribute("process_status") if self.node.get_attribute("paused")
                             else PAUSE_REQUESTED_STATUS)

    async def transport_step(self, task: str, step: Callable[[], Any]) -> Any:
        """Run a transport step with backoff; when every attempt fails, pause and retry after play."""
        while True:
            policy = self.engine.retry_policy()

            async def on_retry(attempt: int, delay: float, exc: BaseException, attempts: int = policy.max_attempts) -> None:
                await self.set_status(f"Waiting for transport task: {task} (attempt {attempt} of "
                                      f"{attempts} failed: {exc}; retrying in {delay:g} s)")

            try:
                return await with_backoff(task, step, policy, on_retry)
            except TransportTaskFailed as exc:
                await self.pause(f"Pausing after failed transport task: {exc}")

    # -- ending ---------------------------------------------------------------------------------

    async def terminate(
        self,
        state: ProcessState,
        exit_code: ExitCode | None = None,
        outputs: dict[str, Data] | None = None,
        link_type: LinkType = LinkType.CREATE,
        attributes: dict[str, Any] | None = None,
        also: Callable[[Session], None] | None = None,
    ) -> None:
        node = self.node

        def write(session: Session) -> None:
            if also is not None:
                also(session)
            for label, output in (outputs or {}).items():
                output.add_incoming(node, link_type, label)
                if not output.is_stored:
                    output.store()
            if attributes:
                node.set_attribute_many(attributes)
            node.terminate(
                state,
                exit_status=exit_code.status if exit_code is not None else None,
                exit_message=exit_code.message or None if exit_code is not None else None,
            )
            leases.release(session, self.pk)
            checkpoints.remove(session, self.pk)

        await self.engine.fenced_write(self.pk, write)
        self.publish()

    async def except_(self, exc: BaseException) -> None:
        text = "".join(traceback.format_exception(exc)).strip()
        # A failed write may have left this object ahead of the store: start again from the row.
        self.node = await self.engine.io.read(lambda: load_node(self.pk, self.engine.store))  # type: ignore[assignment]
        await self.terminate(ProcessState.EXCEPTED, attributes={"exception": text})
