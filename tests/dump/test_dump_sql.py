"""The dump's bulk reads: time columns decode to exactly what the store's own column type gives,
and links read alike however they are asked for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from provtop.backend.entities import load_node
from provtop.backend.queries.dump_content import ProcessContent, load_contents
from provtop.backend.queries.dump_graph import load_graph
from provtop.backend.queries.dump_sql import decode_time, iso_time, time_order
from provtop.backend.store.store import Store
from tests.dump.graphs import calcjob, multiply_add, singlefile


@pytest.mark.parametrize("backend", ["store", "pg_store"])
def test_the_graph_reads_the_times_the_store_reads(backend: str, request: pytest.FixtureRequest) -> None:
    store = request.getfixturevalue(backend)
    calc = calcjob("calc")

    info = load_graph(store).processes[calc.pk]
    node = load_node(calc.pk)

    assert (decode_time(info.raw_ctime), decode_time(info.raw_mtime)) == (node.ctime, node.mtime)
    assert (info.ctime_text, info.mtime_text) == (node.ctime.isoformat(), node.mtime.isoformat())


@pytest.mark.parametrize(
    "stored",
    [
        "2026-01-02 03:04:05.123456",
        "2026-01-02 03:04:05.000000",  # isoformat leaves zero microseconds out
        "2026-01-02 03:04:05",
        "2026-01-02 03:04:05.5+02:00",
        "2026-01-02",
        datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=2))),
        datetime(2026, 1, 2, 3, 4, 5),
    ],
)
def test_a_time_as_text_is_the_isoformat_of_the_time_decoded(stored: str | datetime) -> None:
    decoded = decode_time(stored)

    assert decoded.tzinfo is UTC
    assert iso_time(stored) == decoded.isoformat()


def test_times_as_text_order_as_the_times_happened() -> None:
    stored = [
        "2026-01-02 03:04:05.000001",
        "2026-01-02 03:04:05",  # not the store's form: brought to it
        "2026-01-02 04:04:05.5+02:00",  # 02:04:05.5 in UTC
        "2026-01-02",
        "2025-12-31 23:59:59.999999",
    ]

    assert sorted(stored, key=time_order) == sorted(stored, key=decode_time)


def test_times_from_postgresql_order_as_datetimes() -> None:
    later = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    earlier = datetime(2026, 1, 2, 4, 4, 4, tzinfo=timezone(timedelta(hours=2)))  # 02:04:04 in UTC

    assert sorted([later, earlier], key=time_order) == [earlier, later]


def _linked_files(contents: dict[int, ProcessContent]) -> dict[int, list[tuple[str, str, dict[str, Any]]]]:
    """Each process's linked data: (kind, label, files), in order."""
    return {
        pk: [
            *(("input", link.label, link.files) for link in content.inputs),
            *(("retrieved", link.label, link.files) for link in [content.retrieved] if link is not None),
            *(("output", link.label, link.files) for link in content.outputs),
        ]
        for pk, content in contents.items()
    }


@pytest.mark.parametrize("backend", ["store", "pg_store"])
def test_reading_every_process_links_gives_what_the_listed_read_gives(
    backend: str, request: pytest.FixtureRequest
) -> None:
    store = request.getfixturevalue(backend)
    multiply_add("one")
    calcjob("two", inputs={"x": singlefile(b"x\n", "x.txt")}, outputs={"y": singlefile(b"y\n", "y.txt")})
    graph = load_graph(store)

    everything = load_contents(store, graph.processes, complete=True)
    listed = load_contents(store, graph.processes)

    assert graph.complete and len(everything) == len(graph.processes) >= 3
    assert _linked_files(everything) == _linked_files(listed)
    assert any(entries for entries in _linked_files(everything).values())


def test_a_process_that_appears_after_the_graph_was_read_is_left_out(store: Store) -> None:
    calcjob("before")
    graph = load_graph(store)
    later = calcjob("later", inputs={"x": singlefile(b"x\n", "x.txt")})

    contents = load_contents(store, graph.processes, complete=True)

    assert later.pk not in contents and set(contents) == set(graph.processes)
