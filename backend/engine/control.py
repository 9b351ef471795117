"""Control requests (pause, play, kill) as durable rows in the store.

A client writes a request with `request()`; the engine that owns the process reads pending
requests every `interval` seconds and carries them out, so requests survive restarts and need
no broker. A new request of the same action replaces a pending one.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..entities import ProcessNode, load_node
from ..store.schema import ProcessControlRow, ProcessLeaseRow
from ..store.store import Store
from .leases import utcnow

if TYPE_CHECKING:
    from .engine import Engine

ACTIONS = ("pause", "play", "kill")
PAUSE_REQUESTED_STATUS = "Paused through a pause request"


def request(store: Store, node_id: int, action: str, options: dict[str, Any] | None = None) -> int:
    """Record a request for process `node_id`; a pending one of the same action is superseded."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    with store.transaction() as session:
        session.execute(
            update(ProcessControlRow)
            .where(ProcessControlRow.node_id == node_id, ProcessControlRow.action == action,
                   ProcessControlRow.status == "pending")
            .values(status="superseded", handled=utcnow())
        )
        row = ProcessControlRow(node_id=node_id, action=action, status="pending", options=dict(options or {}),
                                message="", created=utcnow())
        session.add(row)
        session.flush()
        return row.id


def _finish(session: Session, request_id: int, status: str, message: str) -> None:
    session.execute(
        update(ProcessControlRow).where(ProcessControlRow.id == request_id)
        .values(status=status, message=message, handled=utcnow())
    )


def _unpause(pk: int, store: Store) -> None:
    node = load_node(pk, store)
    if isinstance(node, ProcessNode) and not node.is_terminated and node.get_attribute("paused"):
        node.set_attribute_many({"paused": False, "process_status": "Resumed"})


class ControlRequests:
    """The engine's side: pause flags and play waiters for the processes it runs."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._pause: set[int] = set()
        self._play: dict[int, asyncio.Event] = {}

    def pause_requested(self, pk: int) -> bool:
        return pk in self._pause

    async def wait_for_play(self, pk: int) -> None:
        self._pause.discard(pk)
        event = self._play.setdefault(pk, asyncio.Event())
        try:
            await event.wait()
        finally:
            self._play.pop(pk, None)

    async def poll_once(self) -> None:
        engine_id = self.engine.id

        def pending() -> list[tuple[int, int, str, dict[str, Any]]]:
            with self.engine.store.reading() as session:
                owned = select(ProcessLeaseRow.node_id).where(ProcessLeaseRow.engine_id == engine_id)
                rows = session.execute(
                    select(ProcessControlRow.id, ProcessControlRow.node_id, ProcessControlRow.action,
                           ProcessControlRow.options)
                    .where(ProcessControlRow.status == "pending", ProcessControlRow.node_id.in_(owned))
                    .order_by(ProcessControlRow.id)
                ).all()
                return [(r[0], r[1], r[2], dict(r[3] or {})) for r in rows]

        requests = await self.engine.io.read(pending)
        finished: list[tuple[int, str, str]] = []
        kills = [(request_id, pk, options) for request_id, pk, action, options in requests if action == "kill"]
        if kills:
            self.engine.kills.handle(kills)
        for request_id, pk, action, _ in requests:
            if action == "pause":
                self._pause.add(pk)
                finished.append((request_id, "done", await self._pause_now_if_waiting(pk)))
            elif action == "play":
                self._pause.discard(pk)
                if pk in self._play:
                    self._play[pk].set()
                    finished.append((request_id, "done", "played"))
                elif pk in self.engine.running and not self.engine.running[pk].node.get_attribute("paused"):
                    finished.append((request_id, "done", "not paused: nothing to play"))
                else:
                    # Paused while no engine ran it, and not at a pause point yet: clearing the flag is enough.
                    runner = self.engine.running.get(pk)
                    if runner is not None:
                        await runner.save(attributes={"paused": False, "process_status": "Resumed"})
                    else:
                        await self.engine.fenced_write(pk, lambda session, pk=pk: _unpause(pk, self.engine.store))
                    finished.append((request_id, "done", "played"))
        if finished:
            def write(session: Session) -> None:
                for request_id, status, message in finished:
                    _finish(session, request_id, status, message)

            await self.engine.io.write(write)

    async def _pause_now_if_waiting(self, pk: int) -> str:
        """A waiting process (on called processes or a scheduler job) reaches its pause point only
        when what it waits for is over, and a paused child may make that never: it shows as paused
        at once, and stays where it is until played."""
        runner = self.engine.running.get(pk)
        if runner is None or not runner.is_waiting():
            return "pause requested: the process pauses at its next step"
        if not runner.node.get_attribute("paused"):
            await runner.save(attributes={"paused": True, "process_status": PAUSE_REQUESTED_STATUS})
        return "paused"
