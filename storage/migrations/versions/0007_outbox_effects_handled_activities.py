"""the outbox (effects), handled card presses, and a version on each discussion

Every external effect is now written in the same transaction as the change that causes it and
delivered by the outbox worker (bot/outbox.py); a card press is applied once per Teams activity
id; and a discussion carries a version so two turns that read the same draft cannot both write.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 04:00:00
"""
from alembic import op
import sqlalchemy as sa
import storage.types


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('effects',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('key', sa.String(length=300), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('discussion_id', sa.String(length=32), nullable=True),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('started_at', storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('uncertain', sa.Boolean(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key'),
    )
    with op.batch_alter_table('effects', schema=None) as batch_op:
        batch_op.create_index('ix_effects_due', ['state', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_effects_discussion_id'), ['discussion_id'], unique=False)
    op.create_table('handled_activities',
        sa.Column('activity_id', sa.String(length=200), nullable=False),
        sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('activity_id'),
    )
    with op.batch_alter_table('discussions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))


def downgrade() -> None:
    with op.batch_alter_table('discussions', schema=None) as batch_op:
        batch_op.drop_column('version')
    op.drop_table('handled_activities')
    with op.batch_alter_table('effects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_effects_discussion_id'))
        batch_op.drop_index('ix_effects_due')
    op.drop_table('effects')
