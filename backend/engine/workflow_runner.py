"""Running workflow functions, with deterministic replay of their recorded children.

On start the runner reads the workflow's CALL links: each child carries the key of the call that
made it (process, inputs by content, metadata). A `ctx.run` whose key was recorded gets that child
back (the n-th identical call gets the n-th such child), so resuming launches nothing twice.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from ..entities import Data, LinkType, ProcessNode, ProcessState, WorkChainNode, load_node
from ..entities.entity import validate_model
from ..processes.calcfunction import CalcFunction, execute
from ..processes.calcjob import ProcessMetadata
from ..processes.launch import (
    call_key,
    create_process,
    process_kind,
    process_type_of,
    resolve_process,
    spec_of,
    split_metadata,
)
from ..processes.spec import ProcessInputs, flatten_inputs
from ..processes.workflow import ChildResult, WorkflowContext, WorkflowFunction, outputs_of_result
from .checkpoints import Checkpoint
from .runner import ProcessRunner

if TYPE_CHECKING:
    from .engine import Engine

CALL_LINKS = (LinkType.CALL_CALC, LinkType.CALL_WORK)


def outputs_of(node: ProcessNode) -> dict[str, Data]:
    """A process's outputs by label: created ones for calculations, returned ones for workflows."""
    kind = LinkType.RETURN if node.provenance_kind == "workflow" else LinkType.CREATE
    return {t.label: t.node for t in node.get_outgoing(kind)}  # type: ignore[misc]


class WorkflowRunner(ProcessRunner):
    node: WorkChainNode

    def __init__(self, engine: Engine, node: ProcessNode, checkpoint: Checkpoint) -> None:
        super().__init__(engine, node, checkpoint)
        self.waiting: set[int] = set()  # the children it awaits

    def is_waiting(self) -> bool:
        return bool(self.waiting) or super().is_waiting()

    async def run_process(self) -> None:
        function = resolve_process(self.node.process_type or "")
        if not isinstance(function, WorkflowFunction):
            raise TypeError(f"{self.node.process_type} is not a @workflow")
        flat, recorded = await self.engine.io.read(self._load)
        self.replay: dict[str, deque[int]] = recorded
        self.replayed = 0
        inputs = ProcessInputs(flat, function.spec)
        ctx = WorkflowContext(self.node, inputs, self)
        if not self.node.get_attribute("paused"):
            await self.set_status(None, ProcessState.RUNNING)
        self._status_task: asyncio.Task[None] | None = None
        token = ctx.bind()
        try:
            result = await function.function(ctx, **dict(inputs))
        finally:
            ctx.unbind(token)
            if self._status_task is not None:
                self._status_task.cancel()
        outputs, exit_code = outputs_of_result(result)
        left = sum(len(pks) for pks in self.replay.values())
        if left:
            self.report(f"replay: {left} recorded child(ren) were not asked for again; the workflow is not "
                        "deterministic (see the rule in provtop.backend.processes.workflow)", "WARNING")
        await self.terminate(ProcessState.FINISHED, exit_code, outputs, link_type=LinkType.RETURN)

    def _load(self) -> tuple[dict[str, Any], dict[str, deque[int]]]:
        flat = {t.label: t.node for t in self.node.get_incoming(LinkType.INPUT_WORK)}
        recorded: dict[str, deque[int]] = defaultdict(deque)
        children = [t.node for t in self.node.get_outgoing() if t.link_type in CALL_LINKS]
        for child in sorted(children, key=lambda n: n.pk or 0):
            recorded[child.get_attribute("call_key") or ""].append(child.pk)  # type: ignore[arg-type]
        return flat, recorded

    def _take(self, key: str) -> int | None:
        pks = self.replay.get(key)
        if pks:
            self.replayed += 1
            return pks.popleft()
        return None

    # -- ChildLauncher ----------------------------------------------------------------------------

    async def launch(self, process: Any, inputs: dict[str, Any]) -> ChildResult:
        kind = process_kind(process)
        values, metadata = split_metadata(inputs)
        flat = flatten_inputs(spec_of(process), values)
        key = call_key(process_type_of(process), flat, metadata)
        pk = self._take(key)
        store = self.engine.store
        if kind == "calcfunction":
            if pk is None:
                _, node = await asyncio.to_thread(execute, process, flat, metadata.model_dump(), caller=self.node, key=key)
            else:
                node = await self.engine.io.read(lambda: load_node(pk, store))
            outputs = await self.engine.io.read(lambda: outputs_of(node))
            return ChildResult(node, outputs)
        if pk is None:
            await self.pause_point()  # a paused workflow launches nothing new until played
            engine = self.engine

            def create(session: Session) -> ProcessNode:
                return create_process(process, {**values, "metadata": metadata}, caller=self.node, key=key,
                                      engine_id=engine.id, lease_seconds=engine.lease_seconds)

            child = await engine.fenced_write(self.pk, create)
            engine.start_owned(child)
            pk = child.pk
        self._waiting_changed(add=pk)
        try:
            node = await self.engine.wait_terminated(pk)  # type: ignore[arg-type]
        finally:
            self._waiting_changed(remove=pk)
        outputs = await self.engine.io.read(lambda: outputs_of(node))
        return ChildResult(node, outputs)

    def _waiting_changed(self, add: int | None = None, remove: int | None = None) -> None:
        """Keep the status naming the children awaited; changes in one loop turn make one write."""
        if add is not None:
            self.waiting.add(add)
        if remove is not None:
            self.waiting.discard(remove)
        if self._status_task is None or self._status_task.done():
            self._status_task = asyncio.create_task(self._write_waiting_status())

    async def _write_waiting_status(self) -> None:
        await asyncio.sleep(0)
        if self.node.get_attribute("paused"):
            return  # the status says why it is paused until it is played
        pks = sorted(self.waiting)
        shown = ", ".join(map(str, pks[:5])) + (", ..." if len(pks) > 5 else "")
        await self.set_status(f"Waiting for {len(pks)} child process(es): {shown}" if pks else None)

    def call_function_sync(self, function: CalcFunction, values: dict[str, Any], metadata: Mapping[str, Any]) -> Any:
        flat = flatten_inputs(None, values)
        key = call_key(process_type_of(function), flat, validate_model(ProcessMetadata, dict(metadata), "metadata"))
        pk = self._take(key)
        if pk is None:
            return execute(function, flat, metadata, caller=self.node, key=key)
        node = load_node(pk, self.engine.store)
        outputs = outputs_of(node)  # type: ignore[arg-type]
        result: Any = outputs["result"] if set(outputs) == {"result"} else outputs
        return result, node

    def report(self, message: str, level: str = "REPORT") -> None:
        self.engine.report_soon(self.node, message, level)
