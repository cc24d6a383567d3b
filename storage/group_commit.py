"""Durable commits on SQLite, one fsync shared by the commits of the moment (group commit).

With `synchronous=FULL` every commit fsyncs the write-ahead log on the event loop's thread:
0.1-0.2 ms here in which no other turn runs, paid by each commit in turn (bench/RESULTS.md).
Instead the connections commit with `synchronous=NORMAL` (the log is written, not yet synced)
and the unit of work does not return from `commit()` until an fsync of the log that began after
its commit has finished. One fsync, on a thread of its own, covers every commit made before it
began; the commits made while it runs wait for the next. So nothing is answered, sent or put in
the outbox on a commit that a power cut could still take back: the same promise as FULL, which
is also why a unit of work that only read waits for the commits it may have seen.

What SQLite itself does with NORMAL in WAL mode keeps this sound: a checkpoint syncs the log
before copying it into the database and the database after, and the log is only restarted or
removed once it is in the database; so an fsync of the log file, or finding it gone, is enough.
A SIGKILL never loses a commit either way (the log is in the operating system's cache).
"""
from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# One thread for every database's fsyncs: they are rare (one per batch of commits) and a thread each
# would leave one behind for every database a process ever opens (the tests open hundreds).
_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-fsync")


def _fsync_file(path: str) -> int | None:
    """fsync the file at `path`; its inode, or None when it does not exist (nothing left to sync)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        os.fsync(descriptor)
        return os.fstat(descriptor).st_ino
    finally:
        os.close(descriptor)


def _fsync_directory(path: str) -> None:
    descriptor = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class GroupCommit:
    """The commits made on one SQLite database by this process, and how many are on disk."""

    def __init__(self, database: str, *, fsync=_fsync_file, fsync_directory=_fsync_directory):
        self.log = database + "-wal"
        self._directory = str(Path(database).parent)
        self._fsync, self._fsync_directory = fsync, fsync_directory
        self.committed = 0  # commits made (counted as each returns)
        self.synced = 0  # of them, how many an fsync has covered
        self._syncing: asyncio.Future | None = None
        self._inode: int | None = None  # the log file last synced: a new one's directory entry is synced too

    def note(self) -> None:
        """A transaction that wrote has just committed (storage.sqlite_inline)."""
        self.committed += 1

    async def settled(self) -> None:
        """Return once every commit made so far is on disk."""
        wanted = self.committed
        while self.synced < wanted:
            syncing = self._syncing
            if syncing is None or syncing.done() or syncing.get_loop() is not asyncio.get_running_loop():
                syncing = self._syncing = asyncio.ensure_future(self._sync())
            await asyncio.shield(syncing)  # a turn given up on does not cancel the sync the others wait for

    async def _sync(self) -> None:
        covers = self.committed  # every commit made before the fsync begins
        loop = asyncio.get_running_loop()
        inode = await loop.run_in_executor(_THREAD, self._fsync, self.log)
        if inode is not None and inode != self._inode:  # a log created since: its name, too, must survive a power cut
            await loop.run_in_executor(_THREAD, self._fsync_directory, self._directory)
            self._inode = inode
        self.synced = max(self.synced, covers)


_group_commits: dict[str, GroupCommit] = {}


def group_commit_for(database: str) -> GroupCommit:
    """The one GroupCommit for this database file in this process (its connections and its units of work share it)."""
    key = os.path.realpath(database)
    found = _group_commits.get(key)
    if found is None:
        found = _group_commits[key] = GroupCommit(key)
    return found
