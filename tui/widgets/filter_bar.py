"""The `/` prompt of the processes screen: it filters as you type, enter keeps the filter, escape restores the old one."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input

from provtop.backend.service.snapshots import ProcessFilter

from ..formatting import FILTER_STATES

TYPING_PAUSE = 0.3  # seconds without a key before the list follows what is typed

PLACEHOLDER = "filter: text  state:running,waiting  computer:NAME  (! inverts; enter keeps, escape restores)"


def parse(text: str) -> ProcessFilter:
    """The filter typed so far; a state may be given by a prefix that names one state (`state:run`)."""
    flt = ProcessFilter.parse(text)
    states = []
    for state in flt.states:
        matches = [known for known in FILTER_STATES if known.startswith(state)]
        states.append(matches[0] if len(matches) == 1 else state)
    return flt.model_copy(update={"states": tuple(states)})


class FilterBar(Input):
    """Posts `FilterBar.Chosen` after a pause in typing, on enter (`done`) and on escape (the filter before)."""

    BINDINGS = [Binding("escape", "restore", "Restore filter", show=False)]

    class Chosen(Message):
        def __init__(self, flt: ProcessFilter, *, done: bool) -> None:
            super().__init__()
            self.filter = flt
            self.done = done

    def __init__(self, **kwargs: object) -> None:
        super().__init__(placeholder=PLACEHOLDER, **kwargs)  # type: ignore[arg-type]
        self.before = ProcessFilter()
        self._pause: Timer | None = None

    def open(self, current: ProcessFilter) -> None:
        self.before = current
        self.value = current.describe() + (" " if not current.is_empty else "")
        self.remove_class("-hidden")
        self.focus()
        self.cursor_position = len(self.value)

    def _close(self, flt: ProcessFilter) -> None:
        if self._pause is not None:
            self._pause.stop()
        self.add_class("-hidden")
        self.post_message(self.Chosen(flt, done=True))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self.has_class("-hidden"):
            return
        if self._pause is not None:
            self._pause.stop()
        self._pause = self.set_timer(TYPING_PAUSE, lambda: self.post_message(self.Chosen(parse(self.value), done=False)))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._close(parse(self.value))

    def action_restore(self) -> None:
        self._close(self.before)
