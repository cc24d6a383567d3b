"""recording: record drafts, numbered actions, report-back de-duplication

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 19:59:30.834835
"""
from alembic import op
import sqlalchemy as sa
import storage.types


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('action_updates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('activity_id', sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint('uq_action_updates_activity_id', ['activity_id'])

    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('owner_email', sa.String(length=320), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('owner_aad_object_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('card_activity_id', sa.String(length=200), nullable=True))

    with op.batch_alter_table('discussions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('finalised_at', storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('finalised_by', sa.String(length=200), nullable=True))

    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('records_researched', sa.Boolean(), nullable=False, server_default=sa.true()))



def downgrade() -> None:
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_column('records_researched')

    with op.batch_alter_table('discussions', schema=None) as batch_op:
        batch_op.drop_column('finalised_by')
        batch_op.drop_column('finalised_at')
        batch_op.drop_column('record')

    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_column('card_activity_id')
        batch_op.drop_column('owner_aad_object_id')
        batch_op.drop_column('owner_email')
        batch_op.drop_column('number')

    with op.batch_alter_table('action_updates', schema=None) as batch_op:
        # WARNING: constraint name is None; this directive will fail as
        # rendered.  Add a name, or use a naming convention; see
        # https://alembic.sqlalchemy.org/en/latest/naming.html
        batch_op.drop_constraint('uq_action_updates_activity_id', type_='unique')
        batch_op.drop_column('activity_id')

