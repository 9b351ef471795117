"""Initial schema: users, computers, nodes, links, groups, logs.

Revision ID: 0001
Revises: 
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('computers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('label', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('hostname', sa.String(length=255), nullable=False),
    sa.Column('transport_type', sa.String(length=32), nullable=False),
    sa.Column('scheduler_type', sa.String(length=32), nullable=False),
    sa.Column('workdir', sa.Text(), nullable=False),
    sa.Column('transport_settings', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('scheduler_settings', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('max_concurrent_jobs', sa.Integer(), nullable=True),
    sa.Column('max_transport_channels', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('label'),
    sa.UniqueConstraint('uuid')
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=False),
    sa.Column('first_name', sa.String(length=255), nullable=False),
    sa.Column('last_name', sa.String(length=255), nullable=False),
    sa.Column('institution', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email')
    )
    op.create_table('groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('label', sa.String(length=255), nullable=False),
    sa.Column('type_string', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('extras', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('label', 'type_string'),
    sa.UniqueConstraint('uuid')
    )
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_groups_label'), ['label'], unique=False)
        batch_op.create_index(batch_op.f('ix_groups_type_string'), ['type_string'], unique=False)
        batch_op.create_index(batch_op.f('ix_groups_user_id'), ['user_id'], unique=False)

    op.create_table('nodes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('node_type', sa.String(length=255), nullable=False),
    sa.Column('process_type', sa.String(length=255), nullable=True),
    sa.Column('process_state', sa.String(length=32), nullable=True),
    sa.Column('label', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('ctime', sa.DateTime(timezone=True), nullable=False),
    sa.Column('mtime', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attributes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('extras', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('repository_metadata', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('computer_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['computer_id'], ['computers.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('uuid')
    )
    with op.batch_alter_table('nodes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nodes_computer_id'), ['computer_id'], unique=False)
        batch_op.create_index('ix_nodes_ctime', ['ctime'], unique=False)
        batch_op.create_index('ix_nodes_label', ['label'], unique=False)
        batch_op.create_index('ix_nodes_mtime', ['mtime'], unique=False)
        batch_op.create_index('ix_nodes_node_type', ['node_type'], unique=False)
        batch_op.create_index('ix_nodes_process_state_id', ['process_state', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nodes_user_id'), ['user_id'], unique=False)

    op.create_table('group_members',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['node_id'], ['nodes.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'node_id')
    )
    with op.batch_alter_table('group_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_members_node_id'), ['node_id'], unique=False)

    op.create_table('links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('input_id', sa.Integer(), nullable=False),
    sa.Column('output_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('label', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['input_id'], ['nodes.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['output_id'], ['nodes.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_links_input_id'), ['input_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_links_output_id'), ['output_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_links_type'), ['type'], unique=False)
        batch_op.create_index('uq_links_input_label', ['output_id', 'label'], unique=True, sqlite_where=sa.text("type IN ('input_calc', 'input_work')"), postgresql_where=sa.text("type IN ('input_calc', 'input_work')"))
        batch_op.create_index('uq_links_one_caller', ['output_id'], unique=True, sqlite_where=sa.text("type IN ('call_calc', 'call_work')"), postgresql_where=sa.text("type IN ('call_calc', 'call_work')"))
        batch_op.create_index('uq_links_one_creator', ['output_id'], unique=True, sqlite_where=sa.text("type = 'create'"), postgresql_where=sa.text("type = 'create'"))
        batch_op.create_index('uq_links_output_label', ['input_id', 'type', 'label'], unique=True, sqlite_where=sa.text("type IN ('create', 'return')"), postgresql_where=sa.text("type IN ('create', 'return')"))

    op.create_table('logs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('loggername', sa.String(length=255), nullable=False),
    sa.Column('levelname', sa.String(length=50), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('metadata', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['node_id'], ['nodes.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('uuid')
    )
    with op.batch_alter_table('logs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_logs_node_id'), ['node_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('logs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_logs_node_id'))

    op.drop_table('logs')
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.drop_index('uq_links_output_label', sqlite_where=sa.text("type IN ('create', 'return')"), postgresql_where=sa.text("type IN ('create', 'return')"))
        batch_op.drop_index('uq_links_one_creator', sqlite_where=sa.text("type = 'create'"), postgresql_where=sa.text("type = 'create'"))
        batch_op.drop_index('uq_links_one_caller', sqlite_where=sa.text("type IN ('call_calc', 'call_work')"), postgresql_where=sa.text("type IN ('call_calc', 'call_work')"))
        batch_op.drop_index('uq_links_input_label', sqlite_where=sa.text("type IN ('input_calc', 'input_work')"), postgresql_where=sa.text("type IN ('input_calc', 'input_work')"))
        batch_op.drop_index(batch_op.f('ix_links_type'))
        batch_op.drop_index(batch_op.f('ix_links_output_id'))
        batch_op.drop_index(batch_op.f('ix_links_input_id'))

    op.drop_table('links')
    with op.batch_alter_table('group_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_members_node_id'))

    op.drop_table('group_members')
    with op.batch_alter_table('nodes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nodes_user_id'))
        batch_op.drop_index('ix_nodes_process_state_id')
        batch_op.drop_index('ix_nodes_node_type')
        batch_op.drop_index('ix_nodes_mtime')
        batch_op.drop_index('ix_nodes_label')
        batch_op.drop_index('ix_nodes_ctime')
        batch_op.drop_index(batch_op.f('ix_nodes_computer_id'))

    op.drop_table('nodes')
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_groups_user_id'))
        batch_op.drop_index(batch_op.f('ix_groups_type_string'))
        batch_op.drop_index(batch_op.f('ix_groups_label'))

    op.drop_table('groups')
    op.drop_table('users')
    op.drop_table('computers')
