"""Durable commits on SQLite (storage.group_commit): a unit of work's commit returns only after an
fsync of the write-ahead log that began after it, one fsync serving every commit made before it
began. The fsync is the injected one, so that its moments can be held and counted; nothing sleeps."""
from __future__ import annotations

import asyncio
import os
import threading

import pytest
from sqlalchemy import text

from storage import group_commit as module
from storage.database import create_engine, session_factory
from storage.group_commit import GroupCommit, group_commit_for
from storage.unit_of_work import UnitOfWork


class HeldFsync:
    """An fsync the test lets finish: records what was committed when each began."""

    def __init__(self, group: GroupCommit | None = None, inode: int | None = 7):
        self.group, self.inode = group, inode
        self.began: list[int] = []
        self.release = threading.Event()
        self.release.set()

    def __call__(self, path: str):
        self.began.append(self.group.committed if self.group else -1)
        assert self.release.wait(10)
        return self.inode


def group(tmp_path, fsync, directories=None) -> GroupCommit:
    made = GroupCommit(str(tmp_path / "g.db"), fsync=fsync, fsync_directory=(directories if directories is not None else []).append)
    fsync.group = made
    return made


async def test_one_fsync_serves_every_commit_made_before_it_began(tmp_path):
    fsync = HeldFsync()
    commits = group(tmp_path, fsync)
    commits.note()
    commits.note()
    await asyncio.gather(commits.settled(), commits.settled())
    assert fsync.began == [2] and commits.synced == 2


async def test_a_commit_made_while_an_fsync_runs_waits_for_the_next(tmp_path):
    fsync = HeldFsync()
    commits = group(tmp_path, fsync)
    commits.note()
    fsync.release.clear()
    first = asyncio.ensure_future(commits.settled())
    while not fsync.began:  # the fsync has begun, on its thread
        await asyncio.sleep(0)
    commits.note()  # committed during it: not covered by it
    second = asyncio.ensure_future(commits.settled())
    await asyncio.sleep(0)
    fsync.release.set()
    await first  # covered by the first fsync, which began before the second commit
    await second
    assert fsync.began == [1, 2] and commits.synced == 2


async def test_nothing_to_wait_for_when_everything_is_synced_and_no_log_means_nothing_left_to_sync(tmp_path):
    fsync = HeldFsync(inode=None)  # the log is gone: a checkpoint has put it in the database, synced
    commits = group(tmp_path, fsync)
    await commits.settled()
    assert fsync.began == []
    commits.note()
    await commits.settled()
    assert commits.synced == 1


async def test_a_new_log_file_has_its_directory_entry_synced_once(tmp_path):
    directories: list = []
    fsync = HeldFsync(inode=11)
    commits = group(tmp_path, fsync, directories)
    for _ in range(2):
        commits.note()
        await commits.settled()
    assert directories == [str(tmp_path)]
    fsync.inode = 12  # the log was removed and made again
    commits.note()
    await commits.settled()
    assert directories == [str(tmp_path), str(tmp_path)]


async def test_an_fsync_that_fails_fails_the_commits_waiting_and_the_next_wait_tries_again(tmp_path):
    calls = []

    def failing(path):
        calls.append(path)
        if len(calls) == 1:
            raise OSError(5, "Input/output error")
        return 3

    commits = GroupCommit(str(tmp_path / "g.db"), fsync=failing, fsync_directory=lambda path: None)
    commits.note()
    with pytest.raises(OSError):
        await commits.settled()
    assert commits.synced == 0
    await commits.settled()
    assert commits.synced == 1 and calls == [str(tmp_path / "g.db") + "-wal"] * 2


async def test_a_unit_of_works_commit_returns_after_an_fsync_of_the_log_that_began_after_it(tmp_path, clock, monkeypatch):
    database = tmp_path / "uow.db"
    engine = create_engine(f"sqlite:///{database}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
        synchronous = (await connection.execute(text("PRAGMA synchronous"))).scalar()
    assert synchronous == 1  # NORMAL: the log is synced by the group commit, not by SQLite at each commit
    shared = group_commit_for(str(database))
    fsync = HeldFsync(shared)
    monkeypatch.setattr(shared, "_fsync", fsync)
    fsync.release.clear()

    async def write(body: str):
        async with UnitOfWork(session_factory(engine), clock) as uow:
            await uow.session.execute(text("INSERT INTO notes (body) VALUES (:body)"), {"body": body})
            await uow.commit()

    writing = asyncio.ensure_future(write("ours"))
    while not fsync.began:
        await asyncio.sleep(0)
    assert not writing.done()  # committed (readable), but not returned: the log is not synced yet
    assert fsync.began == [shared.committed]
    fsync.release.set()
    await writing
    assert shared.synced >= 1
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT body FROM notes"))).scalars().all() == ["ours"]
    await engine.dispose()


def test_the_real_fsync_syncs_the_log_and_finds_a_missing_one(tmp_path):
    log = tmp_path / "real.db-wal"
    assert module._fsync_file(str(log)) is None
    log.write_bytes(b"frames")
    assert module._fsync_file(str(log)) == os.stat(log).st_ino
    module._fsync_directory(str(tmp_path))  # does not raise on a directory
