"""actions.agreed_due_at: the date agreed at the discussion, kept when a new one is given

"Will be done by" moves an action's due date, and its chasing with it; the date agreed at the
discussion was then only in its history, so the card showed the new date as if it had always been
the one agreed (a walk: a breached CP medical vanished from the overdue list with no trace of the
slip). Actions recorded before this have none, and their cards say nothing of one.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 05:25:00
"""
from alembic import op
import sqlalchemy as sa
import storage.types


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agreed_due_at', storage.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_column('agreed_due_at')
