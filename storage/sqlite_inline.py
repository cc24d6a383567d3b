"""SQLite on the event loop's own thread: the connection SQLAlchemy's aiosqlite dialect is given.

aiosqlite runs each connection on a thread of its own, and every call (cursor, execute, fetch,
close, commit) is a round trip to it and back through the event loop: eleven for a wizard step.
Under load each of those waits its turn behind every other request the loop has ready, and the
writer holding SQLite's one write lock (storage.database.SQLiteWriters) holds it across all of
them, so every other writer waits too. A statement here takes microseconds (the same query
through `sqlite3` directly takes 0.01 ms), so it runs where it is asked, inline, with the
interface aiosqlite gives SQLAlchemy (coroutines that simply never suspend).

What a thread gave that the loop must not lose:
- waiting for a lock: SQLite's own busy handler sleeps, which here would stop the whole process.
  The connection's busy timeout is 0 and a statement SQLite calls busy is tried again after an
  `asyncio.sleep` (growing, up to `BUSY_SECONDS` in all), so other
  turns, including the one holding the lock, go on meanwhile. Within this process writers are
  queued before they write, so this is for other processes (an operator's `sqlite3` shell, a
  second `make run`) and for writes outside a session.
- a commit's fsync: the connection commits with synchronous=NORMAL, and the unit of work waits
  for an fsync of the log shared with the other commits of the moment, on a thread of its own
  (storage.group_commit): as durable as FULL, without the loop stopping for each commit.
"""
from __future__ import annotations

import asyncio
import sqlite3
import time

from .group_commit import GroupCommit, group_commit_for

# Within Teams' own limit on a turn (10-15 s, PLATFORM_NOTES.md), with room left for the rest of it: a
# press on a database another process holds is answered "Not done" with Try again (bot.adapter), whatever
# was typed riding in the button, rather than left to time out in Teams while it may still be applied.
BUSY_SECONDS = 5.0
_FIRST_WAIT, _LONGEST_WAIT = 0.001, 0.05


async def _patiently(call, *args):
    """`call(*args)`, waiting (on the loop, never in SQLite) while another connection holds the lock."""
    pause, deadline = _FIRST_WAIT, None
    while True:
        try:
            return call(*args)
        except sqlite3.OperationalError as error:
            # SQLITE_BUSY only: a stale snapshot (SQLITE_BUSY_SNAPSHOT) never clears by waiting, and
            # SQLite's own handler would not have waited for it either.
            if getattr(error, "sqlite_errorname", "") != "SQLITE_BUSY":
                raise
            deadline = deadline or time.monotonic() + BUSY_SECONDS
            if time.monotonic() >= deadline:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, _LONGEST_WAIT)


class InlineCursor:
    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor):
        self._cursor = cursor

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        self._cursor.close()

    async def execute(self, operation, parameters=()):
        await _patiently(self._cursor.execute, operation, parameters)
        return self

    async def executemany(self, operation, seq_of_parameters):
        await _patiently(self._cursor.executemany, operation, seq_of_parameters)
        return self

    async def fetchone(self):
        return self._cursor.fetchone()

    async def fetchmany(self, size=None):
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self):
        return self._cursor.fetchall()

    async def close(self):
        self._cursor.close()

    @property
    def description(self):
        return self._cursor.description

    @property
    def rowcount(self):
        return self._cursor.rowcount

    @property
    def lastrowid(self):
        return self._cursor.lastrowid

    @property
    def arraysize(self):
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value):
        self._cursor.arraysize = value


class _Immediately:
    """Stands for aiosqlite's queue to its thread, which SQLAlchemy uses to set the isolation level:
    the function is run at once and its future settled."""

    __slots__ = ()

    def put_nowait(self, item):
        future, function = item
        try:
            future.set_result(function())
        except Exception as error:  # handed to whoever awaits the future, as aiosqlite's thread would
            future.set_exception(error)


class InlineConnection:
    """What SQLAlchemy's aiosqlite adapter calls on an aiosqlite.Connection, run inline."""

    def __init__(self, conn: sqlite3.Connection, group: GroupCommit):
        self._conn = conn
        self._connection = conn  # the adapter checks this to tell an open connection from a closed one
        self._tx = _Immediately()
        self._group = group

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    async def commit(self):
        wrote = self._conn.in_transaction  # pysqlite opens a transaction for a write only: a read commits nothing
        await _patiently(self._conn.commit)
        if wrote:
            self._group.note()  # written to the log, not yet synced: the unit of work waits for that

    async def rollback(self):
        self._conn.rollback()

    async def close(self):
        if self._connection is not None:
            self._connection = None
            self._conn.close()

    def stop(self):  # aiosqlite's hard stop, used when SQLAlchemy terminates a connection
        self._connection = None
        self._conn.close()

    async def create_function(self, *args, **kwargs):
        self._conn.create_function(*args, **kwargs)

    @property
    def isolation_level(self):
        return self._conn.isolation_level


async def connect(database: str, **kwargs) -> InlineConnection:
    # The busy timeout is 0: waiting for a lock is _patiently's, on the loop. check_same_thread is
    # off as aiosqlite has it: a connection is used by the one loop that opened it, but SQLAlchemy
    # may close a pooled one from elsewhere (garbage collection at exit).
    return InlineConnection(sqlite3.connect(database, timeout=0, check_same_thread=False, **kwargs), group_commit_for(database))
