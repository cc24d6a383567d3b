"""Schema changes go through Alembic: the migrations build exactly what the models describe, on
both databases, and a migration that reshapes data keeps what was there."""
import asyncio
import sqlite3
import sys

import pytest

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from storage.models import Base
from storage.urls import normalise_database_url
from tests.conftest import ROOT, migrate


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


@pytest.mark.postgres
@pytest.mark.slow
async def test_replicas_starting_together_on_an_empty_postgres_both_migrate_without_racing(postgres_server):
    """Each replica migrates at start (app.main); the advisory lock makes the second wait, then find
    nothing to do, instead of both creating the same tables."""
    import asyncpg

    connection = await asyncpg.connect(f"postgresql://strategy@127.0.0.1:{postgres_server.port}/postgres")
    await connection.execute('CREATE DATABASE "replicas_race"')
    await connection.close()
    url = postgres_server.url("replicas_race")
    # Separate processes, as replicas are (Alembic's context is process-global: threads would share it).
    starts = [await asyncio.create_subprocess_exec(sys.executable, "-c", f"from storage.database import migrate; migrate({url!r})",
                                                   cwd=ROOT) for _ in range(3)]
    assert [await asyncio.wait_for(start.wait(), 120) for start in starts] == [0, 0, 0]
    connection = await asyncpg.connect(f"postgresql://strategy@127.0.0.1:{postgres_server.port}/replicas_race")
    try:
        newest = max(p.name.split("_")[0] for p in (ROOT / "storage" / "migrations" / "versions").glob("0*.py"))
        assert await connection.fetchval("SELECT version_num FROM alembic_version") == newest
    finally:
        await connection.close()


def test_the_head_read_from_the_files_is_alembics_own():
    from alembic.script import ScriptDirectory

    from storage import database

    assert database.schema_head() == ScriptDirectory.from_config(database._alembic_config("sqlite://")).get_current_head()


def test_a_service_starting_on_an_up_to_date_database_does_not_load_alembic(tmp_path):
    """Start-up migrates only a database behind the code; otherwise one query, and alembic (12 MB
    held for the process's life) is never imported. A database behind is brought up to date."""
    import subprocess

    from alembic.script import ScriptDirectory

    from storage import database

    head = ScriptDirectory.from_config(database._alembic_config("sqlite://")).get_current_head()
    url = f"sqlite:///{tmp_path}/up.db"
    probe = ("import sys, storage.database as d; d.bring_up_to_date(sys.argv[1]); "
             "print('alembic' in sys.modules, d.asyncio.run(d.schema_revision(d.create_engine(sys.argv[1]))))")
    run = lambda: subprocess.run([sys.executable, "-c", probe, url], cwd=ROOT, capture_output=True, text=True,  # noqa: E731
                                 check=True).stdout.split()
    assert run() == ["True", head]  # empty: migrated
    assert run() == ["False", head]  # at head: left alone, alembic never loaded


def test_the_readmes_readiness_example_names_the_schema_the_code_expects():
    """A walk read "schema": "0008" in the README's /readyz example while the service answered 0011."""
    from storage import database

    assert f'"schema": "{database.schema_head()}"' in (ROOT / "README.md").read_text()
