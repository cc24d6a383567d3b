"""agency record checks before the meeting

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 20:22:09.567636
"""
from alembic import op
import sqlalchemy as sa
import storage.types


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_check', sa.String(length=20), nullable=False, server_default='none'))
        batch_op.add_column(sa.Column('record_check_note', sa.Text(), nullable=False, server_default=''))



def downgrade() -> None:
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_column('record_check_note')
        batch_op.drop_column('record_check')

