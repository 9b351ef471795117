"""Stashing the folder of a finished calc job after the fact (StashCalculation), from the CLI or the TUI."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from .. import event_loop
from ..engine.engine import Engine
from ..entities import LinkType, ProcessNode, RemoteData, RemoteStashData, load_node
from ..entities.entity import validate_model
from ..errors import InputError
from ..processes import StashCalculation, StashOptions, submit
from ..processes.stash import check_source
from ..store.store import Store


class StashResult(BaseModel):
    pk: int
    state: str
    exit_status: int | None
    stash_pk: int | None
    target: str | None
    message: str


class StashActions:
    store: Store
    engine_status: Any

    def stash_remote(self, remote: int | str, *, mode: str, target_base: str, source_list: Sequence[str] = ("*",),
                     dereference: bool = False, timeout: float = math.inf) -> StashResult:
        """Run a StashCalculation on `remote` (a RemoteData); by a running engine, else in this process."""
        node = load_node(remote, self.store)
        if not isinstance(node, RemoteData):
            raise InputError(f"node {node.pk} is a {type(node).__name__}, not a RemoteData (a calc job's remote_folder)")
        check_source(node)
        stash = validate_model(StashOptions, {"stash_mode": mode, "target_base": target_base,
                                              "source_list": list(source_list), "dereference": dereference},
                               "stash options")
        inputs: dict[str, Any] = {"source_node": node, "metadata": {"options": {"stash": stash.model_dump()}}}
        if self.engine_status().state == "running":
            calc = submit(StashCalculation, **inputs)
            done = self._wait(calc.pk, timeout)  # type: ignore[arg-type]
        else:
            done = event_loop.run(_run_here(self.store, inputs))
        return _result(done)

    def _wait(self, pk: int, timeout: float) -> ProcessNode:
        deadline = time.monotonic() + timeout
        while True:
            node = load_node(pk, self.store)
            assert isinstance(node, ProcessNode)
            if node.is_terminated or time.monotonic() >= deadline:
                return node
            time.sleep(0.2)


async def _run_here(store: Store, inputs: dict[str, Any]) -> ProcessNode:
    """A private engine that runs this one calculation and claims nothing else."""
    async with Engine(store, max_processes=0) as engine:
        calc = await engine.submit(StashCalculation, **inputs)
        return await engine.wait_terminated(calc.pk)  # type: ignore[arg-type]


def _result(node: ProcessNode) -> StashResult:
    stashed = {t.label: t.node for t in node.get_outgoing(LinkType.CREATE)}.get("remote_stash")
    target = stashed.target_basepath if isinstance(stashed, RemoteStashData) else None
    state = node.process_state.value if node.process_state else "created"
    if not node.is_terminated:
        message = f"StashCalculation<{node.pk}> is {state}; see `provtop process show {node.pk}`"
    elif node.is_finished_ok and stashed is not None:
        message = f"stashed to {target} (StashCalculation<{node.pk}>, RemoteStashData<{stashed.pk}>)"
    else:
        reason = node.get_attribute("exit_message") or node.get_attribute("stash_error") or node.get_attribute("exception")
        message = f"StashCalculation<{node.pk}> {state} [{node.exit_status}]: {reason}"
    return StashResult(pk=node.pk, state=state, exit_status=node.exit_status,  # type: ignore[arg-type]
                       stash_pk=stashed.pk if stashed is not None else None, target=target, message=message)
