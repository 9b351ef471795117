"""The node query API gives the same answers on SQLite and PostgreSQL for the same data.

Each query runs on a dataset built once per database with identical values (uuids and times
included); the tests check the expected nodes on each database and that both give identical output.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from provtop.backend.entities import Int
from provtop.backend.entities.current import set_current_store
from provtop.backend.errors import NotExistent
from provtop.backend.profiles import load_profile, setup_profile
from provtop.backend.queries.filters import JsonFilter, NodeFilter, PageRequest
from provtop.backend.queries.nodes import count_nodes, find_nodes, get_creation_statistics, iter_nodes
from provtop.backend.store.store import Store

from .conftest import BACKENDS
from .query_dataset import AFTER_MIDNIGHT_EAST, BASE, BEFORE_MIDNIGHT_WEST, DICTS, OTHER_USER, build_dataset

DICT = "data.core.dict.Dict."
ALL_DICTS = list(DICTS)


def on_dicts(path: str, op: str, value: Any) -> NodeFilter:
    return NodeFilter(node_types=[DICT], attributes=[JsonFilter(path=path, op=op, value=value)])  # type: ignore[arg-type]


def on_extras(path: str, op: str, value: Any) -> NodeFilter:
    return NodeFilter(extras=[JsonFilter(path=path, op=op, value=value)])  # type: ignore[arg-type]


CONTAINS: dict[str, tuple[NodeFilter, list[str]]] = {
    "list holds one value": (on_dicts("tags", "contains", ["a"]), ["d_full", "d_one_tag"]),
    "list holds all values": (on_dicts("tags", "contains", ["a", "b"]), ["d_full"]),
    "list lacks one of the values": (on_dicts("tags", "contains", ["a", "z"]), []),
    "scalar in a top-level array or equal scalar": (
        on_dicts("tags", "contains", "a"), ["d_full", "d_one_tag", "d_scalars"]),
    "nested array": (on_dicts("tags", "contains", [["a"]]), ["d_nested"]),
    "object inside an array": (on_dicts("tags", "contains", [{"x": 1}]), ["d_nested"]),
    "empty list matches every array": (on_dicts("tags", "contains", []), ["d_full", "d_one_tag", "d_nested"]),
    "nested dict": (on_dicts("meta", "contains", {"kind": "scf"}), ["d_full"]),
    "deep dict from the root": (on_dicts("", "contains", {"meta": {"params": {"ecut": 30}}}), ["d_full"]),
    "empty dict matches every object": (on_dicts("", "contains", {}), ALL_DICTS),
    "root object is no array": (on_dicts("", "contains", ["a"]), []),
    "integer equals float": (on_dicts("n", "contains", 1), ["d_full", "d_one_tag", "d_nested"]),
    "float equals integer": (on_dicts("n", "contains", 1.0), ["d_full", "d_one_tag", "d_nested"]),
    "string is not a number": (on_dicts("n", "contains", "1"), ["d_scalars"]),
    "true is not one": (on_dicts("flag", "contains", True), ["d_full"]),
    "one is not true": (on_dicts("flag", "contains", 1), ["d_one_tag"]),
    "number in a mixed list": (on_dicts("mixed", "contains", [1]), ["d_full"]),
    "boolean in a mixed list": (on_dicts("mixed", "contains", [True]), ["d_full"]),
    "null in a mixed list": (on_dicts("mixed", "contains", [None]), ["d_full"]),
    "string in a mixed list": (on_dicts("mixed", "contains", ["1"]), ["d_full"]),
    "partial object in a list": (on_dicts("mixed", "contains", [{"k": [2]}]), ["d_full", "d_one_tag"]),
    "null value": (on_dicts("meta.kind", "contains", None), ["d_nested"]),
    "missing key never matches null": (on_dicts("missing", "contains", None), []),
    "missing key never matches an empty object": (on_dicts("missing", "contains", {}), []),
    "missing nested key": (on_dicts("meta.missing.deeper", "contains", []), []),
    "digit key of an object": (on_dicts("meta.0", "contains", "zero"), ["d_nested"]),
    "path keys never index arrays": (on_dicts("tags.0", "contains", "a"), []),
    "dotted path reaches nested keys": (on_dicts("a.b", "contains", 2), ["d_dotted"]),
    "unicode key and value": (on_dicts("ключ", "contains", ["значение"]), ["d_dotted"]),
    "extras list": (on_extras("labels", "contains", ["y"]), ["int_extras"]),
    "extras nested dict": (on_extras("review", "contains", {"score": 3}), ["int_extras"]),
    "extras from the root": (on_extras("", "contains", {"project": "alpha"}), ["int_extras"]),
}

HAS_KEY: dict[str, tuple[NodeFilter, list[str]]] = {
    "top-level key": (on_dicts("", "has_key", "meta"), ["d_full", "d_one_tag", "d_scalars", "d_nested"]),
    "nested key": (on_dicts("meta", "has_key", "kind"), ["d_full", "d_one_tag", "d_nested"]),
    "digit key of an object": (on_dicts("meta", "has_key", "0"), ["d_nested"]),
    "array of strings does not count": (on_dicts("meta", "has_key", "params"), ["d_full"]),
    "array elements are not keys": (on_dicts("tags", "has_key", "a"), []),
    "string scalar is not an object": (on_dicts("mixed", "has_key", "k"), []),
    "numbers are not objects": (on_dicts("n", "has_key", "1"), []),
    "empty key": (on_dicts("", "has_key", ""), ["d_dotted"]),
    "dotted path": (on_dicts("meta.params", "has_key", "ecut"), ["d_full"]),
    "missing path": (on_dicts("missing", "has_key", "x"), []),
    "extras top-level key": (on_extras("", "has_key", "project"), ["int_extras"]),
    "extras nested key": (on_extras("review", "has_key", "by"), ["int_extras"]),
}

PROCESSES = ["iteration_01", "iteration_02", "iteration_03", "add", "converge-000001", "converge-000002",
             "converge_000003", "no_state"]

FILTERS: dict[str, tuple[NodeFilter, list[str]]] = {
    "type prefix": (NodeFilter(node_types=["process."]), PROCESSES),
    "narrower type prefix": (NodeFilter(node_types=["process.workflow."]),
                             ["converge-000001", "converge-000002", "converge_000003", "no_state"]),
    "exact types": (NodeFilter(node_types=["data.core.int.Int.", "data.core.str.Str."]),
                    ["int_5", "str_a", "str_b", "int_extras"]),
    "class type string": (NodeFilter(node_types=["process.calculation.calcjob.CalcJobNode."]),
                          ["iteration_01", "iteration_02", "iteration_03"]),
    "type without its trailing dot is exact": (NodeFilter(node_types=["process.calculation.calcjob.CalcJobNode"]), []),
    "underscore in a prefix is no wildcard": (NodeFilter(node_types=["data_core."]), []),
    "percent in a prefix is no wildcard": (NodeFilter(node_types=["data.%."]), []),
    "one process state": (NodeFilter(process_states=["running"]), ["iteration_02", "converge-000001"]),
    "terminal states": (NodeFilter(process_states=["finished", "excepted", "killed"]),
                        ["iteration_01", "add", "converge-000002"]),
    "exact label": (NodeFilter(label="add"), ["add"]),
    "label pattern": (NodeFilter(label_like="converge-%"), ["converge-000001", "converge-000002"]),
    "underscore in a label pattern is a wildcard": (
        NodeFilter(label_like="converge_0%"), ["converge-000001", "converge-000002", "converge_000003"]),
    "label patterns are case sensitive": (NodeFilter(label_like="CONVERGE%"), []),
    "ctime range includes its start and excludes its end": (
        NodeFilter(ctime_after=BASE + timedelta(days=3), ctime_before=BASE + timedelta(days=5)),
        ["iteration_01", "iteration_02"]),
    "ctime range in other time zones": (
        NodeFilter(ctime_after=BEFORE_MIDNIGHT_WEST, ctime_before=AFTER_MIDNIGHT_EAST), ["int_5", "str_a"]),
    "ctime before the first node": (NodeFilter(ctime_before=BASE), []),
    "mtime range": (NodeFilter(mtime_after=BASE + timedelta(days=12, hours=1)), ["no_state"]),
    "mtime before": (NodeFilter(mtime_before=BASE + timedelta(hours=1, seconds=1)), ["d_full"]),
    "group by label": (NodeFilter(group="project/alpha"),
                       ["d_full", "iteration_01", "iteration_02", "converge-000001"]),
    "group of another type string": (NodeFilter(group="project/beta"), ["str_b", "iteration_02"]),
    "empty group": (NodeFilter(group="empty"), []),
    "computer": (NodeFilter(computer="cluster"), ["iteration_01", "iteration_02"]),
    "the localhost computer": (NodeFilter(computer="localhost"), ["iteration_03"]),
    "unknown computer": (NodeFilter(computer="nowhere"), []),
    "user": (NodeFilter(user=OTHER_USER), ["str_b", "add", "converge-000002"]),
    "unknown user": (NodeFilter(user="nobody@example.org"), []),
    "combined conditions": (NodeFilter(node_types=["process."], group="project/alpha", process_states=["running"]),
                            ["iteration_02", "converge-000001"]),
    "json and plain conditions": (NodeFilter(user=OTHER_USER, node_types=["data."]), ["str_b"]),
}

QUERIES = {f"contains: {k}": v for k, v in CONTAINS.items()}
QUERIES |= {f"has_key: {k}": v for k, v in HAS_KEY.items()}
QUERIES |= {f"filter: {k}": v for k, v in FILTERS.items()}

ALL_NODES = 19


@pytest.fixture(scope="module")
def dataset_store_of(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[str], Store]]:
    """The dataset's store on a database, built on first use and shared by the module (queries only read)."""
    stores: dict[str, Store] = {}
    databases: list[tuple[Any, str]] = []
    patch = pytest.MonkeyPatch()
    patch.setenv("PROVTOP_HOME", str(tmp_path_factory.mktemp("query-dataset")))

    def store_of(backend: str) -> Store:
        if backend not in stores:
            if backend == "postgresql":
                server = request.getfixturevalue("postgres_server")
                databases.append((server, f"provtop_queries_{uuid.uuid4().hex[:12]}"))
                setup_profile(backend, storage="postgresql", url=server.create_database(databases[-1][1]))
            else:
                setup_profile(backend)
            stores[backend] = load_profile(backend)
            build_dataset()
            set_current_store(None)
        return stores[backend]

    yield store_of
    for store in stores.values():
        store.close()
    for server, database in databases:
        server.drop_database(database)
    patch.undo()


@pytest.fixture
def dataset_store(backend: str, dataset_store_of: Callable[[str], Store]) -> Store:
    return dataset_store_of(backend)


def labels(store: Store, flt: NodeFilter) -> list[str]:
    """Labels of the matching nodes in pk order, read in small pages."""
    return [node.label for node in iter_nodes(store, flt, page_size=3)]


@pytest.mark.parametrize("query", sorted(QUERIES))
def test_query_selects_the_expected_nodes(dataset_store: Store, query: str) -> None:
    flt, expected = QUERIES[query]

    assert labels(dataset_store, flt) == expected
    assert count_nodes(dataset_store, flt) == len(expected)


@pytest.mark.parametrize("query", sorted(QUERIES))
def test_query_gives_identical_results_on_sqlite_and_postgresql(
    dataset_store_of: Callable[[str], Store], query: str
) -> None:
    flt, _ = QUERIES[query]

    results = {
        backend: [(node.pk, node.uuid, node.serialize(content=False)) for node in iter_nodes(store, flt)]
        for backend, store in ((b, dataset_store_of(b)) for b in BACKENDS)
    }

    assert results["sqlite"] == results["postgresql"]


def test_the_dataset_is_the_same_on_both_databases(dataset_store_of: Callable[[str], Store]) -> None:
    everything = {
        backend: [node.serialize() for node in iter_nodes(dataset_store_of(backend), NodeFilter())] for backend in BACKENDS
    }

    assert len(everything["sqlite"]) == ALL_NODES
    assert everything["sqlite"] == everything["postgresql"]


def test_filtering_on_an_unknown_group_is_a_not_existent_error(dataset_store: Store) -> None:
    with pytest.raises(NotExistent):
        find_nodes(dataset_store, NodeFilter(group="no such group"))


# -- paging --------------------------------------------------------------------------------------


@pytest.mark.parametrize("descending", [True, False])
@pytest.mark.parametrize("size", [1, 4, ALL_NODES, 100])
@pytest.mark.parametrize("flt", [NodeFilter(), NodeFilter(node_types=["process."])], ids=["all", "processes"])
def test_keyset_paging_returns_every_row_exactly_once(
    dataset_store: Store, flt: NodeFilter, size: int, descending: bool
) -> None:
    seen: list[int] = []
    page = PageRequest(size=size, descending=descending)

    while nodes := find_nodes(dataset_store, flt, page):
        assert len(nodes) <= size
        seen += [node.pk for node in nodes]  # type: ignore[misc]
        page = page.model_copy(update={"after_pk": nodes[-1].pk})

    assert len(seen) == len(set(seen)) == count_nodes(dataset_store, flt)
    assert seen == sorted(seen, reverse=descending)


def test_paging_does_not_skip_rows_stored_between_pages(profile_store: Store) -> None:
    first = [Int(i).store().pk for i in range(5)]
    page = PageRequest(size=2, descending=False)
    seen = [node.pk for node in find_nodes(profile_store, None, page)]
    later = Int(99).store().pk

    while nodes := find_nodes(profile_store, None, page.model_copy(update={"after_pk": seen[-1]})):
        seen += [node.pk for node in nodes]

    assert seen == [*first, later]


# -- creation statistics ----------------------------------------------------------------------------

EXPECTED_TYPES = {
    "data.core.dict.Dict.": 6,
    "data.core.int.Int.": 2,
    "data.core.list.List.": 1,
    "data.core.str.Str.": 2,
    "process.calculation.calcfunction.CalcFunctionNode.": 1,
    "process.calculation.calcjob.CalcJobNode.": 3,
    "process.workflow.workchain.WorkChainNode.": 4,
}
EXPECTED_DAYS = {
    "2024-03-01": 7, "2024-03-02": 3, "2024-03-03": 1, "2024-03-04": 1, "2024-03-05": 1, "2024-03-06": 1,
    "2024-03-07": 1, "2024-03-08": 1, "2024-03-09": 1, "2024-03-10": 1, "2024-03-13": 1,
}


def test_creation_statistics_count_in_all_per_type_and_per_utc_day(dataset_store: Store) -> None:
    stats = get_creation_statistics(dataset_store)

    assert stats.total == ALL_NODES
    assert stats.types == EXPECTED_TYPES
    assert list(stats.ctime_by_day.items()) == list(EXPECTED_DAYS.items())


def test_creation_statistics_of_one_user(dataset_store: Store) -> None:
    stats = get_creation_statistics(dataset_store, user=OTHER_USER)

    assert stats.total == 3
    assert stats.types == {
        "data.core.str.Str.": 1,
        "process.calculation.calcfunction.CalcFunctionNode.": 1,
        "process.workflow.workchain.WorkChainNode.": 1,
    }
    assert list(stats.ctime_by_day.items()) == [("2024-03-02", 1), ("2024-03-07", 1), ("2024-03-09", 1)]


@pytest.mark.parametrize("user", [None, OTHER_USER])
def test_creation_statistics_are_identical_on_sqlite_and_postgresql(
    dataset_store_of: Callable[[str], Store], user: str | None
) -> None:
    sqlite, postgresql = (get_creation_statistics(dataset_store_of(b), user=user) for b in BACKENDS)

    assert sqlite.model_dump() == postgresql.model_dump()
    assert list(sqlite.ctime_by_day) == list(postgresql.ctime_by_day)
    assert list(sqlite.types) == list(postgresql.types)


def test_creation_statistics_of_an_unknown_user_is_a_not_existent_error(dataset_store: Store) -> None:
    with pytest.raises(NotExistent):
        get_creation_statistics(dataset_store, user="nobody@example.org")


def test_creation_statistics_of_an_empty_store(profile_store: Store) -> None:
    stats = get_creation_statistics(profile_store)

    assert (stats.total, stats.types, stats.ctime_by_day) == (0, {}, {})
