"""boots: each running process, named on the effects it claims

After a process is killed, what it was delivering used to wait out its claim (two minutes) with the
chair's card saying "Creating the meeting…". A claim now names its process, so the restart (or a
sibling) hands it back at once when that process is known to be gone.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 15:00:00
"""
from alembic import op
import sqlalchemy as sa
import storage.types


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('boots',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('host', sa.String(length=200), nullable=False),
        sa.Column('pid', sa.Integer(), nullable=False),
        sa.Column('started_at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('seen_at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('effects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('effects', schema=None) as batch_op:
        batch_op.drop_column('claimed_by')
    op.drop_table('boots')
