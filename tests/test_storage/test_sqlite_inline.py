"""SQLite runs on the event loop's thread (storage.sqlite_inline). What must hold: while another
connection holds SQLite's write lock, a writer here waits without stopping the loop (other turns
go on), writes once the lock is free, and gives up with SQLite's own error after the bound."""
from __future__ import annotations

import asyncio
import sqlite3

import pytest
from sqlalchemy import text

from storage import sqlite_inline
from storage.database import create_engine, session_factory


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "inline.db"
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    setup.commit()
    setup.close()
    return path


async def test_a_writer_waits_for_another_process_lock_without_stopping_the_loop(database):
    engine = create_engine(f"sqlite:///{database}")
    sessions = session_factory(engine)
    other = sqlite3.connect(database, isolation_level=None)  # as another process (an operator's shell) would
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO notes (body) VALUES ('theirs')")

    async def write():
        async with sessions() as session:
            await session.execute(text("INSERT INTO notes (body) VALUES ('ours')"))
            await session.commit()

    writing = asyncio.create_task(write())
    ticks = 0
    while ticks < 20:  # the loop still serves other work while the writer waits
        await asyncio.sleep(0)
        ticks += 1
    assert not writing.done()
    other.execute("COMMIT")
    await asyncio.wait_for(writing, 5)
    async with engine.connect() as connection:
        bodies = (await connection.execute(text("SELECT body FROM notes ORDER BY id"))).scalars().all()
    assert bodies == ["theirs", "ours"]
    other.close()
    await engine.dispose()


async def test_a_lock_never_freed_ends_in_sqlites_own_error(database, monkeypatch):
    monkeypatch.setattr(sqlite_inline, "BUSY_SECONDS", 0)  # the bound reached at once: no wait on the wall clock
    engine = create_engine(f"sqlite:///{database}")
    other = sqlite3.connect(database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(Exception, match="database is locked"):
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO notes (body) VALUES ('ours')"))
    other.execute("ROLLBACK")
    other.close()
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM notes"))).scalar() == 0
    await engine.dispose()


async def test_errors_other_than_busy_are_not_waited_on(database):
    engine = create_engine(f"sqlite:///{database}")
    with pytest.raises(Exception, match="no such table"):
        async with engine.connect() as connection:
            await connection.execute(text("SELECT * FROM missing"))
    await engine.dispose()


async def test_statements_run_on_the_loops_own_thread(database):
    """The point of it: no hop to a thread per call (aiosqlite's cost, eleven hops a wizard step)."""
    import threading

    engine = create_engine(f"sqlite:///{database}")
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        threads = []
        raw.driver_connection._conn.set_trace_callback(lambda _: threads.append(threading.get_ident()))
        await connection.execute(text("SELECT count(*) FROM notes"))
    assert threads and set(threads) == {threading.get_ident()}
    await engine.dispose()


def test_a_wait_for_another_process_lock_ends_well_inside_teams_limit_on_a_turn():
    """Teams gives a turn 10-15 s (PLATFORM_NOTES.md); the press must be answered, "Not done" with
    Try again, before Teams gives up on it, with time left for the rest of the turn."""
    assert sqlite_inline.BUSY_SECONDS <= 10 / 2
