"""Transfer benchmarks for the ssh (paramiko) and ssh_async (asyncssh) transports.

Starts its own sshd on loopback and, in the same run, times the OpenSSH baselines (scp and
`tar c | ssh 'tar x'`) so figures compare as ratios. Prints a table, then one JSON object with
every figure on the last line.

    python benchmarks/transports.py            # 1 GiB file, 2000 files of 4 KiB
    python benchmarks/transports.py --quick    # 128 MiB file, same tree

P1 head-of-line: seconds for `touch` through a transport while it uploads the big file.
P2 throughput: big file up and down at the same time, against two scp in parallel (and, for
reference, two scp with the AES-GCM cipher the transports prefer).
P3 small files: the tree up and down, against tar piped through ssh.
Lag: overshoots of a 10 ms sleep loop on the event loop (max and 99th percentile) during the big
upload, and during P2. Each run compared with a baseline starts on the same footing as it: the
disk caught up and the same target names for P2 (`p2_targets`); P2 and P3 take turns with their
baselines, in an order that rotates, for three rounds and keep the best of each (`p2_rounds`,
`p3_rounds`). P3 runs first, before the big file is written (see `main`). The load average is
printed with the figures: on a shared machine it explains most of the spread.

    python benchmarks/transports.py --pipelines asyncssh,8x255,16x255,8x64/1024

compares, in one run, ways for ssh_async to move the big file (`asyncssh`: asyncssh's own get
and put; `NxK[/C[/D]]`: our loop with N requests of K KiB in flight, C KiB per hand-off to the
disk thread, D hand-offs queued): lag during the upload and the download, their MB/s, and P2
against two scp run just before each.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from provtop.backend import event_loop
from provtop.transports import Transport, transport_for
from provtop.transports.sftp_big_file import Pipeline

KINDS = ("ssh", "ssh_async")
P2_REPEATS = 3
"""P2 takes the best of this many rounds, in which the two scp and each transport take turns (in
an order that rotates): on a quiet machine two scp of 1 GiB took 5.0 s in one run and 7.0 s in
the next (page cache and write-back), a spread larger than the difference P2 is to show."""
TREE_REPEATS = 3
"""P3 takes the best of this many rounds, tar and both transports taking turns in each, in an
order that rotates: a run lasts a few tenths of a second, mostly spent creating 2000 files, so
one run alone measures what the file system and the rest of the machine did meanwhile, and a
fixed order always gave the second the first one's deletions and write-back."""


class Sshd:
    """A private OpenSSH server on a free loopback port, with its own host and client keys."""

    def __init__(self, base: Path) -> None:
        self.base = base
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        for key in ("host_key", "client_key"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(base / key)], check=True)
        shutil.copy(base / "client_key.pub", base / "authorized_keys")
        host_key = " ".join((base / "host_key.pub").read_text().split()[:2])
        (base / "known_hosts").write_text(f"[127.0.0.1]:{self.port} {host_key}\n")
        (base / "sshd_config").write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {base / 'host_key'}\n"
            f"AuthorizedKeysFile {base / 'authorized_keys'}\nPidFile {base / 'sshd.pid'}\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
            "MaxSessions 10\nMaxStartups 100:30:200\nSubsystem sftp internal-sftp\n"
            # bash sources ~/.bashrc for commands run by sshd unless SHLVL says it is nested; this
            # keeps a slow rc file (here `pyenv init`, 0.35 s) out of every command's figure.
            "SetEnv SHLVL=1\n"
        )
        Path("/run/sshd").mkdir(parents=True, exist_ok=True)
        # A session of its own: with the kernel's autogroup scheduling, a server in the client's
        # session would take its CPU from the client's share, which a remote host never does.
        self.process = subprocess.Popen(
            ["/usr/sbin/sshd", "-D", "-f", str(base / "sshd_config"), "-E", str(base / "sshd.log")],
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while subprocess.run([*self.ssh_argv(), "true"], capture_output=True).returncode != 0:
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"sshd did not start: {(base / 'sshd.log').read_text()}")
            time.sleep(0.2)

    def ssh_options(self) -> list[str]:
        return [
            "-F",
            "/dev/null",
            "-i",
            str(self.base / "client_key"),
            "-o",
            "BatchMode=yes",
            "-o",
            f"UserKnownHostsFile={self.base / 'known_hosts'}",
            "-o",
            "StrictHostKeyChecking=yes",
        ]

    def ssh_argv(self) -> list[str]:
        return ["ssh", *self.ssh_options(), "-p", str(self.port), f"{os.environ.get('USER', 'root')}@127.0.0.1"]

    def scp_argv(self) -> list[str]:
        return ["scp", "-q", *self.ssh_options(), "-P", str(self.port)]

    def remote(self, path: Path) -> str:
        return f"{os.environ.get('USER', 'root')}@127.0.0.1:{path}"

    def settings(self, **extra: Any) -> dict[str, Any]:
        return {
            "host": "127.0.0.1",
            "port": self.port,
            "identity_files": [str(self.base / "client_key")],
            "known_hosts": [str(self.base / "known_hosts")],
            "ssh_config": os.devnull,
            "label": "bench",
            **extra,
        }

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def make_big_file(work: Path, big_mib: int) -> Path:
    big = work / "big.bin"
    with big.open("wb") as handle:
        block = os.urandom(1 << 20)
        for index in range(big_mib):
            handle.write(block[index % 7 :] + block[: index % 7])
    return big


def make_tree(work: Path, files: int, file_kib: int) -> Path:
    tree = work / "tree"
    for index in range(files):
        sub = tree / f"d{index % 20:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"f{index:05d}").write_bytes(os.urandom(file_kib * 1024))
    return tree


def timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


async def atimed(run: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    await run()
    return time.perf_counter() - start


def fresh(path: Path) -> Path:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
    return path


def p2_targets(work: Path) -> tuple[Path, Path]:
    """Where P2 and the two scp it is compared with write, emptied first, with the disk caught up.

    All of them write to the same two names, so each writes into the page cache the one before
    it freed. On this kind of VM, writing into pages not touched lately costs several times the
    CPU (`dd` of 1 GiB into a new file: 1.1 to 3.3 s of system time; after deleting a file of that
    size: 0.7 s), so new names for one side only would bias the comparison by up to 2x.

    `sync` then writes out what the run before left dirty: otherwise the kernel flushes it during
    the next run, charged to whichever side comes second (after one P2, about 3 s of CPU).
    """
    targets = fresh(work / "p2-up.bin"), fresh(work / "p2-down.bin")
    os.sync()
    return targets


def scp_parallel(sshd: Sshd, big: Path, work: Path, *options: str) -> float:
    """Seconds for two scp, one up and one down, run at the same time."""
    up, down = p2_targets(work)
    start = time.perf_counter()
    both = [
        subprocess.Popen([*sshd.scp_argv(), *options, str(big), sshd.remote(up)]),
        subprocess.Popen([*sshd.scp_argv(), *options, sshd.remote(big), str(down)]),
    ]
    for process in both:
        process.wait()
    return time.perf_counter() - start


class LoopLag:
    """Overshoots of a 10 ms sleep on the event loop, from `start()` until `stop()`."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._stop = asyncio.Event()
        self._task: asyncio.Future[None] | None = None

    def start(self) -> LoopLag:
        self._task = asyncio.ensure_future(self._measure())
        return self

    async def _measure(self) -> None:
        while not self._stop.is_set():
            start = time.perf_counter()
            await asyncio.sleep(0.01)
            self.samples.append(time.perf_counter() - start - 0.01)

    async def stop(self) -> tuple[float, float]:
        """(max, 99th percentile) overshoot in milliseconds."""
        self._stop.set()
        assert self._task is not None
        await self._task
        ordered = sorted(self.samples) or [0.0]
        return ordered[-1] * 1000, ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


async def head_of_line(
    transport: Transport, big: Path, work: Path, delay: float
) -> tuple[float, float, tuple[float, float]]:
    """(seconds for `touch` during the upload, upload seconds, loop lag max and p99 in ms)."""
    lag = LoopLag().start()
    start = time.perf_counter()
    upload = asyncio.ensure_future(transport.put(str(big), str(fresh(work / "hol.bin"))))
    await asyncio.sleep(delay)
    touch = await atimed(lambda: transport.exec(["touch", str(work / "x")]))
    finished_first = upload.done()
    await upload
    elapsed = time.perf_counter() - start
    if finished_first:
        print("warning: the upload ended before the touch; use a bigger file", file=sys.stderr)
    return touch, elapsed, await lag.stop()


def up_and_down(transport: Transport, big: Path, up: Path, down: Path) -> Awaitable[object]:
    """P2: the big file up to `up` and down to `down` at the same time, over one transport."""
    return asyncio.gather(transport.put(str(big), str(up)), transport.get(str(big), str(down)))


class Rounds:
    """Figures of runs repeated in rounds, by name and key: each keeps the best (or worst) value."""

    def __init__(self, *names: str) -> None:
        self.figures: dict[str, dict[str, float]] = {name: {} for name in names}

    def note(self, name: str, key: str, value: float, keep: Callable[[float, float], float] = min) -> None:
        self.figures[name][key] = keep(value, self.figures[name].get(key, value))


@contextlib.asynccontextmanager
async def both_transports(sshd: Sshd) -> AsyncIterator[dict[str, Transport]]:
    """An ssh and an ssh_async transport to the server, open at the same time, by kind."""
    async with transport_for("ssh", sshd.settings()) as ssh_transport, transport_for(
        "ssh_async", sshd.settings()
    ) as async_transport:
        yield {"ssh": ssh_transport, "ssh_async": async_transport}


def rotated(names: list[str], turn: int) -> list[str]:
    """`names` starting from the turn-th: in rounds, each contender runs in each place in turn, so
    none always runs right after the same other one (and its deletions and write-back)."""
    start = turn % len(names)
    return names[start:] + names[:start]


async def p2_rounds(sshd: Sshd, big: Path, work: Path) -> dict[str, dict[str, float]]:
    """P2: two scp in parallel (default cipher, then AES-GCM) and each transport's up and down,
    taking turns for P2_REPEATS rounds: the best seconds of each, and each transport's largest
    loop lag of all its rounds (max and 99th percentile, in ms)."""
    rounds = Rounds("scp", *KINDS)
    async with both_transports(sshd) as transports:

        async def run(name: str) -> None:
            if name == "scp":
                rounds.note("scp", "scp_parallel_s", await asyncio.to_thread(scp_parallel, sshd, big, work))
            elif name == "scp_gcm":
                gcm = await asyncio.to_thread(scp_parallel, sshd, big, work, "-c", "aes128-gcm@openssh.com")
                rounds.note("scp", "scp_gcm_parallel_s", gcm)
            else:
                up, down = p2_targets(work)
                lag = LoopLag().start()
                seconds = await atimed(lambda: up_and_down(transports[name], big, up, down))
                rounds.note(name, "updown_parallel_s", seconds)
                lag_max, lag_p99 = await lag.stop()
                rounds.note(name, "p2_loop_lag_ms", lag_max, max)
                rounds.note(name, "p2_loop_lag_p99_ms", lag_p99, max)

        for turn in range(P2_REPEATS):
            for name in rotated(["scp", "scp_gcm", *KINDS], turn):
                await run(name)
    return rounds.figures


async def p3_rounds(sshd: Sshd, tree: Path, work: Path) -> dict[str, dict[str, float]]:
    """P3: the small-file tree up and down with tar piped through ssh and with each transport,
    taking turns for TREE_REPEATS rounds; the best of each ("tar", then each kind: seconds)."""
    ssh = " ".join(sshd.ssh_argv())
    rounds = Rounds("tar", *KINDS)
    async with both_transports(sshd) as transports:

        async def run(name: str, direction: str) -> float:
            target = fresh(work / f"{name}-tree-{direction}")
            os.sync()  # the disk caught up with the deletion and the previous run's files
            if name == "tar" and direction == "up":
                up = f"tar -C {tree} -cf - . | {ssh} 'mkdir {target} && tar -C {target} -xf -'"
                return await asyncio.to_thread(timed, lambda: subprocess.run(up, shell=True, check=True))
            if name == "tar":
                target.mkdir()
                down = f"{ssh} 'tar -C {tree} -cf - .' | tar -C {target} -xf -"
                return await asyncio.to_thread(timed, lambda: subprocess.run(down, shell=True, check=True))
            move = transports[name].put if direction == "up" else transports[name].get
            return await atimed(lambda: move(str(tree), str(target)))

        for turn in range(TREE_REPEATS):
            for direction in ("up", "down"):
                for name in rotated(["tar", *KINDS], turn):
                    rounds.note(name, direction, await run(name, direction))
    return rounds.figures


async def bench_kind(kind: str, sshd: Sshd, big: Path, tree: Path, work: Path, delay: float) -> dict[str, float]:
    figures: dict[str, float] = {}
    async with transport_for(kind, sshd.settings()) as transport:
        figures["touch_idle_s"] = await atimed(lambda: transport.exec(["touch", str(work / "x")]))
        figures["touch_during_upload_s"], upload, lag = await head_of_line(transport, big, work, delay)
        figures["loop_lag_ms"], figures["loop_lag_p99_ms"] = lag
        figures["put_MBps"] = big.stat().st_size / upload / 1e6
        figures["get_MBps"] = (
            big.stat().st_size
            / await atimed(lambda: transport.get(str(big), str(fresh(work / f"{kind}-get.bin"))))
            / 1e6
        )
    async with transport_for(kind, sshd.settings(tree_mode="sftp")) as transport:
        figures["tree_up_sftp_s"] = await atimed(lambda: transport.put(str(tree), str(fresh(work / f"{kind}-sftp-up"))))
        figures["tree_down_sftp_s"] = await atimed(
            lambda: transport.get(str(tree), str(fresh(work / f"{kind}-sftp-down")))
        )
    return figures


def parse_pipeline(text: str) -> Pipeline | None:
    """`asyncssh` (None) or `NxK[/C[/D]]`: N requests of K KiB in flight, C KiB per disk
    hand-off, D hand-offs queued (defaults: sftp_big_file.Pipeline)."""
    if text == "asyncssh":
        return None
    shape, *disk = text.split("/")
    requests, _, block = shape.partition("x")
    fields: dict[str, int] = {"requests": int(requests), "block": int(block) * 1024}
    if disk:
        fields["disk_chunk"] = int(disk[0]) * 1024
    if disk[1:]:
        fields["disk_depth"] = int(disk[1])
    return Pipeline(**fields)


async def bench_pipeline(
    name: str, pipeline: Pipeline | None, sshd: Sshd, big: Path, work: Path
) -> dict[str, float | str]:
    """One way of moving the big file with ssh_async: lag and MB/s each way, then P2 against scp."""
    size = big.stat().st_size
    figures: dict[str, float | str] = {"pipeline": name, "load": os.getloadavg()[0]}
    async with transport_for("ssh_async", sshd.settings()) as transport:
        transport.pipeline = pipeline  # type: ignore[attr-defined]
        transport.stream_big_files = False  # type: ignore[attr-defined]  # SFTP shapes are compared here
        for direction, move in (("put", transport.put), ("get", transport.get)):
            target = str(fresh(work / f"pipeline-{direction}.bin"))
            lag = LoopLag().start()
            seconds = await atimed(lambda move=move, target=target: move(str(big), target))  # type: ignore[misc]
            figures[f"{direction}_lag_ms"], figures[f"{direction}_lag_p99_ms"] = await lag.stop()
            figures[f"{direction}_MBps"] = size / seconds / 1e6
        scp = await asyncio.to_thread(scp_parallel, sshd, big, work)
        up, down = p2_targets(work)
        lag = LoopLag().start()
        both = await atimed(lambda: up_and_down(transport, big, up, down))
        figures["p2_lag_ms"], figures["p2_lag_p99_ms"] = await lag.stop()
        figures["p2_vs_scp"] = scp / both
    return figures


def report_pipelines(rows: list[dict[str, float | str]]) -> None:
    columns = [
        ("load", "load", ".2f"),
        ("put MB/s", "put_MBps", ".0f"),
        ("lag max", "put_lag_ms", ".0f"),
        ("p99", "put_lag_p99_ms", ".1f"),
        ("get MB/s", "get_MBps", ".0f"),
        ("lag max", "get_lag_ms", ".0f"),
        ("p99", "get_lag_p99_ms", ".1f"),
        ("P2 x scp", "p2_vs_scp", ".2f"),
        ("P2 lag", "p2_lag_ms", ".0f"),
        ("p99", "p2_lag_p99_ms", ".1f"),
    ]
    print(f"{'pipeline':12}" + "".join(f"{title:>10}" for title, _, _ in columns) + "   (lag in ms)")
    for row in rows:
        print(f"{row['pipeline']!s:12}" + "".join(f"{row[key]:>10{form}}" for _, key, form in columns))


def report(result: dict[str, Any]) -> None:
    base = result["baseline"]
    print(f"big file {result['big_mib']} MiB, tree {result['files']} x {result['file_kib']} KiB\n")
    print(f"{'figure':34} {'ssh':>10} {'ssh_async':>10}  goal")
    rows = [
        ("touch, idle connection (s)", "touch_idle_s", ""),
        ("P1 touch during upload (s)", "touch_during_upload_s", "<= 0.5"),
        ("event-loop lag, upload, max (ms)", "loop_lag_ms", "<= 50"),
        ("event-loop lag, upload, p99 (ms)", "loop_lag_p99_ms", ""),
        ("event-loop lag, P2, max (ms)", "p2_loop_lag_ms", ""),
        ("event-loop lag, P2, p99 (ms)", "p2_loop_lag_p99_ms", ""),
        ("put 1 file (MB/s)", "put_MBps", ""),
        ("get 1 file (MB/s)", "get_MBps", ""),
        ("P2 up+down vs 2 scp (x)", "p2_vs_scp", ">= 0.9"),
        ("P2 vs 2 scp -c aes128-gcm (x)", "p2_vs_scp_gcm", ""),
        ("P3 tree up vs tar (x time)", "p3_up_vs_tar", "<= 1.2"),
        ("P3 tree down vs tar (x time)", "p3_down_vs_tar", "<= 1.2"),
        ("tree up, auto (s)", "tree_up_s", ""),
        ("tree down, auto (s)", "tree_down_s", ""),
        ("tree up, sftp only (s)", "tree_up_sftp_s", ""),
        ("tree down, sftp only (s)", "tree_down_sftp_s", ""),
    ]
    for title, key, goal in rows:
        values = [result[kind][key] for kind in KINDS]
        print(f"{title:34} {values[0]:>10.3f} {values[1]:>10.3f}  {goal}")
    print(
        f"\nbaselines: 2 scp in parallel {base['scp_parallel_s']:.2f} s "
        f"(with aes128-gcm {base['scp_gcm_parallel_s']:.2f} s), "
        f"tar|ssh up {base['tar_up_s']:.2f} s, down {base['tar_down_s']:.2f} s"
    )
    print(
        f"load average (1 min) at start {result['load_start']:.2f}, at end {result['load_end']:.2f} "
        f"on {os.cpu_count()} cores"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="128 MiB instead of 1 GiB")
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--file-kib", type=int, default=4)
    parser.add_argument(
        "--pipelines",
        help="only compare these comma-separated ways for ssh_async to move the big file "
        "(asyncssh or NxK[/C[/D]], see above), in this order; repeat one to see the drift",
    )
    args = parser.parse_args()
    big_mib = 128 if args.quick else 1024
    if args.pipelines:
        await main_pipelines(big_mib, args.pipelines.split(","))
        return
    with tempfile.TemporaryDirectory(prefix="provtop-bench-") as scratch:
        work = Path(scratch)
        (work / "sshd").mkdir()
        sshd = Sshd(work / "sshd")
        try:
            tree = make_tree(work, args.files, args.file_kib)
            result: dict[str, Any] = {"big_mib": big_mib, "files": args.files, "file_kib": args.file_kib}
            result["load_start"] = os.getloadavg()[0]
            # Small files first, before the big file is even written: after gigabytes of writes,
            # this VM's disk creates files up to twice as slowly for minutes, sync or not, and the
            # Python unpacking (more system calls per file) suffers more than tar.
            trees = await p3_rounds(sshd, tree, work)
            big = make_big_file(work, big_mib)
            for kind in KINDS:
                result[kind] = await bench_kind(kind, sshd, big, tree, work, delay=0.3 if args.quick else 1.0)
                result[kind].update(tree_up_s=trees[kind]["up"], tree_down_s=trees[kind]["down"])
                result[kind]["p3_up_vs_tar"] = trees[kind]["up"] / trees["tar"]["up"]
                result[kind]["p3_down_vs_tar"] = trees[kind]["down"] / trees["tar"]["down"]
            p2 = await p2_rounds(sshd, big, work)
            result["baseline"] = base = {**p2["scp"], "tar_up_s": trees["tar"]["up"], "tar_down_s": trees["tar"]["down"]}
            for kind in KINDS:
                figures = result[kind]
                figures.update(p2[kind])
                figures["p2_vs_scp"] = base["scp_parallel_s"] / figures["updown_parallel_s"]
                figures["p2_vs_scp_gcm"] = base["scp_gcm_parallel_s"] / figures["updown_parallel_s"]
            result["load_end"] = os.getloadavg()[0]
        finally:
            sshd.stop()
    report(result)
    print(json.dumps(result, sort_keys=True))


async def main_pipelines(big_mib: int, names: list[str]) -> None:
    pipelines = {name: parse_pipeline(name) for name in names}
    with tempfile.TemporaryDirectory(prefix="provtop-bench-") as scratch:
        work = Path(scratch)
        (work / "sshd").mkdir()
        sshd = Sshd(work / "sshd")
        try:
            big = make_big_file(work, big_mib)
            rows = []
            for name in names:
                rows.append(await bench_pipeline(name, pipelines[name], sshd, big, work))
                print(json.dumps(rows[-1]), file=sys.stderr)
        finally:
            sshd.stop()
    print(f"big file {big_mib} MiB, ssh_async, {os.cpu_count()} cores\n")
    report_pipelines(rows)
    print(json.dumps({"big_mib": big_mib, "pipelines": rows}))


if __name__ == "__main__":
    event_loop.run(main())
