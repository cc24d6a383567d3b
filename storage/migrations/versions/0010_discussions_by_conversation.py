"""an index on a discussion's conversation: a reply in a channel thread finds its discussion by it

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 12:50:00
"""
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every agency reply in a thread, and every /strategy resuming a draft, looks the discussion up
    # by conversation: without it, a scan of every discussion (10,000 a year) per reply.
    op.create_index("ix_discussions_conversation_status", "discussions", ["conversation_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_discussions_conversation_status", table_name="discussions")
