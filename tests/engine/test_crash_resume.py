"""SIGKILL the engine at random moments and restart it: nothing runs twice, everything finishes."""

from __future__ import annotations

import random
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from provtop.backend.entities import Computer, Float, Int, LinkType, ProcessNode, Str, load_node
from provtop.backend.processes import submit
from provtop.backend.store.store import Store

from .conftest import engine_is_up, wait_until
from .processes_for_tests import counted_chain


def terminated(store: Store, pks: list[int]) -> bool:
    return all(isinstance(n := load_node(pk, store), ProcessNode) and n.is_terminated for pk in pks)


def test_sigkilled_engine_resumes_every_workflow_without_running_any_step_twice(
    store: Store, localhost: Computer, tmp_path: Path, engine_process: Callable[[], subprocess.Popen[bytes]]
) -> None:
    log = tmp_path / "runs.log"
    steps, workflows = 3, 4
    pks = [
        submit(counted_chain, tag=Str(f"wf{i}"), steps=Int(steps), seconds=Float(0.6), log=Str(str(log))).pk
        for i in range(workflows)
    ]
    chance = random.Random(5)
    kills_mid_run = 0
    for _ in range(8):
        engine = engine_process()
        time.sleep(chance.uniform(0.3, 2.0))
        engine.send_signal(signal.SIGKILL)
        engine.wait()
        if terminated(store, pks):
            break
        kills_mid_run += 1
    assert kills_mid_run >= 3
    final = engine_process()
    assert wait_until(lambda: terminated(store, pks), timeout=120), "workflows did not finish after the restarts"
    assert wait_until(lambda: engine_is_up(store, final), timeout=30)
    final.send_signal(signal.SIGTERM)
    assert final.wait(timeout=30) == 0

    runs = Counter(log.read_text().split())
    assert runs == Counter(f"wf{i}-{s}" for i in range(workflows) for s in range(steps))
    for pk in pks:
        node = load_node(pk, store)
        assert node.is_finished_ok, node.attributes
        children = [t.node for t in node.get_outgoing() if t.link_type in (LinkType.CALL_CALC, LinkType.CALL_WORK)]
        assert len(children) == steps + 1
        assert all(child.is_finished_ok for child in children)
        assert {t.label: t.node for t in node.get_outgoing(LinkType.RETURN)}["lines"].value == 1
