"""obligations.met_at: the day the chair says a case's clock was met

The case's clocks after the record (the initial child protection conference, the assessment's
decision, the LADO informed...) were chased until breached with no way to say they had been met.
The chair now says so on the discussion's clocks card, with the day it happened.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 01:30:00
"""
from alembic import op
import sqlalchemy as sa
import storage.types


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('obligations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('met_at', storage.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('obligations', schema=None) as batch_op:
        batch_op.drop_column('met_at')
