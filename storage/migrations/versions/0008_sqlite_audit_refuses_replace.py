"""the audit trail refuses REPLACE and UPSERT on SQLite too

SQLite's `INSERT OR REPLACE` / `REPLACE INTO` delete the clashing row without firing the delete
trigger (unless recursive triggers are on), so a row of the audit trail could be rewritten. An
insert that names an id already there is refused before SQLite resolves the conflict. PostgreSQL
already refuses: its trigger covers UPDATE, DELETE and TRUNCATE, and it has no REPLACE.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 06:20:00
"""
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("""CREATE TRIGGER audit_events_no_replace BEFORE INSERT ON audit_events
            WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM audit_events WHERE id = NEW.id)
            BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_replace")
