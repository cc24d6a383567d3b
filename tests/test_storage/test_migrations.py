"""Schema changes go through Alembic: the migrations build exactly what the models describe, on
both databases, and a migration that reshapes data keeps what was there."""
import asyncio
import sqlite3

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from storage.models import Base
from storage.urls import normalise_database_url
from tests.conftest import migrate


async def test_the_migrations_build_exactly_what_the_models_describe(database_url):
    engine = create_async_engine(normalise_database_url(database_url))
    async with engine.connect() as connection:
        differences = await connection.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
    await engine.dispose()
    assert differences == []


async def test_0006_gives_every_open_obligation_its_next_look_from_what_it_had(tmp_path):
    path = tmp_path / "old.db"
    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.to_thread(migrate, url, "0005")
    row = ("open", "2027-06-01 08:00:00.000000", "2027-06-01 09:00:00.000000")  # state, created, due (UTC, as stored)
    with sqlite3.connect(path) as db:
        for key, next_attempt, claimed, snoozed in [
            ("never-looked-at", None, None, None),
            ("scheduled", "2027-06-01 12:00:00.000000", None, None),
            ("held-by-a-sweeper", None, "2027-06-01 10:05:00.000000", None),
            ("snoozed", "2027-06-01 12:00:00.000000", None, "2027-06-03 09:00:00.000000"),
        ]:
            db.execute("INSERT INTO obligations (id, key, kind, subject_type, subject_id, due_at, state, rule_source, attempts, "
                       "escalation_level, next_attempt_at, claimed_until, out_of_hours, snoozed_until, snooze_reason, created_at, "
                       "updated_at) VALUES (?, ?, 'action', 'action', '1', ?, ?, '', 0, 0, ?, ?, 0, ?, '', ?, ?)",
                       (key, key, row[2], row[0], next_attempt, claimed, snoozed, row[1], row[1]))
    await asyncio.to_thread(migrate, url)
    with sqlite3.connect(path) as db:
        looks = dict(db.execute("SELECT key, next_attempt_at FROM obligations"))
        columns = [c[1] for c in db.execute("PRAGMA table_info(obligations)")]
    assert looks == {"never-looked-at": "2027-06-01 08:00:00.000000", "scheduled": "2027-06-01 12:00:00.000000",
                     "held-by-a-sweeper": "2027-06-01 10:05:00.000000", "snoozed": "2027-06-03 09:00:00.000000"}
    assert "claimed_until" not in columns
