"""Group commits: many writes in one transaction, each in its own savepoint."""

from __future__ import annotations

import asyncio

from provtop.backend.engine.store_io import StoreIO
from provtop.backend.entities import Int, load_node
from provtop.backend.store.store import Store
from sqlalchemy.orm import Session


async def test_a_failing_write_is_reported_to_its_caller_and_the_others_commit(store: Store) -> None:
    io = StoreIO(store)
    try:
        def good(value: int) -> object:
            return lambda session: Int(value).store().pk

        def bad(session: Session) -> None:
            Int(99).store()
            raise ValueError("this write fails")

        results = await asyncio.gather(*(io.write(good(i)) for i in range(5)), io.write(bad), return_exceptions=True)
    finally:
        io.close()
    *pks, failure = results
    assert isinstance(failure, ValueError)
    assert [load_node(pk, store).value for pk in pks] == [0, 1, 2, 3, 4]
    assert io.operations == 6 and io.commits <= 2
