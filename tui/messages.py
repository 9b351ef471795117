"""Messages that worker threads post back to the UI: facts in the past tense, applied by handlers on the loop."""

from __future__ import annotations

from textual.message import Message

from provtop.backend.service.monitor_events import EventBatch
from provtop.backend.service.snapshots import MemberPage, ProcessDetail, ProcessPage, ProcessRow


class PageLoaded(Message):
    """A page of processes arrived; `generation` tells a stale answer (the query changed since) apart."""

    def __init__(self, page: ProcessPage, *, generation: int, first: bool) -> None:
        super().__init__()
        self.page = page
        self.generation = generation
        self.first = first


class ChildrenLoaded(Message):
    def __init__(self, children: dict[int, list[ProcessRow]]) -> None:
        super().__init__()
        self.children = children


class DetailLoaded(Message):
    def __init__(self, pk: int, detail: ProcessDetail | None, error: str | None = None) -> None:
        super().__init__()
        self.pk = pk
        self.detail = detail
        self.error = error


class MembersLoaded(Message):
    def __init__(self, page: MemberPage, *, first: bool) -> None:
        super().__init__()
        self.page = page
        self.first = first


class EventsArrived(Message):
    """A coalesced batch from the service's event stream; a newer batch may not replace it (rows merge)."""

    def __init__(self, batch: EventBatch) -> None:
        super().__init__()
        self.batch = batch
