"""Engine benchmarks (issue 5). Everything happens in a temporary PROVTOP_HOME.

P7: N trivial calc jobs (ShellJob `echo`), direct scheduler, local transport: jobs per second from
    the engine's start until the last one finished (goal >= 20 on 2 cores; aiida-core 2.9.4 with
    2 daemon workers: 2.1). Also reports the longest event-loop stall, the longest cycle collection,
    the store's group commits and the load average (the machine may be shared: compare in one run).
    Runs on provtop's event loop and freezes start-up objects, as `provtop engine run` does.
P1: through the engine, for ssh and ssh_async against a real sshd (started here as the test
    fixture does): a heavy workflow uploads 10 MB, copies a 1 GiB file on the host (remote copy
    list) and retrieves the copy; once its retrieval has started, a light workflow runs `touch
    file`; seconds from the light one's submission until it finished (goal <= 1 s; aiida-core:
    4 s with ssh_async, 108 s with ssh). `--p1-size-mb` scales it down. The same light workflow
    alone, before the heavy one starts, shows what its two commands (submit, poll) cost on this
    host (sshd runs each through the user's shell; SHLVL=1 keeps it from reading ~/.bashrc).

PL: `process list` (the service call behind it) on 100k processes: active ones, and `-a`, one page
    of 100 each; median of 5 (milliseconds).

Run: `python benchmarks/engine.py [--jobs 1000] [--skip-p1] [--p1-size-mb 1024] [--processes 100000]`.
Prints a table, then one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Self

from provtop.backend import event_loop
from provtop.backend.engine.backoff import RetryPolicy
from provtop.backend.engine.engine import Engine, freeze_startup_objects
from provtop.backend.entities import Computer, SinglefileData, Str
from provtop.backend.entities.current import set_current_store
from provtop.backend.processes import (
    CalcJob,
    JobSpec,
    LocalCopy,
    Port,
    ProcessInputs,
    ProcessSpec,
    RemoteCopy,
    ShellJob,
    WorkflowContext,
    submit,
    workflow,
)
from provtop.backend.profiles import load_profile, setup_profile

POLL_INTERVAL = 0.5


class GcPauses:
    """The longest cycle collection (any generation, any thread) while in the `with` block: one stalls the loop."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.longest = max(self.longest, time.perf_counter() - self._started)

    def __enter__(self) -> Self:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc_info: object) -> None:
        gc.callbacks.remove(self._callback)


def fresh_profile(name: str) -> Any:
    setup_profile(name, with_localhost=False)
    return load_profile(name)


async def p7(jobs: int, home: Path) -> dict[str, Any]:
    store = fresh_profile("p7")
    Computer("localhost", "localhost", workdir=str(home / "work"), scheduler_settings={"poll_interval": POLL_INTERVAL}).store()
    start = time.perf_counter()
    pks = [submit(ShellJob, command=f"echo {i}", metadata={"computer": "localhost"}).pk for i in range(jobs)]
    submitted = time.perf_counter() - start
    engine = Engine(store, claim_interval=0.2, retry_policy=RetryPolicy(1.0, 3))
    pauses = GcPauses()
    start = time.perf_counter()
    cpu_start = time.process_time()
    await engine.start()
    freeze_startup_objects()  # as `provtop engine run` does
    with pauses:
        done = await asyncio.gather(*(engine.wait_terminated(pk, poll=0.5) for pk in pks))
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    ok = sum(1 for node in done if node.is_finished_ok)
    result = {
        "jobs": jobs, "finished_ok": ok, "seconds": round(seconds, 2), "jobs_per_second": round(jobs / seconds, 1),
        "submit_seconds": round(submitted, 2), "engine_cpu_seconds_per_job": round(cpu / jobs, 4),
        "max_loop_stall_ms": round(engine.lag.max_lag * 1000, 1), "max_gc_pause_ms": round(pauses.longest * 1000, 1),
        "store_commits": engine.io.commits, "store_operations": engine.io.operations,
        "scheduler_polls": engine.poller.polls, "load_average": os.getloadavg()[0],
    }
    await engine.stop()
    set_current_store(None)
    store.close()
    return result


# -- P1 ---------------------------------------------------------------------------------------------


class HeavyTransfer(CalcJob):
    """Uploads the payload, copies `source` (a big file on the host) into the job, retrieves the copy."""

    spec = ProcessSpec(inputs=[Port("payload", (SinglefileData,)), Port("source", (Str,))])

    def prepare(self, folder: Path, inputs: ProcessInputs) -> JobSpec:
        return JobSpec(
            command="wc -c < payload.bin",
            local_copy_list=[LocalCopy(node_uuid=inputs.payload.uuid, source="payload.bin", target="payload.bin")],
            remote_copy_list=[RemoteCopy(source=inputs.source.value, target="big.bin")],
            retrieve_list=["big.bin"],
        )


@workflow
async def heavy(ctx: WorkflowContext, payload: SinglefileData, source: Str) -> dict[str, Any]:
    result = await ctx.run(HeavyTransfer, payload=payload, source=source, metadata={"computer": "remote"})
    return {"retrieved": result["retrieved"]}


@workflow
async def light(ctx: WorkflowContext, name: Str) -> dict[str, Any]:
    result = await ctx.run(ShellJob, command=f"touch {name.value}; echo touched", metadata={"computer": "remote"})
    return {"out": result["stdout"]}


def start_sshd(base: Path) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for key in ("host_key", "client_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(base / key)], check=True)
    shutil.copy(base / "client_key.pub", base / "authorized_keys")
    (base / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {base / 'host_key'}\nAuthorizedKeysFile {base / 'authorized_keys'}\n"
        f"PidFile {base / 'sshd.pid'}\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
        "StrictModes no\nMaxSessions 10\nMaxStartups 100:30:200\nSubsystem sftp internal-sftp\n"
        # As in benchmarks/transports.py: bash sources ~/.bashrc for every command sshd runs unless
        # SHLVL says it is nested, and this machine's (`pyenv init`, about 0.3 s) would be most of
        # P1's figure. The light workflow alone, timed first, shows what a host's rc file costs.
        "SetEnv SHLVL=1\n"
    )
    host_key = " ".join((base / "host_key.pub").read_text().split()[:2])
    (base / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_key}\n")
    Path("/run/sshd").mkdir(parents=True, exist_ok=True)
    # A session of its own, as a remote host's sshd would be: not sharing the benchmark's CPU share.
    process = subprocess.Popen(
        ["/usr/sbin/sshd", "-D", "-f", str(base / "sshd_config"), "-E", str(base / "sshd.log")], start_new_session=True
    )
    time.sleep(1.0)
    import getpass

    settings = {"port": port, "username": getpass.getuser(), "identity_files": [str(base / "client_key")],
                "known_hosts": [str(base / "known_hosts")], "ssh_config": str(base / "no-ssh-config")}
    return process, settings


async def p1_one(kind: str, size_mb: int, home: Path, settings: dict[str, Any]) -> dict[str, Any]:
    store = fresh_profile(f"p1-{kind}")
    Computer("remote", "127.0.0.1", transport_type=kind, workdir=str(home / f"remote-{kind}"),
             transport_settings=settings, scheduler_settings={"poll_interval": POLL_INTERVAL}).store()
    source = home / "big-source.bin"
    if not source.exists():
        subprocess.run(["head", "-c", f"{size_mb}M", "/dev/urandom"], stdout=source.open("wb"), check=True)
    payload = SinglefileData.from_bytes(os.urandom(10 * 1024 * 1024), filename="payload.bin")
    async with Engine(store, claim_interval=0.1, retry_policy=RetryPolicy(1.0, 2)) as engine:
        await engine.wait_terminated((await engine.submit(light, name=Str("warm-up"))).pk)  # opens the connection
        alone_start = time.perf_counter()  # the same light workflow with nothing else running, for scale
        alone = await engine.wait_terminated((await engine.submit(light, name=Str("alone"))).pk)
        alone_seconds = time.perf_counter() - alone_start
        retrieving = asyncio.ensure_future(_first(engine, lambda e: e.step == "retrieve" and e.process_label == "HeavyTransfer"))
        start = time.perf_counter()
        heavy_node = await engine.submit(heavy, payload=payload, source=Str(str(source)))
        await retrieving  # the 1 GiB copy is done and the retrieval has started: now the light one
        light_start = time.perf_counter()
        light_node = await engine.submit(light, name=Str("file"))
        light_done = await engine.wait_terminated(light_node.pk)
        light_seconds = time.perf_counter() - light_start
        heavy_done = await engine.wait_terminated(heavy_node.pk)
        heavy_seconds = time.perf_counter() - start
        stall = engine.lag.max_lag
    set_current_store(None)
    store.close()
    return {"light_seconds": round(light_seconds, 2), "light_alone_seconds": round(alone_seconds, 2),
            "heavy_seconds": round(heavy_seconds, 2), "light_ok": light_done.is_finished_ok and alone.is_finished_ok,
            "heavy_ok": heavy_done.is_finished_ok, "load_average": os.getloadavg()[0],
            "max_loop_stall_ms": round(stall * 1000, 1),
            "heavy_exception": heavy_done.get_attribute("exception", "")[-300:] or None}


async def _first(engine: Engine, predicate: Any) -> Any:
    async for event in engine.events.events():
        if predicate(event):
            return event
    return None


async def p1(size_mb: int, home: Path) -> dict[str, Any]:
    if not Path("/usr/sbin/sshd").exists():
        return {"skipped": "sshd not found: apt-get install openssh-server"}
    base = Path(tempfile.mkdtemp(prefix="provtop-bench-sshd-"))
    process, settings = start_sshd(base)
    try:
        results = {}
        for kind in ("ssh", "ssh_async"):
            try:
                results[kind] = await p1_one(kind, size_mb, home, settings)
            except Exception as exc:  # a transport that is not ready yet is reported, not fatal
                results[kind] = {"error": f"{type(exc).__name__}: {exc}"}
        return {"size_mb": size_mb, **results}
    finally:
        process.terminate()
        process.wait()
        shutil.rmtree(base, ignore_errors=True)


def process_list(count: int, home: Path) -> dict[str, Any]:
    sys.path.insert(0, str(Path(__file__).parent))
    from provtop.backend.service.core import Service
    from provtop.backend.service.process_actions import ProcessListRequest
    from store import build_process_fixture  # benchmarks/store.py: the same 100k-process fixture

    store = fresh_profile("pl")
    Computer("localhost", "localhost", workdir=str(home / "work")).store()
    build_process_fixture(store, count)
    service = Service(store)

    def median_ms(request: ProcessListRequest) -> float:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            page = service.list_processes(request)
            times.append(time.perf_counter() - start)
            assert len(page.rows) == request.limit
        return round(sorted(times)[2] * 1000, 1)

    result = {"processes": count, "active_page_ms": median_ms(ProcessListRequest()),
              "all_page_ms": median_ms(ProcessListRequest(all=True))}
    service.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--skip-p1", action="store_true")
    parser.add_argument("--p1-size-mb", type=int, default=1024)
    parser.add_argument("--processes", type=int, default=100_000, help="for PL; 0 skips it")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="provtop-bench-engine-"))
    os.environ["PROVTOP_HOME"] = str(home)
    try:
        result: dict[str, Any] = {"P7": event_loop.run(p7(args.jobs, home))}  # the loop `provtop engine run` uses
        if not args.skip_p1:
            result["P1"] = event_loop.run(p1(args.p1_size_mb, home))
        if args.processes:
            result["PL"] = process_list(args.processes, home)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    p = result["P7"]
    print(f"P7  {p['jobs']} trivial jobs: {p['jobs_per_second']} jobs/s (goal >= 20, aiida 2.1; "
          f"ratio {p['jobs_per_second'] / 2.1:.1f}x), {p['finished_ok']} ok, loop stall max {p['max_loop_stall_ms']} ms "
          f"(longest collection {p['max_gc_pause_ms']} ms; load {p['load_average']:.1f}), "
          f"{p['store_operations']} writes in {p['store_commits']} commits", file=sys.stderr)
    for kind, aiida in (("ssh", 108.0), ("ssh_async", 4.0)):
        entry = result.get("P1", {}).get(kind)
        if entry and "light_seconds" in entry:
            print(f"P1  {kind}: light workflow done {entry['light_seconds']} s after submit during heavy transfers "
                  f"(goal <= 1 s; aiida {aiida} s; {entry['light_alone_seconds']} s alone)", file=sys.stderr)
    if "PL" in result:
        pl = result["PL"]
        print(f"PL  process list on {pl['processes']} processes: {pl['active_page_ms']} ms (active), "
              f"{pl['all_page_ms']} ms (-a)", file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
