"""chasers: chases, link uses, obligation claims

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 20:15:59.600232
"""
from alembic import op
import sqlalchemy as sa
import storage.types


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('link_uses',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('used_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('digest')
    )
    op.create_table('chases',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=260), nullable=False),
    sa.Column('obligation_id', sa.String(length=32), nullable=False),
    sa.Column('stage', sa.String(length=30), nullable=False),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['obligation_id'], ['obligations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('chases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chases_obligation_id'), ['obligation_id'], unique=False)

    with op.batch_alter_table('obligations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_until', storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('out_of_hours', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('snoozed_until', storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('snooze_reason', sa.Text(), nullable=False, server_default=''))



def downgrade() -> None:
    with op.batch_alter_table('obligations', schema=None) as batch_op:
        batch_op.drop_column('snooze_reason')
        batch_op.drop_column('snoozed_until')
        batch_op.drop_column('out_of_hours')
        batch_op.drop_column('claimed_until')

    with op.batch_alter_table('chases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chases_obligation_id'))

    op.drop_table('chases')
    op.drop_table('link_uses')
