"""The facade that every client (CLI, TUI, later a socket) talks to.

Each domain lives in its own mixin module; this class only combines them and owns the store.
"""

from __future__ import annotations

from ..entities.current import set_current_store
from ..profiles import load_profile
from ..store.store import Store
from .computer_actions import ComputerActions
from .control_actions import ControlActions
from .demo_actions import DemoActions
from .dump_actions import DumpActions
from .group_actions import GroupActions
from .monitor_actions import MonitorActions
from .monitor_engine import MonitorEngineActions
from .node_actions import NodeActions
from .process_actions import ProcessActions
from .stash_actions import StashActions
from .storage_actions import StorageActions


class Service(
    ComputerActions,
    NodeActions,
    GroupActions,
    StorageActions,
    MonitorActions,
    MonitorEngineActions,
    ProcessActions,
    ControlActions,
    StashActions,
    DemoActions,
    DumpActions,
):
    def __init__(self, store: Store) -> None:
        self.store = store

    @classmethod
    def open(cls, profile: str | None = None) -> Service:
        """Open a profile (creating `default` on the very first run)."""
        return cls(load_profile(profile))

    def close(self) -> None:
        set_current_store(None)
        self.store.close()
