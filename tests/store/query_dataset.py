"""A small provenance graph with tricky JSON, built identically on any store, for the query tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from provtop.backend.entities import (
    CalcFunctionNode,
    CalcJobNode,
    Computer,
    Dict,
    Group,
    Int,
    List,
    Node,
    ProcessState,
    Str,
    User,
    WorkChainNode,
)

OTHER_USER = "other@example.org"
BASE = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
# Day boundaries in other zones: these fall on the *next* UTC day although their local date is earlier.
BEFORE_MIDNIGHT_WEST = datetime(2024, 3, 1, 23, 30, tzinfo=timezone(timedelta(hours=-2)))  # 2024-03-02 01:30Z
AFTER_MIDNIGHT_EAST = datetime(2024, 3, 3, 0, 30, tzinfo=timezone(timedelta(hours=5)))  # 2024-03-02 19:30Z

# label -> attributes of the Dict nodes that the JSON filters probe.
DICTS: dict[str, dict[str, Any]] = {
    "d_full": {
        "tags": ["a", "b", "c"],
        "meta": {"kind": "scf", "params": {"ecut": 30, "smearing": "gauss"}},
        "n": 1,
        "flag": True,
        "mixed": [1, "1", True, None, {"k": [1, 2]}],
    },
    "d_one_tag": {"tags": ["a"], "meta": {"kind": "relax"}, "n": 1.0, "flag": 1, "mixed": [{"k": [2]}]},
    "d_scalars": {"tags": "a", "meta": ["kind", "params"], "n": "1", "flag": "true", "mixed": "k"},
    "d_nested": {"tags": [["a", "b"], {"x": 1}], "meta": {"kind": None, "0": "zero"}, "n": [1]},
    "d_empty": {},
    "d_dotted": {"a.b": 1, "a": {"b": 2}, "": "empty key", "ключ": ["значение"]},
}


def uuid_for(index: int) -> str:
    return f"{index:08x}-0000-4000-8000-000000000000"


def _placed(node: Node, index: int, ctime: datetime, mtime: datetime | None = None) -> Node:
    """The node with a fixed uuid and times, so that every store gets the same dataset."""
    data = node.serialize()
    data.update(uuid=uuid_for(index), ctime=ctime.isoformat(), mtime=(mtime or ctime + timedelta(hours=1)).isoformat())
    return type(node).from_serialized(data).store()


def build_dataset() -> None:
    """Store the dataset in the current store."""
    other = User(OTHER_USER).store()
    cluster = Computer("cluster", "cluster.example.org", transport_type="ssh", scheduler_type="slurm").store()
    localhost = Computer.load("localhost")
    nodes: dict[str, Node] = {}

    def add(label: str, node: Node, ctime: datetime, **kwargs: Any) -> Node:
        node.label = label
        nodes[label] = _placed(node, len(nodes) + 1, ctime, **kwargs)
        return nodes[label]

    for offset, (label, attributes) in enumerate(DICTS.items()):
        add(label, Dict(attributes), BASE + timedelta(minutes=offset))
    add("list", List([1, "two", {"three": 3}]), BASE + timedelta(minutes=10))
    add("int_5", Int(5), BASE + timedelta(days=1))
    add("str_a", Str("a"), BEFORE_MIDNIGHT_WEST)
    add("str_b", Str("b", user=other), AFTER_MIDNIGHT_EAST)
    extras = Int(6)
    extras.set_extra_many({"project": "alpha", "labels": ["x", "y"], "review": {"by": "ada", "score": 3}})
    add("int_extras", extras, BASE + timedelta(days=2))

    states = [
        ("iteration_01", CalcJobNode, ProcessState.FINISHED, cluster, None),
        ("iteration_02", CalcJobNode, ProcessState.RUNNING, cluster, None),
        ("iteration_03", CalcJobNode, ProcessState.WAITING, localhost, None),
        ("add", CalcFunctionNode, ProcessState.EXCEPTED, None, other),
        ("converge-000001", WorkChainNode, ProcessState.RUNNING, None, None),
        ("converge-000002", WorkChainNode, ProcessState.KILLED, None, other),
        ("converge_000003", WorkChainNode, ProcessState.CREATED, None, None),
    ]
    for day, (label, node_class, state, computer, user) in enumerate(states, start=3):
        node = node_class(computer=computer, user=user)
        node.set_process_state(state)
        add(label, node, BASE + timedelta(days=day))
    add("no_state", WorkChainNode(), BASE + timedelta(days=12))

    alpha = Group("project/alpha").store()
    alpha.add_nodes([nodes[label] for label in ("d_full", "iteration_01", "iteration_02", "converge-000001")])
    beta = Group("project/beta", type_string="campaign").store()
    beta.add_nodes([nodes["iteration_02"], nodes["str_b"]])
    Group("empty").store()
    del other
