"""Opening the transport of a computer, and turning transport errors into provtop errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from provtop.transports import Transport, TransportError, transport_for
from provtop.transports.meter import TransferMeter

from .entities.computers import Computer
from .errors import RemoteError


def transport_for_computer(computer: Computer, *, meter: TransferMeter | None = None) -> Transport:
    """A new, unopened transport built from the computer's stored settings, counted by `meter` if given."""
    settings: dict[str, object] = dict(computer.transport_settings)
    if meter is not None:
        settings["meter"] = meter
    if computer.transport_type != "local":
        settings.setdefault("host", computer.hostname)
    return transport_for(computer.transport_type, {"label": computer.label, **settings})


@asynccontextmanager
async def computer_transport(computer: Computer) -> AsyncIterator[Transport]:
    """An open transport to `computer`; transport failures surface as RemoteError."""
    try:
        async with transport_for_computer(computer) as transport:
            yield transport
    except TransportError as exc:
        raise RemoteError(f"computer '{computer.label}': {exc}") from None
