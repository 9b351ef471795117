"""Engine tables: engines and their heartbeats, process leases, checkpoints, control requests, remote jobs.

Revision ID: 0002
Revises: 0001

Hand-written; the same statements run on SQLite and PostgreSQL (partial indexes exist on both).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_table(
        "engines",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_engines_heartbeat", "engines", ["heartbeat"])

    op.create_table(
        "process_leases",
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("engine_id", sa.String(length=36), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["node_id"], ["nodes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("node_id"),
    )
    op.create_index("ix_process_leases_engine_id", "process_leases", ["engine_id"])
    op.create_index("ix_process_leases_expires_at", "process_leases", ["expires_at"])

    op.create_table(
        "process_checkpoints",
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["node_id"], ["nodes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("node_id"),
    )

    op.create_table(
        "process_control_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("options", JSON, nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["node_id"], ["nodes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_control_status_node", "process_control_requests", ["status", "node_id"])
    op.create_index(
        "uq_control_one_pending", "process_control_requests", ["node_id", "action"], unique=True,
        sqlite_where=PENDING, postgresql_where=PENDING,
    )

    op.create_table(
        "remote_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.Integer(), nullable=True),
        sa.Column("computer_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(length=64), nullable=False),
        sa.Column("workdir", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("submitted", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_requested", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_confirmed", sa.DateTime(timezone=True), nullable=True),
        sa.Column("orphaned_since", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["node_id"], ["nodes.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["computer_id"], ["computers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("computer_id", "job_id"),
    )
    op.create_index("ix_remote_jobs_node_id", "remote_jobs", ["node_id"])
    op.create_index("ix_remote_jobs_orphaned_since", "remote_jobs", ["orphaned_since"])


def downgrade() -> None:
    op.drop_index("ix_remote_jobs_orphaned_since", table_name="remote_jobs")
    op.drop_index("ix_remote_jobs_node_id", table_name="remote_jobs")
    op.drop_table("remote_jobs")
    op.drop_index("uq_control_one_pending", table_name="process_control_requests",
                  sqlite_where=PENDING, postgresql_where=PENDING)
    op.drop_index("ix_control_status_node", table_name="process_control_requests")
    op.drop_table("process_control_requests")
    op.drop_table("process_checkpoints")
    op.drop_index("ix_process_leases_expires_at", table_name="process_leases")
    op.drop_index("ix_process_leases_engine_id", table_name="process_leases")
    op.drop_table("process_leases")
    op.drop_index("ix_engines_heartbeat", table_name="engines")
    op.drop_table("engines")
