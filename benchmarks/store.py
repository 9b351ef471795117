"""Store benchmark: writing the demo graph, and listing 100k process nodes by state.

Run: `python benchmarks/store.py [--workflows 100] [--processes 100000] [--page-size 1000]`.
Everything happens in a temporary PROVTOP_HOME. Goals (issue 3): populating 100 workflows takes
<= 5 s (aiida-core 2.9.4: 200 s), and listing processes by state page by page through the query
API takes <= 10 times a raw SQL query of the same rows. Prints a table, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from provtop.backend.config import Config
from provtop.backend.demo import populate
from provtop.backend.entities import CalcJobNode, Computer, WorkChainNode
from provtop.backend.profiles import load_profile, setup_profile
from provtop.backend.queries.filters import NodeFilter, PageRequest
from provtop.backend.queries.nodes import find_nodes
from provtop.backend.queries.process_summaries import list_process_summaries
from provtop.backend.store.schema import NodeRow
from provtop.backend.store.store import Store
from sqlalchemy import insert

POPULATE_GOAL_SECONDS = 5.0
AIIDA_POPULATE_SECONDS = 200.0
LISTING_GOAL_RATIO = 10.0
LISTED_STATE = "finished"
# Every 20 processes: 15 finished, and one each of the other states.
STATE_CYCLE = ["finished"] * 15 + ["waiting", "running", "created", "excepted", "killed"]

RAW_LISTING = """
SELECT n.id, n.uuid, n.label, n.node_type, n.process_type, n.process_state,
       json_extract(n.attributes, '$.process_label'), json_extract(n.attributes, '$.process_status'),
       json_extract(n.attributes, '$.exit_status'), n.ctime, n.mtime, c.label,
       json_extract(n.attributes, '$.job_id')
FROM nodes AS n LEFT OUTER JOIN computers AS c ON c.id = n.computer_id
WHERE n.process_state = ? AND n.node_type LIKE 'process.%' {keyset}
ORDER BY n.id DESC {limit}
"""


def best_of(repeats: int, run: Callable[[], int]) -> tuple[float, int]:
    """The fastest of `repeats` runs (the least disturbed by other work), and the rows it returned."""
    times, rows = [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        rows = run()
        times.append(time.perf_counter() - started)
    return min(times), rows


def bench_populate(workflows: int) -> dict[str, Any]:
    store = load_profile()
    try:
        cpu = time.process_time()
        summary = populate(store, workflows)
        cpu = time.process_time() - cpu
    finally:
        store.close()
    return {
        "workflows": workflows,
        "nodes": summary.nodes_created,
        "seconds": round(summary.seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "nodes_per_second": round(summary.nodes_created / summary.seconds),
        "goal_seconds": POPULATE_GOAL_SECONDS * workflows / 100,
        "aiida_seconds": AIIDA_POPULATE_SECONDS * workflows / 100,
    }


def build_process_fixture(store: Store, count: int) -> None:
    """Bulk-insert `count` process nodes, half calc jobs on localhost and half work chains.

    A fast path around the entity API: what this benchmark measures is listing, not writing.
    """
    rng = random.Random(0)
    computer_id = Computer.load("localhost", store).pk
    user_id = store.default_user_id
    start = datetime.now(UTC) - timedelta(days=60)
    batch: list[dict[str, Any]] = []
    with store.engine.begin() as connection:
        for index in range(count):
            state = STATE_CYCLE[index % len(STATE_CYCLE)]
            is_calc = index % 2 == 0
            attributes: dict[str, Any] = {
                "process_label": "RelaxCalculation" if is_calc else "ConvergeWorkChain",
                "process_state": state,
                "process_status": "Waiting for the scheduler" if state == "waiting" else None,
                "sealed": state in ("finished", "excepted", "killed"),
            }
            if state == "finished":
                attributes["exit_status"] = 0 if rng.random() < 0.9 else 300
            if is_calc:
                attributes["job_id"] = str(100000 + index)
            ctime = start + timedelta(seconds=index * 50)
            batch.append(
                {
                    "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "node_type": (CalcJobNode if is_calc else WorkChainNode).node_type,
                    "process_type": "provtop.calculations:demo.relax" if is_calc else "provtop.workflows:demo.converge",
                    "process_state": state,
                    "label": f"bench-{index:06d}",
                    "description": "",
                    "ctime": ctime,
                    "mtime": ctime + timedelta(seconds=30),
                    "attributes": attributes,
                    "extras": {},
                    "repository_metadata": {},
                    "computer_id": computer_id if is_calc else None,
                    "user_id": user_id,
                }
            )
            if len(batch) == 10_000:
                connection.execute(insert(NodeRow), batch)
                batch = []
        if batch:
            connection.execute(insert(NodeRow), batch)
        connection.exec_driver_sql("ANALYZE")


def page_through(fetch: Callable[[PageRequest], Sequence[Any]], page_size: int) -> int:
    """How many rows `fetch` lists, page after page, each page starting after the last pk."""
    page, rows = PageRequest(size=page_size), 0
    while items := fetch(page):
        rows += len(items)
        page = page.model_copy(update={"after_pk": items[-1].pk})
    return rows


def list_with_api(store: Store, page_size: int) -> int:
    flt = NodeFilter(process_states=[LISTED_STATE])
    return page_through(lambda page: list_process_summaries(store, flt, page), page_size)


def list_full_nodes(store: Store, page_size: int) -> int:
    flt = NodeFilter(node_types=["process."], process_states=[LISTED_STATE])
    return page_through(lambda page: find_nodes(store, flt, page), page_size)


def list_raw(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        return len(connection.execute(RAW_LISTING.format(keyset="", limit=""), (LISTED_STATE,)).fetchall())


def list_raw_paged(database: Path, page_size: int) -> int:
    query = RAW_LISTING.format(keyset="AND n.id < ?", limit=f"LIMIT {page_size}")
    rows, after = 0, sys.maxsize
    with sqlite3.connect(database) as connection:
        while page := connection.execute(query, (LISTED_STATE, after)).fetchall():
            rows += len(page)
            after = page[-1][0]
    return rows


def bench_listing(processes: int, page_size: int, repeats: int) -> dict[str, Any]:
    setup_profile("listing", make_default=False)
    store = load_profile("listing")
    try:
        started = time.perf_counter()
        build_process_fixture(store, processes)
        fixture_seconds = time.perf_counter() - started
        database = Config.load().profile("listing").directory / "store.sqlite"
        api, api_rows = best_of(repeats, lambda: list_with_api(store, page_size))
        full, full_rows = best_of(1, lambda: list_full_nodes(store, page_size))
        raw, raw_rows = best_of(repeats, lambda: list_raw(database))
        raw_paged, raw_paged_rows = best_of(repeats, lambda: list_raw_paged(database, page_size))
    finally:
        store.close()
    if len({api_rows, full_rows, raw_rows, raw_paged_rows}) != 1:
        raise SystemExit(f"the listings disagree: {api_rows=} {full_rows=} {raw_rows=} {raw_paged_rows=}")
    return {
        "processes": processes,
        "state": LISTED_STATE,
        "rows": api_rows,
        "page_size": page_size,
        "fixture_seconds": round(fixture_seconds, 3),
        "api_seconds": round(api, 4),
        "find_nodes_seconds": round(full, 4),
        "raw_sql_seconds": round(raw, 4),
        "raw_sql_paged_seconds": round(raw_paged, 4),
        "ratio": round(api / raw, 2),
        "ratio_vs_raw_paged": round(api / raw_paged, 2),
        "find_nodes_ratio": round(full / raw, 2),
        "goal_ratio": LISTING_GOAL_RATIO,
    }


def print_table(populated: dict[str, Any], listing: dict[str, Any]) -> None:
    rows = [
        ("populate", f"{populated['workflows']} workflows, {populated['nodes']} nodes",
         f"{populated['seconds']:.2f} s ({populated['cpu_seconds']:.2f} s CPU)",
         f"{populated['nodes_per_second']} nodes/s",
         f"goal <= {populated['goal_seconds']:.0f} s; aiida-core {populated['aiida_seconds']:.0f} s"),
        ("list (query API)", f"{listing['rows']} {listing['state']} of {listing['processes']}",
         f"{listing['api_seconds']:.3f} s", f"ratio {listing['ratio']}", f"goal ratio <= {listing['goal_ratio']:.0f}"),
        ("list (find_nodes)", "full Node objects", f"{listing['find_nodes_seconds']:.3f} s",
         f"ratio {listing['find_nodes_ratio']}", "for comparison"),
        ("list (raw SQL)", "one query, sqlite3", f"{listing['raw_sql_seconds']:.3f} s", "1.00", "baseline"),
        ("list (raw SQL)", f"pages of {listing['page_size']}", f"{listing['raw_sql_paged_seconds']:.3f} s",
         f"ratio {listing['ratio_vs_raw_paged']} (API/this)", ""),
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(5)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workflows", type=int, default=100)
    parser.add_argument("--processes", type=int, default=100_000)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3, help="Listings are timed this often; the best counts.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="provtop-bench-") as home:
        os.environ["PROVTOP_HOME"] = home
        populated = bench_populate(args.workflows)
        listing = bench_listing(args.processes, args.page_size, args.repeats)
    print_table(populated, listing)
    print(json.dumps({"populate": populated, "listing": listing}, sort_keys=True))


if __name__ == "__main__":
    main()
