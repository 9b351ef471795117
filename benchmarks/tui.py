"""TUI speed on a store with 10k processes (1k workflows with 9 calc jobs each), headless.

    python benchmarks/tui.py [--workflows 1000] [--children 9] [--quick]

Measures time to first paint, key-to-frame latency for cursor moves and for expanding a workflow,
the event loop's lag while another thread changes processes (what an engine does), and the lag
while an ssh_async transfer of a 1 GiB file (128 MiB with --quick) runs on the app's own loop: a
put, then a get, each started as a worker of the app, through a private sshd on loopback (the
one benchmarks/transports.py starts, with its own keys and known_hosts), with cursor keys
pressed meanwhile. Lag is the overshoot of a 10 ms sleep in a loop (max and 99th percentile).
Prints a table, then one JSON object on the last line. Goals (issue 8): first paint <= 1 s, key to
frame <= 50 ms, lag <= 50 ms. The load average is printed too: on a shared machine it explains
most of the spread.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import insert, update

GOALS_MS = {"first_paint": 1000.0, "cursor_key_to_frame": 50.0, "expand_key_to_frame": 50.0, "loop_lag": 50.0}


def transport_bench() -> ModuleType:
    """benchmarks/transports.py (its Sshd, LoopLag, make_big_file, fresh), loaded by path: the name
    `transports` alone could also mean the package's own transports directory."""
    name = "provtop_benchmarks_transports"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("transports.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def seed(service: Any, workflows: int, children: int) -> int:
    """Write workflows and their calc jobs in bulk (the demo writes 38 nodes per workflow, too slow here)."""
    from provtop.backend.store.schema import ComputerRow, LinkRow, NodeRow

    store = service.store
    user = store.default_user_id
    base = datetime(2026, 1, 1, tzinfo=UTC)
    with store.transaction() as session:
        computer = session.query(ComputerRow.id).scalar()
        next_pk = 1
        for index in range(workflows):
            nodes: list[dict[str, Any]] = []
            links: list[dict[str, Any]] = []
            parent = next_pk
            when = base + timedelta(seconds=index)
            nodes.append(
                dict(id=parent, uuid=str(uuid.uuid4()), node_type="process.workflow.workchain.WorkChainNode.",
                     process_state="finished", label=f"bench-{index:06d}", ctime=when, mtime=when, user_id=user,
                     attributes={"process_label": "BenchWorkChain", "process_state": "finished", "exit_status": 0, "sealed": True})
            )
            for child in range(children):
                pk = parent + 1 + child
                nodes.append(
                    dict(id=pk, uuid=str(uuid.uuid4()), node_type="process.calculation.calcjob.CalcJobNode.",
                         process_state="finished", label=f"step_{child:02d}", ctime=when, mtime=when, user_id=user,
                         computer_id=computer, attributes={"process_label": "BenchCalculation", "process_state": "finished",
                                                           "exit_status": 0, "job_id": str(pk), "scheduler_state": "done"})
                )
                links.append(dict(input_id=parent, output_id=pk, type="call_calc", label=f"step_{child:02d}"))
            session.execute(insert(NodeRow), nodes)
            session.execute(insert(LinkRow), links)
            next_pk += 1 + children
    return workflows * (1 + children)


async def measure(service: Any, args: argparse.Namespace, ssh: tuple[Any, Path, Path] | None) -> dict[str, Any]:
    from provtop.tui.app import ProvtopApp
    from provtop.tui.screens.processes import ProcessesScreen

    started = time.perf_counter()
    app = ProvtopApp(service, live=True)
    async with app.run_test(size=(160, 45)) as pilot:
        while not (isinstance(app.screen, ProcessesScreen) and app.screen.model.loaded):
            await asyncio.sleep(0.005)
        await pilot.pause()
        first_paint = (time.perf_counter() - started) * 1000
        screen = app.screen
        cursor_ms = []
        for _ in range(args.presses):
            begin = time.perf_counter()
            await pilot.press("down")
            cursor_ms.append((time.perf_counter() - begin) * 1000)
        idle_ms = []  # the harness's own cost: a key nothing is bound to
        for _ in range(args.presses):
            begin = time.perf_counter()
            await pilot.press("f12")
            idle_ms.append((time.perf_counter() - begin) * 1000)
        idle_paused_ms = []  # the same, with the extra pause the expand measure takes after its key
        for _ in range(args.presses):
            begin = time.perf_counter()
            await pilot.press("f12")
            await pilot.pause()
            idle_paused_ms.append((time.perf_counter() - begin) * 1000)
        direct_ms = []  # the work a cursor key causes: the action, then drawing every visible line
        tree = screen.tree
        for _ in range(args.presses):
            begin = time.perf_counter()
            tree.action_cursor(1)
            for y in range(tree.size.height):
                tree.render_line(y)
            direct_ms.append((time.perf_counter() - begin) * 1000)
        expand_ms = []
        for _ in range(args.expands):
            await pilot.press("down")
            await pilot.pause(0.4)  # let the detail pane of the new row load first: measure the expand alone
            pk = screen.model.cursor_pk
            begin = time.perf_counter()
            await pilot.press("plus")
            while pk not in screen.model.children:
                await asyncio.sleep(0.001)
            await pilot.pause()
            expand_ms.append((time.perf_counter() - begin) * 1000)
            await pilot.press("minus")
        lag = await loop_lag_under_changes(service, seconds=args.lag_seconds)
        transfer = {} if ssh is None else await transfer_lag(app, pilot, *ssh)
    return {
        "first_paint_ms": round(first_paint, 1),
        "cursor_key_to_frame_ms": round(statistics.median(cursor_ms) - statistics.median(idle_ms), 2),
        "cursor_pilot_press_ms": round(statistics.median(cursor_ms), 2),
        "pilot_idle_press_ms": round(statistics.median(idle_ms), 2),
        "cursor_action_and_draw_ms": round(statistics.median(direct_ms), 2),
        "cursor_key_to_frame_p95_ms": round(sorted(cursor_ms)[int(len(cursor_ms) * 0.95) - 1], 2),
        "expand_key_to_frame_ms": round(statistics.median(expand_ms) - statistics.median(idle_paused_ms), 2),
        "pilot_idle_press_and_pause_ms": round(statistics.median(idle_paused_ms), 2),
        "expand_pilot_ms": round(statistics.median(expand_ms), 2),
        "loop_lag_max_ms": round(max(lag), 2),
        "loop_lag_median_ms": round(statistics.median(lag), 2),
        **transfer,
    }


def cpu_loop_lag(bench: ModuleType) -> Any:
    """transports.py's LoopLag, also noting the loop thread's CPU time over each 10 ms sleep: an
    overshoot beyond that CPU time was not the loop's own work (the process waited for a core,
    or a blocking call)."""

    class CpuLoopLag(bench.LoopLag):  # type: ignore[name-defined,misc]
        def __init__(self) -> None:
            super().__init__()
            self.own: list[float] = []  # per sample: min(overshoot, loop thread CPU seconds)

        async def _measure(self) -> None:
            while not self._stop.is_set():
                start, cpu = time.perf_counter(), time.thread_time()
                await asyncio.sleep(0.01)
                overshoot = time.perf_counter() - start - 0.01
                self.samples.append(overshoot)
                self.own.append(max(0.0, min(overshoot, time.thread_time() - cpu)))

    return CpuLoopLag()


class FrameProbe:
    """Key to frame without Pilot: Pilot.press waits until the process looks idle (at most 1 s),
    which it never does while a transfer runs. This posts the key the way Pilot does and times
    it to the first frame the screen hands to the app (`App._display`) with the cursor moved."""

    def __init__(self, app: Any, screen: Any) -> None:
        self.app, self.screen = app, screen
        self._display = app._display
        self._waiting: tuple[int | None, asyncio.Future[float]] | None = None
        app._display = self._on_display

    def _on_display(self, screen: Any, renderable: Any) -> None:
        self._display(screen, renderable)
        if self._waiting is not None and renderable is not None:
            before, frame = self._waiting
            if self.screen.model.cursor_pk != before and not frame.done():
                frame.set_result(time.perf_counter())

    async def press(self, key: str) -> float:
        """Milliseconds from posting `key` to the frame showing the cursor moved."""
        from textual import events

        frame: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting = (self.screen.model.cursor_pk, frame)
        event = events.Key(key, None)
        event.set_sender(self.app)
        begin = time.perf_counter()
        self.app._driver.send_message(event)
        try:
            return (await asyncio.wait_for(frame, 10) - begin) * 1000
        finally:
            self._waiting = None

    def close(self) -> None:
        self.app._display = self._display


async def transfer_lag(app: Any, pilot: Any, sshd: Any, big: Path, work: Path) -> dict[str, Any]:
    """Loop lag and cursor key-to-frame while ssh_async puts `big`, then gets it back, each as a
    worker of the app (so on the app's loop), with a cursor key pressed every 100 ms meanwhile."""
    from provtop.transports import transport_for

    bench = transport_bench()
    size = big.stat().st_size
    figures: dict[str, Any] = {"transfer_mib": size >> 20}
    probe = FrameProbe(app, app.screen)
    keys = iter(["down"] * 100 + ["up"] * 100)

    def key() -> str:
        nonlocal keys
        try:
            return next(keys)
        except StopIteration:
            keys = iter(["down"] * 100 + ["up"] * 100)
            return next(keys)

    idle = []  # the same probe and lag with no transfer, for comparison: what the keys alone cost
    lag = cpu_loop_lag(bench).start()
    for _ in range(30):
        idle.append(await probe.press(key()))
        await asyncio.sleep(0.1)
    await lag.stop()
    samples = sorted(value * 1000 for value in lag.samples)
    figures["cursor_key_to_frame_probe_ms"] = round(statistics.median(idle), 2)
    figures["keys_only_lag_ms"] = round(samples[-1], 2)
    figures["keys_only_lag_p99_ms"] = round(_percentile(samples, 0.99), 2)
    own = sorted(value * 1000 for value in lag.own)
    figures["keys_only_own_cpu_lag_ms"] = round(own[-1], 2)
    figures["transfer_load_start"] = os.getloadavg()[0]
    all_lags: list[float] = []
    all_presses: list[float] = []
    all_own: list[float] = []
    async with transport_for("ssh_async", sshd.settings()) as transport:
        await transport.exec(["true"])  # connect before measuring
        uploaded = work / "tui-put.bin"
        downloaded = work / "tui-get.bin"
        moves = (
            ("put", uploaded, lambda: transport.put(str(big), str(uploaded))),
            ("get", downloaded, lambda: transport.get(str(uploaded), str(downloaded))),
        )
        for direction, target, move in moves:
            await asyncio.to_thread(bench.fresh, target)  # unlinking 1 GiB takes a while: not on the loop
            lag = cpu_loop_lag(bench).start()
            begin = time.perf_counter()
            worker = app.run_worker(move(), name=f"bench-{direction}", group="bench", exit_on_error=False)
            presses = []
            while not worker.is_finished:
                presses.append(await probe.press(key()))
                await asyncio.sleep(0.1)
            await worker.wait()
            seconds = time.perf_counter() - begin
            await lag.stop()
            samples = sorted(value * 1000 for value in lag.samples)
            own = sorted(value * 1000 for value in lag.own)
            all_lags += samples
            all_own += own
            all_presses += presses
            figures[f"transfer_{direction}_own_cpu_lag_ms"] = round(own[-1], 2)
            figures[f"transfer_{direction}_own_cpu_lag_p99_ms"] = round(_percentile(own, 0.99), 2)
            presses.sort()
            figures[f"transfer_{direction}_lag_ms"] = round(samples[-1], 2)
            figures[f"transfer_{direction}_lag_p99_ms"] = round(_percentile(samples, 0.99), 2)
            figures[f"transfer_{direction}_MBps"] = round(size / seconds / 1e6, 1)
            figures[f"transfer_{direction}_cursor_key_to_frame_ms"] = round(statistics.median(presses), 2)
            figures[f"transfer_{direction}_cursor_key_to_frame_max_ms"] = round(presses[-1], 2)
            figures[f"transfer_{direction}_presses"] = len(presses)
        await asyncio.to_thread(bench.fresh, uploaded)
        await asyncio.to_thread(bench.fresh, downloaded)
    probe.close()
    all_lags.sort()
    all_own.sort()
    figures["transfer_own_cpu_lag_ms"] = round(all_own[-1], 2)
    figures["transfer_own_cpu_lag_p99_ms"] = round(_percentile(all_own, 0.99), 2)
    all_presses.sort()
    figures["ssh_async_transfer_lag_ms"] = round(all_lags[-1], 2)
    figures["ssh_async_transfer_lag_p99_ms"] = round(_percentile(all_lags, 0.99), 2)
    figures["ssh_async_transfer_lag_median_ms"] = round(statistics.median(all_lags), 2)
    figures["transfer_cursor_key_to_frame_ms"] = round(statistics.median(all_presses), 2)
    figures["transfer_cursor_key_to_frame_p95_ms"] = round(_percentile(all_presses, 0.95), 2)
    figures["transfer_cursor_key_to_frame_max_ms"] = round(all_presses[-1], 2)
    figures["transfer_load_end"] = os.getloadavg()[0]
    return figures


def _percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else 0.0


async def loop_lag_under_changes(service: Any, seconds: float) -> list[float]:
    """How late a 10 ms sleep wakes up while a thread changes 50 processes per second."""
    from provtop.backend.store.schema import NodeRow

    stop = threading.Event()

    def writer() -> None:
        pk = 1
        while not stop.is_set():
            with service.store.transaction() as session:
                session.execute(update(NodeRow).where(NodeRow.id == pk).values(mtime=datetime.now(UTC)))
            pk += 10
            stop.wait(0.02)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    lags = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        begin = time.perf_counter()
        await asyncio.sleep(0.01)
        lags.append((time.perf_counter() - begin - 0.01) * 1000)
    stop.set()
    thread.join()
    return lags


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workflows", type=int, default=1000)
    parser.add_argument("--children", type=int, default=9)
    parser.add_argument("--presses", type=int, default=60)
    parser.add_argument("--expands", type=int, default=10)
    parser.add_argument("--lag-seconds", type=float, default=5.0)
    parser.add_argument("--quick", action="store_true", help="transfer 128 MiB instead of 1 GiB")
    parser.add_argument("--transfer-mib", type=int, help="size of the ssh_async transfer (0: skip it)")
    args = parser.parse_args()
    transfer_mib = args.transfer_mib if args.transfer_mib is not None else 128 if args.quick else 1024
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="provtop-bench-") as scratch:
        work = Path(scratch)
        home = work / "home"
        home.mkdir()
        os.environ["PROVTOP_HOME"] = str(home)
        from provtop.backend import event_loop
        from provtop.backend.service import Service

        sshd = None
        ssh: tuple[Any, Path, Path] | None = None
        if transfer_mib > 0:
            bench = transport_bench()
            (work / "sshd").mkdir()
            sshd = bench.Sshd(work / "sshd")
            big = bench.make_big_file(work, transfer_mib)
            ssh = (sshd, big, work)
        try:
            service = Service.open()
            begin = time.perf_counter()
            processes = seed(service, args.workflows, args.children)
            seeded = time.perf_counter() - begin
            try:
                result = event_loop.run(measure(service, args, ssh))  # the loop `provtop` runs on
            finally:
                service.close()
        finally:
            if sshd is not None:
                sshd.stop()
    result = {"processes": processes, "workflows": args.workflows, "seed_s": round(seeded, 2), **result,
              "load_start": load_start, "load_end": os.getloadavg()[0], "cores": os.cpu_count()}
    result.setdefault("ssh_async_transfer_lag_ms", None)
    rows = [
        ("first paint", result["first_paint_ms"], GOALS_MS["first_paint"]),
        ("cursor key to frame (median)", result["cursor_key_to_frame_ms"], GOALS_MS["cursor_key_to_frame"]),
        ("cursor action + draw (median)", result["cursor_action_and_draw_ms"], GOALS_MS["cursor_key_to_frame"]),
        ("expand key to frame (median)", result["expand_key_to_frame_ms"], GOALS_MS["expand_key_to_frame"]),
        ("loop lag, 50 changes/s (max)", result["loop_lag_max_ms"], GOALS_MS["loop_lag"]),
    ]
    if result["ssh_async_transfer_lag_ms"] is not None:
        mib = result["transfer_mib"]
        rows += [
            (f"lag, {mib} MiB ssh_async (max)", result["ssh_async_transfer_lag_ms"], GOALS_MS["loop_lag"]),
            (f"lag, {mib} MiB ssh_async (p99)", result["ssh_async_transfer_lag_p99_ms"], GOALS_MS["loop_lag"]),
            ("  put (max)", result["transfer_put_lag_ms"], GOALS_MS["loop_lag"]),
            ("  put (p99)", result["transfer_put_lag_p99_ms"], GOALS_MS["loop_lag"]),
            ("  get (max)", result["transfer_get_lag_ms"], GOALS_MS["loop_lag"]),
            ("  get (p99)", result["transfer_get_lag_p99_ms"], GOALS_MS["loop_lag"]),
            ("  of it loop's own CPU (max)", result["transfer_own_cpu_lag_ms"], GOALS_MS["loop_lag"]),
            ("  of it loop's own CPU (p99)", result["transfer_own_cpu_lag_p99_ms"], GOALS_MS["loop_lag"]),
            ("lag, keys only, no transfer (max)", result["keys_only_lag_ms"], GOALS_MS["loop_lag"]),
            ("lag, keys only, no transfer (p99)", result["keys_only_lag_p99_ms"], GOALS_MS["loop_lag"]),
            ("  of it loop's own CPU (max)", result["keys_only_own_cpu_lag_ms"], GOALS_MS["loop_lag"]),
            ("cursor key to frame, no transfer", result["cursor_key_to_frame_probe_ms"], GOALS_MS["cursor_key_to_frame"]),
            ("cursor key to frame, transfer", result["transfer_cursor_key_to_frame_ms"], GOALS_MS["cursor_key_to_frame"]),
            ("  (p95)", result["transfer_cursor_key_to_frame_p95_ms"], GOALS_MS["cursor_key_to_frame"]),
            ("  (max)", result["transfer_cursor_key_to_frame_max_ms"], GOALS_MS["cursor_key_to_frame"]),
        ]
    print(f"{processes} processes ({args.workflows} workflows), seeded in {seeded:.1f} s")
    print(f"{'measure':32} {'ms':>9} {'goal':>7} {'ratio':>6}")
    for name, value, goal in rows:
        print(f"{name:32} {value:9.2f} {goal:7.0f} {value / goal:6.2f}")
    print(f"key to frame = Pilot press minus Pilot's press of an unbound key ({result['pilot_idle_press_ms']} ms;"
          f" {result['pilot_idle_press_and_pause_ms']} ms with the pause the expand measure adds)")
    if result["ssh_async_transfer_lag_ms"] is None:
        print("ssh_async transfer lag: not measured (--transfer-mib 0)")
    else:
        print("during the transfer, key to frame is timed from posting the key to the first frame the screen"
              " composes with the cursor moved (Pilot waits for an idle process, up to 1 s); \"loop's own CPU\":"
              " per 10 ms sleep, the overshoot up to the CPU time the loop's thread used meanwhile (the rest is"
              " time the process waited for a core)")
        print(f"ssh_async {result['transfer_mib']} MiB on the app's loop: put {result['transfer_put_MBps']} MB/s,"
              f" get {result['transfer_get_MBps']} MB/s, {result['transfer_put_presses']}"
              f" + {result['transfer_get_presses']} cursor keys pressed meanwhile")
    print(f"load average (1 min): {result['load_start']:.2f} at start, {result['load_end']:.2f} at end,"
          f" on {result['cores']} cores")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
