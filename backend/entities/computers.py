"""Computers: where calculations run, how to reach them and how jobs are scheduled there."""

from __future__ import annotations

import uuid as uuid_module
from typing import Any, Literal

from pydantic import Field, field_validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..errors import InputError, NotExistent, UniquenessError
from ..store.schema import ComputerRow
from ..store.store import Store
from .current import get_store
from .entity import Entity, EntityModel, validate_model

TransportType = Literal["local", "ssh", "ssh_async"]
SchedulerType = Literal["direct", "slurm"]
TRANSPORT_TYPES: tuple[str, ...] = ("local", "ssh", "ssh_async")
SCHEDULER_TYPES: tuple[str, ...] = ("direct", "slurm")


class ComputerModel(EntityModel):
    uuid: str
    label: str = Field(min_length=1, max_length=255)
    description: str = ""
    hostname: str = Field(description="Host name, address or ~/.ssh/config alias.")
    transport_type: TransportType
    scheduler_type: SchedulerType
    workdir: str = Field(description="Remote directory under which calculations run.")
    transport_settings: dict[str, Any] = Field(default_factory=dict)
    scheduler_settings: dict[str, Any] = Field(default_factory=dict)
    max_concurrent_jobs: int | None = Field(default=None, ge=1)
    max_transport_channels: int = Field(default=8, ge=1, description="Concurrent channels per connection.")

    @field_validator("label")
    @classmethod
    def _label_is_plain(cls, value: str) -> str:
        if value != value.strip() or "/" in value:
            raise ValueError("a computer label has no surrounding spaces and no '/'")
        return value


class Computer(Entity):
    Model = ComputerModel

    def __init__(
        self,
        label: str,
        hostname: str,
        *,
        transport_type: str = "local",
        scheduler_type: str = "direct",
        workdir: str = "/tmp/provtop",
        description: str = "",
        transport_settings: dict[str, Any] | None = None,
        scheduler_settings: dict[str, Any] | None = None,
        max_concurrent_jobs: int | None = None,
        max_transport_channels: int = 8,
        uuid: str | None = None,
    ) -> None:
        super().__init__()
        if transport_type not in TRANSPORT_TYPES:
            raise InputError(f"unknown transport '{transport_type}'; choose one of {', '.join(TRANSPORT_TYPES)}")
        if scheduler_type not in SCHEDULER_TYPES:
            raise InputError(f"unknown scheduler '{scheduler_type}'; choose one of {', '.join(SCHEDULER_TYPES)}")
        self.uuid = uuid or str(uuid_module.uuid4())
        self.label = label
        self.hostname = hostname
        self.transport_type = transport_type
        self.scheduler_type = scheduler_type
        self.workdir = workdir
        self.description = description
        self.transport_settings = dict(transport_settings or {})
        self.scheduler_settings = dict(scheduler_settings or {})
        self.max_concurrent_jobs = max_concurrent_jobs
        self.max_transport_channels = max_transport_channels

    def _row_values(self) -> dict[str, Any]:
        return self.to_model().model_dump(exclude={"pk"})

    def store(self) -> Computer:
        validate_model(ComputerModel, self._row_values(), "computer")
        store = self.store_backend
        try:
            with store.transaction() as session:
                row = ComputerRow(**self._row_values())
                session.add(row)
                session.flush()
        except IntegrityError:
            raise UniquenessError(f"a computer labelled '{self.label}' exists already; see 'provtop computer list'") from None
        self._mark_stored(row.id, store)
        return self

    def to_model(self, *, content: bool = True) -> ComputerModel:
        return ComputerModel.model_construct(
            pk=self.pk,
            uuid=self.uuid,
            label=self.label,
            description=self.description,
            hostname=self.hostname,
            transport_type=self.transport_type,
            scheduler_type=self.scheduler_type,
            workdir=self.workdir,
            transport_settings=self.transport_settings,
            scheduler_settings=self.scheduler_settings,
            max_concurrent_jobs=self.max_concurrent_jobs,
            max_transport_channels=self.max_transport_channels,
        )

    @classmethod
    def _from_model(cls, model: ComputerModel) -> Computer:
        return cls(**model.model_dump(exclude={"pk"}))

    @classmethod
    def from_row(cls, row: ComputerRow, store: Store) -> Computer:
        computer = cls(
            row.label,
            row.hostname,
            transport_type=row.transport_type,
            scheduler_type=row.scheduler_type,
            workdir=row.workdir,
            description=row.description,
            transport_settings=row.transport_settings,
            scheduler_settings=row.scheduler_settings,
            max_concurrent_jobs=row.max_concurrent_jobs,
            max_transport_channels=row.max_transport_channels,
            uuid=row.uuid,
        )
        computer._mark_stored(row.id, store)
        return computer

    @classmethod
    def load(cls, identifier: str | int, store: Store | None = None) -> Computer:
        """Load by label, or by pk when given an int."""
        store = store or get_store()
        with store.reading() as session:
            if isinstance(identifier, int):
                row = session.get(ComputerRow, identifier)
            else:
                row = session.scalar(select(ComputerRow).where(ComputerRow.label == identifier))
            if row is None:
                raise NotExistent(f"no computer '{identifier}'; see 'provtop computer list'")
            return cls.from_row(row, store)

    @classmethod
    def all(cls, store: Store | None = None) -> list[Computer]:
        store = store or get_store()
        with store.reading() as session:
            return [cls.from_row(row, store) for row in session.scalars(select(ComputerRow).order_by(ComputerRow.id))]
