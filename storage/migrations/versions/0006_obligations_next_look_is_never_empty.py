"""obligations: the next look is never empty, and the claim is that next look

The chasers' due-query was four ORs wide (next attempt, claim, snooze, each possibly empty) and
no index could serve it: 150 ms for 1,000 due among 100,000 open obligations (bench/RESULTS.md).
Now `next_attempt_at` always holds when the sweep should next look (a claim or a snooze pushes it
on), so the query is one range on (state, next_attempt_at).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 22:05:00
"""
from alembic import op
import sqlalchemy as sa
import storage.types


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE obligations SET next_attempt_at = created_at WHERE next_attempt_at IS NULL")
    op.execute("UPDATE obligations SET next_attempt_at = claimed_until "
               "WHERE claimed_until IS NOT NULL AND claimed_until > next_attempt_at")
    op.execute("UPDATE obligations SET next_attempt_at = snoozed_until "
               "WHERE snoozed_until IS NOT NULL AND snoozed_until > next_attempt_at")
    with op.batch_alter_table('obligations', schema=None) as batch_op:
        batch_op.alter_column('next_attempt_at', existing_type=storage.types.UTCDateTime(timezone=True), nullable=False)
        batch_op.drop_column('claimed_until')
        batch_op.create_index('ix_obligations_open_next', ['state', 'next_attempt_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('obligations', schema=None) as batch_op:
        batch_op.drop_index('ix_obligations_open_next')
        batch_op.add_column(sa.Column('claimed_until', storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.alter_column('next_attempt_at', existing_type=storage.types.UTCDateTime(timezone=True), nullable=True)
