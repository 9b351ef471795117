"""The store of the loaded profile, used by entities that are not yet stored."""

from __future__ import annotations

from ..errors import StorageError
from ..store.store import Store

_current: Store | None = None


def set_current_store(store: Store | None) -> None:
    global _current
    _current = store


def get_store() -> Store:
    if _current is None:
        raise StorageError("no profile is loaded; call provtop.backend.load_profile() first")
    return _current
