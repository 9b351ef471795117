"""Loading a node by what a user types: a pk, a full uuid or a unique uuid prefix."""

from __future__ import annotations

from sqlalchemy import select

from ..errors import InputError, MultipleObjectsError, NotExistent
from ..store.schema import NodeRow
from ..store.store import Store
from .current import get_store
from .nodes.node import Node, node_from_row

MIN_UUID_PREFIX = 4


def load_node(identifier: int | str, store: Store | None = None) -> Node:
    store = store or get_store()
    text = str(identifier).strip()
    with store.reading() as session:
        if text.isdigit():
            row = session.get(NodeRow, int(text))
            if row is None:
                raise NotExistent(f"no node with pk {text}; see 'provtop node list'")
            return node_from_row(row, store)
        if len(text) < MIN_UUID_PREFIX or any(char not in "0123456789abcdef-" for char in text.lower()):
            raise InputError(f"'{identifier}' is neither a pk nor a uuid (or a uuid prefix of {MIN_UUID_PREFIX}+ characters)")
        rows = list(session.scalars(select(NodeRow).where(NodeRow.uuid.startswith(text.lower())).limit(2)))
        if not rows:
            raise NotExistent(f"no node with uuid '{text}'; see 'provtop node list'")
        if len(rows) > 1:
            raise MultipleObjectsError(f"the uuid prefix '{text}' matches several nodes; give more characters")
        return node_from_row(rows[0], store)
