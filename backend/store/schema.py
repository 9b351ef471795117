"""The store's tables, in SQLAlchemy 2's typed ORM style.

Node, link and group semantics follow AiiDA's, so its users recognise them.
JSON columns are JSONB on PostgreSQL (indexable containment) and JSON on SQLite.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, ForeignKey, Index, Integer, String, Text, TypeDecorator, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

JsonColumn = JSON().with_variant(JSONB(), "postgresql")


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; give a timezone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JsonColumn}


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    first_name: Mapped[str] = mapped_column(String(255), default="")
    last_name: Mapped[str] = mapped_column(String(255), default="")
    institution: Mapped[str] = mapped_column(String(255), default="")


class ComputerRow(Base):
    __tablename__ = "computers"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    label: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    hostname: Mapped[str] = mapped_column(String(255))
    transport_type: Mapped[str] = mapped_column(String(32))
    scheduler_type: Mapped[str] = mapped_column(String(32))
    workdir: Mapped[str] = mapped_column(Text)
    transport_settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    scheduler_settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    max_concurrent_jobs: Mapped[int | None] = mapped_column(Integer, default=None)
    max_transport_channels: Mapped[int] = mapped_column(Integer, default=8)


class NodeRow(Base):
    __tablename__ = "nodes"
    __table_args__ = (
        # Listing processes by state, newest first, page by page: an index range scan.
        Index("ix_nodes_process_state_id", "process_state", "id"),
        Index("ix_nodes_node_type", "node_type"),
        Index("ix_nodes_ctime", "ctime"),
        Index("ix_nodes_mtime", "mtime"),
        Index("ix_nodes_label", "label"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    node_type: Mapped[str] = mapped_column(String(255))
    process_type: Mapped[str | None] = mapped_column(String(255), default=None)
    # A copy of attributes["process_state"], kept as a column so that listing by state is an index scan.
    process_state: Mapped[str | None] = mapped_column(String(32), default=None)
    label: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    ctime: Mapped[datetime] = mapped_column(UtcDateTime())
    mtime: Mapped[datetime] = mapped_column(UtcDateTime())
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    extras: Mapped[dict[str, Any]] = mapped_column(default=dict)
    repository_metadata: Mapped[dict[str, Any]] = mapped_column(default=dict)
    computer_id: Mapped[int | None] = mapped_column(ForeignKey("computers.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)


def _partial_unique(name: str, columns: tuple[str, ...], condition: str) -> Index:
    """A unique index over the rows matching `condition` (both SQLite and PostgreSQL support these)."""
    where = text(condition)
    return Index(name, *columns, unique=True, sqlite_where=where, postgresql_where=where)


class LinkRow(Base):
    """The link rules that concern several rows are enforced here, so concurrent writers obey them too."""

    __tablename__ = "links"
    __table_args__ = (
        _partial_unique("uq_links_one_creator", ("output_id",), "type = 'create'"),
        _partial_unique("uq_links_one_caller", ("output_id",), "type IN ('call_calc', 'call_work')"),
        _partial_unique("uq_links_input_label", ("output_id", "label"), "type IN ('input_calc', 'input_work')"),
        _partial_unique("uq_links_output_label", ("input_id", "type", "label"), "type IN ('create', 'return')"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    input_id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"), index=True)
    output_id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(32), index=True)
    label: Mapped[str] = mapped_column(String(255))


class GroupRow(Base):
    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("label", "type_string"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    label: Mapped[str] = mapped_column(String(255), index=True)
    type_string: Mapped[str] = mapped_column(String(255), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    extras: Mapped[dict[str, Any]] = mapped_column(default=dict)
    time: Mapped[datetime] = mapped_column(UtcDateTime())
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)


class GroupMemberRow(Base):
    __tablename__ = "group_members"

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"), primary_key=True, index=True)


class LogRow(Base):
    __tablename__ = "logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"), index=True)
    time: Mapped[datetime] = mapped_column(UtcDateTime())
    loggername: Mapped[str] = mapped_column(String(255), default="")
    levelname: Mapped[str] = mapped_column(String(50))
    message: Mapped[str] = mapped_column(Text)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)


# --- engine (schema 0002) -------------------------------------------------------------------


class EngineRow(Base):
    """A running (or stopped) engine and its heartbeat: `process list` reports engine health from it."""

    __tablename__ = "engines"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started: Mapped[datetime] = mapped_column(UtcDateTime())
    heartbeat: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    stopped: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class ProcessLeaseRow(Base):
    """One row per active process: which engine runs it, until when. No owner or an expired
    lease means any engine may take the process over."""

    __tablename__ = "process_leases"

    node_id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"), primary_key=True)
    engine_id: Mapped[str | None] = mapped_column(String(36), default=None, index=True)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None, index=True)
    created: Mapped[datetime] = mapped_column(UtcDateTime())


class ProcessCheckpointRow(Base):
    """Where an active process is in its lifecycle, written before the next step starts."""

    __tablename__ = "process_checkpoints"

    node_id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"), primary_key=True)
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated: Mapped[datetime] = mapped_column(UtcDateTime())


class ProcessControlRow(Base):
    """A durable kill, pause or play request; the engine owning the process carries it out."""

    __tablename__ = "process_control_requests"
    __table_args__ = (
        _partial_unique("uq_control_one_pending", ("node_id", "action"), "status = 'pending'"),
        Index("ix_control_status_node", "status", "node_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    message: Mapped[str] = mapped_column(Text, default="")
    created: Mapped[datetime] = mapped_column(UtcDateTime())
    handled: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class RemoteJobRow(Base):
    """A job handed to a scheduler: kept after its node is gone, so no remote job is forgotten."""

    __tablename__ = "remote_jobs"
    __table_args__ = (UniqueConstraint("computer_id", "job_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    node_id: Mapped[int | None] = mapped_column(ForeignKey("nodes.id", ondelete="SET NULL"), index=True)
    computer_id: Mapped[int] = mapped_column(ForeignKey("computers.id", ondelete="CASCADE"))
    job_id: Mapped[str] = mapped_column(String(64))
    workdir: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(32), default="queued")
    submitted: Mapped[datetime] = mapped_column(UtcDateTime())
    finished: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    cancel_requested: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    cancel_confirmed: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    orphaned_since: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None, index=True)
