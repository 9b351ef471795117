"""Graph traversal for deletion, with AiiDA's default rules, so provenance is never left dangling.

Deleting a node also deletes what it links to through input_calc, input_work, create, call_calc
and call_work (forward) and what links to it through create, return, call_calc and call_work
(backward): a calculation goes with its outputs and its caller, a data node with its creator.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from ..store.schema import LinkRow, NodeRow
from ..store.store import Store

FORWARD = ("input_calc", "input_work", "create", "call_calc", "call_work")
BACKWARD = ("create", "return", "call_calc", "call_work")
BATCH = 500


def deletion_closure(store: Store, pks: set[int]) -> set[int]:
    """Every node that must go when `pks` go."""
    found = set(pks)
    frontier = set(pks)
    with store.reading() as session:
        while frontier:
            batch = list(frontier)
            frontier = set()
            for start in range(0, len(batch), BATCH):
                chunk = batch[start : start + BATCH]
                forward = select(LinkRow.output_id).where(LinkRow.input_id.in_(chunk), LinkRow.type.in_(FORWARD))
                backward = select(LinkRow.input_id).where(LinkRow.output_id.in_(chunk), LinkRow.type.in_(BACKWARD))
                for pk in session.scalars(forward.union(backward)):
                    if pk not in found:
                        found.add(pk)
                        frontier.add(pk)
    return found


def delete_nodes(store: Store, pks: set[int]) -> int:
    """Delete these nodes (links, logs and memberships go with them); return how many."""
    ordered = sorted(pks)
    with store.transaction() as session:
        for start in range(0, len(ordered), BATCH):
            session.execute(delete(NodeRow).where(NodeRow.id.in_(ordered[start : start + BATCH])))
    return len(ordered)
