"""Engine and sessions, created by app.py's cleanup context (never at import)."""
from __future__ import annotations

import asyncio
import logging
import re
import weakref
from functools import partial
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.util import await_

from . import sqlite_inline
from .group_commit import GroupCommit, group_commit_for
from .urls import normalise_database_url


def create_engine(raw_url: str) -> AsyncEngine:
    """hide_parameters: a database error's message (logged, with its traceback) names the statement but
    never its values, which are what people typed about a child (a security trial found a snooze's reason
    in the log)."""
    url = normalise_database_url(raw_url)
    if url.drivername.startswith("sqlite"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        # SQLite runs on the event loop's thread (storage.sqlite_inline: no round trip to a thread
        # per call). No rollback when a connection goes back to the pool: every session here ends
        # its own transaction (the unit of work commits or rolls back).
        engine = create_async_engine(url, async_creator=partial(sqlite_inline.connect, url.database), pool_reset_on_return=None,
                                     hide_parameters=True)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, hide_parameters=True)


def _sqlite_pragmas(connection, _record) -> None:
    # WAL lets the health check and the bot read while a turn writes; FKs are off by default in SQLite.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # NORMAL: a commit writes the log and the unit of work waits for its fsync, shared (storage.group_commit).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


log = logging.getLogger(__name__)


class SQLiteWriters:
    """Queues this process's write transactions on an SQLite database, first come first served.

    SQLite has one writer at a time. Left to race, a second writer gets SQLITE_BUSY and SQLite's
    busy handler sleeps in growing steps (up to 100 ms a go) while the lock may already be free:
    under load, card turns waited seconds (bench/RESULTS.md). Held from a transaction's first
    write (the flush, or an UPDATE/INSERT/DELETE statement), which is when SQLite takes its lock,
    to the transaction's end. Several processes on one SQLite file are not supported: use PostgreSQL.
    """

    WAIT_SECONDS = sqlite_inline.BUSY_SECONDS  # as long as a lock held elsewhere is waited for; then carry on and let SQLite decide

    def __init__(self):
        self._lock = asyncio.Lock()
        self.waiting = 0  # transactions queued for their turn to write

    def session_class(self) -> type[Session]:
        class QueuedWriterSession(Session):
            pass

        event.listen(QueuedWriterSession, "before_flush", lambda session, *_: self._writing(session))
        event.listen(QueuedWriterSession, "do_orm_execute", self._executing)
        event.listen(QueuedWriterSession, "after_transaction_end", self._ended)
        return QueuedWriterSession

    def _writing(self, session: Session) -> None:
        if "sqlite_writer" not in session.info:
            session.info["sqlite_writer"] = self if await_(self._acquire()) else None

    async def _acquire(self) -> bool:
        self.waiting += 1
        try:
            async with asyncio.timeout(self.WAIT_SECONDS):  # cancels acquire() itself, which then hands the lock on
                await self._lock.acquire()
            return True
        except TimeoutError:
            log.warning("waited %d s to write to SQLite; going ahead without the queue", self.WAIT_SECONDS)
            return False
        finally:
            self.waiting -= 1

    def _executing(self, state) -> None:
        # A SELECT ... FOR UPDATE (SQLite ignores the clause) is a read before a write: queue from it,
        # so the write that follows works on what the previous writer committed.
        locking = state.is_select and getattr(state.statement, "_for_update_arg", None) is not None
        if state.is_insert or state.is_update or state.is_delete or locking:
            self._writing(state.session)

    def _ended(self, session: Session, transaction) -> None:
        if transaction.parent is None:
            release_writer(session)


def release_writer(session: Session) -> None:
    """Hand the write lock on, if this session holds it. Called when its transaction ends and,
    belt and braces, when a unit of work closes: a turn cut off (a client gone, a cancelled task)
    between taking the lock and beginning its transaction would otherwise keep it for ever."""
    writers = session.info.pop("sqlite_writer", None)
    if writers is not None:
        writers._lock.release()


_writers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def sqlite_writers(engine: AsyncEngine) -> SQLiteWriters:
    """The one queue of writers for this SQLite database in this process."""
    return _writers.setdefault(engine.sync_engine, SQLiteWriters())


_group_commits: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def group_commit(engine: AsyncEngine) -> GroupCommit | None:
    """The SQLite database's group commit, which a unit of work waits on after committing; None on PostgreSQL
    (whose own commit returns once it is durable). Found once per engine: every unit of work asks."""
    if engine.sync_engine not in _group_commits:
        url = engine.url
        _group_commits[engine.sync_engine] = (group_commit_for(url.database) if url.drivername.startswith("sqlite") and url.database
                                              else None)
    return _group_commits[engine.sync_engine]


def session_factory(engine: AsyncEngine) -> async_sessionmaker:
    if engine.dialect.name != "sqlite":
        return async_sessionmaker(engine, expire_on_commit=False)
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=sqlite_writers(engine).session_class())


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"


def _alembic_config(url: str):
    from alembic.config import Config

    config = Config(str(ALEMBIC_INI))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["skip_logging_config"] = True  # the app's logging stays as it is
    return config


MIGRATIONS = Path(__file__).resolve().parent / "migrations" / "versions"
_REVISION_LINE = re.compile(r"""^(revision|down_revision)\s*=\s*['"]?([\w.-]+)['"]?""", re.MULTILINE)


def schema_head() -> str:
    """The revision the code expects: the one migration no other one revises. Read from the
    migration files' own `revision` and `down_revision` lines, without importing alembic, which a
    running service would otherwise hold for its whole life (12 MB) only to name its newest file.
    tests/test_storage/test_migrations.py holds it equal to alembic's own answer."""
    revisions, revised = set(), set()
    for path in MIGRATIONS.glob("*.py"):
        lines = dict(_REVISION_LINE.findall(path.read_text()))
        revisions.add(lines["revision"])
        revised.add(lines.get("down_revision"))
    heads = revisions - revised
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads ({sorted(heads)}); merge them with alembic")
    return heads.pop()


def bring_up_to_date(url: str) -> None:
    """`migrate` when the database is behind the code (first start, or after an upgrade); on every
    other start one query, and alembic is never loaded."""
    async def revision() -> str | None:
        engine = create_engine(url)
        try:
            return await schema_revision(engine)
        finally:
            await engine.dispose()

    if asyncio.run(revision()) != schema_head():
        migrate(url)


def migrate(url: str, revision: str = "head") -> None:
    """Bring the schema to `revision` (blocking: at start-up, before the app serves). On PostgreSQL
    the migration environment holds an advisory lock, so several replicas starting at once take
    turns and all but the first find nothing to do."""
    from alembic import command

    command.upgrade(_alembic_config(url), revision)


async def schema_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at; None on a database never migrated."""
    async with engine.connect() as connection:
        try:
            return (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        except Exception:  # no alembic_version table: an empty database
            return None
