"""indexes for the oversight tab: a chair's discussions by status, discussions by meeting time, obligations by kind

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 09:00:00
"""
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_discussions_chair_status", "discussions", ["chair_aad_id", "status"])
    op.create_index("ix_discussions_meeting_start", "discussions", ["meeting_start"])
    op.create_index("ix_obligations_kind", "obligations", ["kind", "state"])
    op.create_index("ix_obligations_discussion_kind", "obligations", ["discussion_id", "kind", "state"])


def downgrade() -> None:
    op.drop_index("ix_obligations_discussion_kind", table_name="obligations")
    op.drop_index("ix_obligations_kind", table_name="obligations")
    op.drop_index("ix_discussions_meeting_start", table_name="discussions")
    op.drop_index("ix_discussions_chair_status", table_name="discussions")
