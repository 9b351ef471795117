"""An interrupted dump is harmless: the rerun ends in the tree an uninterrupted dump makes.

Interruptions are injected at every single file-system operation of the executor (a
deterministic stand-in for SIGKILL), and one real SIGKILL is sent from a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from provtop.backend.dump import dump_profile
from provtop.backend.dump import executor as executor_module
from provtop.backend.dump.guard import TargetGuard
from provtop.backend.store.store import Store
from tests.dump.graphs import calcjob, contents, delete_node, group, multiply_add

OPTIONS = {"all_entries": True, "also_ungrouped": True, "symlink_calcs": True, "include_extras": True}


class Interrupted(BaseException):
    """Stands for the kill: not an Exception, so nothing on the way catches it."""


@contextmanager
def interrupt_at(step: int | None, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Raise Interrupted at the `step`-th executor operation (None: only count them)."""
    count = [0]
    lock = threading.Lock()

    def counted(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with lock:
                count[0] += 1
                hit = count[0] == step
            if hit:
                raise Interrupted
            return original(*args, **kwargs)

        return wrapper

    executor = executor_module.PlanExecutor
    for name in ("_move", "_remove", "_prune", "_write", "_symlink"):
        monkeypatch.setattr(executor, name, counted(getattr(executor, name)))
    monkeypatch.setattr(TargetGuard, "make_directory", counted(TargetGuard.make_directory))
    monkeypatch.setattr(executor_module, "save_state", counted(executor_module.save_state))
    monkeypatch.setattr(executor_module, "clear_root", counted(executor_module.clear_root))
    yield count
    monkeypatch.undo()


def _steps(run: Callable[[], object], monkeypatch: pytest.MonkeyPatch) -> int:
    with interrupt_at(None, monkeypatch) as count:
        run()
    return count[0]


def _first_state(store: Store) -> tuple[Any, ...]:
    calc, workflow, loose = calcjob("calc"), multiply_add("wf"), calcjob("loose")
    alpha = group("alpha", calc, workflow)
    group("beta", calc)
    return calc, loose, alpha


def _change(store: Store, calc: Any, loose: Any, alpha: Any) -> None:
    alpha.relabel("alpha-renamed")
    calc.set_extra("checked", True)
    delete_node(store, loose.pk)
    group("gamma", multiply_add("late"))


def _cut_everywhere(
    prepare: Callable[[str], Path], clean: Path, monkeypatch: pytest.MonkeyPatch, *, every: int = 1, **options: Any
) -> None:
    """Interrupt a dump at each executor operation in turn; a plain rerun must end like `clean`."""
    total = _steps(lambda: dump_profile(prepare("count"), **{**OPTIONS, **options}), monkeypatch)
    for step in range(1, total + 1, every):
        target = prepare(f"cut-{step}")
        with interrupt_at(step, monkeypatch), pytest.raises(Interrupted):
            dump_profile(target, **{**OPTIONS, **options})
        dump_profile(target, **OPTIONS)  # the rerun need not repeat --overwrite
        assert contents(target) == contents(clean), f"interrupted at step {step} of {total}"


def test_a_first_dump_interrupted_anywhere_finishes_identical(
    store: Store, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _first_state(store)
    dump_profile(out / "clean", **OPTIONS)

    _cut_everywhere(lambda name: out / name, out / "clean", monkeypatch)


def test_an_incremental_dump_interrupted_anywhere_finishes_identical(
    store: Store, out: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calc, loose, alpha = _first_state(store)
    dump_profile(out / "base", **OPTIONS)
    _change(store, calc, loose, alpha)
    dump_profile(out / "clean", **OPTIONS)

    _cut_everywhere(lambda name: _copy(out / "base", tmp_path / name), out / "clean", monkeypatch)


def test_an_overwrite_interrupted_anywhere_finishes_identical(
    store: Store, out: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calc, loose, alpha = _first_state(store)
    dump_profile(out / "base", **OPTIONS)
    _change(store, calc, loose, alpha)
    dump_profile(out / "clean", **OPTIONS)

    prepare = lambda name: _copy(out / "base", tmp_path / name)  # noqa: E731
    _cut_everywhere(prepare, out / "clean", monkeypatch, every=3, overwrite=True)


def _copy(source: Path, target: Path) -> Path:
    subprocess.run(["cp", "-a", str(source), str(target)], check=True)
    return target


KILLER = """
import os, signal, sys
from provtop.backend.profiles import load_profile
from provtop.backend.dump import dump_profile
load_profile("dumptest")

def progress(status):
    if status.phase == sys.argv[2]:
        os.kill(os.getpid(), signal.SIGKILL)

dump_profile(sys.argv[1], all_entries=True, also_ungrouped=True, progress=progress)
"""


@pytest.mark.parametrize("phase", ["directories", "files", "links", "finishing"])
def test_sigkill_during_a_dump_is_harmless(store: Store, out: Path, phase: str) -> None:
    _first_state(store)
    dump_profile(out / "clean", all_entries=True, also_ungrouped=True)
    store.close()  # the child process writes nothing to the store, but let it have it alone

    child = subprocess.run([sys.executable, "-c", KILLER, str(out / "killed"), phase], env=os.environ.copy())

    assert child.returncode == -9
    dump_profile(out / "killed", all_entries=True, also_ungrouped=True)
    assert contents(out / "killed") == contents(out / "clean")
