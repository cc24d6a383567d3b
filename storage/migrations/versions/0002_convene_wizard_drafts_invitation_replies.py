"""convene wizard drafts, invitation replies

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 19:39:37.895316
"""
from alembic import op
import sqlalchemy as sa
import storage.types


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # server defaults fill the rows that already exist; the models set values for new ones
    with op.batch_alter_table('discussions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('meeting_provider', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('draft', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('children', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('chair_user_id', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('conversation_reference', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('card_activity_id', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('linked_discussion_id', sa.String(length=32), nullable=True))

    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('source', sa.String(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('aad_object_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('quorum', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('apologies', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('information_route', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('delegate_name', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('delegate_email', sa.String(length=320), nullable=False, server_default=''))



def downgrade() -> None:
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_column('delegate_email')
        batch_op.drop_column('delegate_name')
        batch_op.drop_column('information_route')
        batch_op.drop_column('apologies')
        batch_op.drop_column('quorum')
        batch_op.drop_column('aad_object_id')
        batch_op.drop_column('source')
        batch_op.drop_column('role')

    with op.batch_alter_table('discussions', schema=None) as batch_op:
        batch_op.drop_column('linked_discussion_id')
        batch_op.drop_column('card_activity_id')
        batch_op.drop_column('conversation_reference')
        batch_op.drop_column('chair_user_id')
        batch_op.drop_column('children')
        batch_op.drop_column('draft')
        batch_op.drop_column('meeting_provider')

