"""What a reply in a thread's transaction costs, three ways, on the same SQLite schema and rows
(issue 19: whether the reply's target, 8x the EchoBot, is in reach of SQLAlchemy):

- the product's own: `ActionsFlow.apply`'s statements through the unit of work and the
  repositories (ORM reads, Core writes, the audit row at commit);
- the same statements as driver SQL through SQLAlchemy's asyncio connection (`exec_driver_sql`:
  no ORM, no compiling, SQLAlchemy's execution and its greenlet bridge only);
- the same statements on Python's `sqlite3` directly.

CPU per transaction (process time), in one process, one after another. Every variant commits with
`synchronous=NORMAL` and none waits for the group commit's fsync, so the three differ only in
what runs in Python. A benchmark, not a test: it prints, asserts nothing, and writes nothing.

    .venv/bin/python bench/transaction_costs.py [transactions]
"""
from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.seed import recorded_discussions, thread_of  # noqa: E402
from scheduling.clock import SystemClock  # noqa: E402
from storage import database  # noqa: E402
from storage import unit_of_work  # noqa: E402

THREADS = 200
WARM_UP = 100

# The reply's statements as SQL (one placeholder style: SQLite's), in the order `apply` runs them.
FIND = ("SELECT d.id, d.case_reference, d.child_initials, d.conversation_reference, d.chair_aad_id, a.id, a.number, a.status, "
        "a.due_at, a.owner_aad_object_id, a.card_activity_id FROM discussions d LEFT JOIN actions a ON a.discussion_id = d.id "
        "AND a.number = ? WHERE d.status = 'recorded' AND d.conversation_id = ? ORDER BY a.id IS NULL, d.finalised_at DESC LIMIT 1")
REPORT = ("INSERT INTO action_updates (id, action_id, status, note, by, at, activity_id, new_due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
          "ON CONFLICT (activity_id) DO NOTHING RETURNING id")
CHANGE = "UPDATE actions SET status = ?, updated_at = ?, due_at = ? WHERE id = ?"
OWED = "UPDATE obligations SET state = ?, due_at = ?, escalation_level = 0, next_attempt_at = ?, rule_source = ?, updated_at = ? WHERE key = ?"
AUDIT = "INSERT INTO audit_events (at, actor, action, subject_type, subject_id, details, correlation_id) VALUES (?, ?, ?, ?, ?, ?, ?)"


def parameters(i: int, found) -> list[tuple]:
    """The four writes' parameters for reply `i` to the discussion and action `found` (its ids)."""
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    discussion_id, action_id = found
    return [(uuid.uuid4().hex, action_id, "will_complete_by", "", "DS Bench", now, f"reply-{uuid.uuid4().hex}", now),
            ("will_complete_by", now, now, action_id),
            ("open", now, now, "A1: as agreed", now, f"{discussion_id}:action:1"),
            (now, "aad-bench-police", "action.will_complete_by", "action", action_id, json.dumps({"number": 1}), f"reply-{i}")]


async def through_the_product(sessions, i: int) -> None:
    clock = SystemClock()
    now = clock.now()
    async with unit_of_work.UnitOfWork(sessions, clock) as uow:
        discussion, action = await uow.discussions.with_action(conversation_id=thread_of(i % THREADS), number=1)
        await uow.discussions.report(action_id=action.id, status="will_complete_by", note="", by="DS Bench", at=now,
                                     activity_id=f"reply-{uuid.uuid4().hex}", new_due_at=now)
        await uow.discussions.change_action(action, status="will_complete_by", updated_at=now, due_at=now + timedelta(days=i % 20))
        uow.audit.record(actor="aad-bench-police", action="action.will_complete_by", subject_type="action", subject_id=action.id,
                         details={"discussion_id": discussion.id, "number": 1}, correlation_id=f"reply-{i}")
        await uow.obligations.change(f"{discussion.id}:action:1", state="open", due_at=now, escalation_level=0, next_attempt_at=now,
                                     rule_source="A1: as agreed", updated_at=now)
        await uow.commit()


async def through_sqlalchemy_driver_sql(engine, i: int) -> None:
    async with engine.connect() as connection:
        row = (await connection.exec_driver_sql(FIND, (1, thread_of(i % THREADS)))).first()
        report, change, owed, audit = parameters(i, (row[0], row[5]))
        (await connection.exec_driver_sql(REPORT, report)).fetchall()
        await connection.exec_driver_sql(CHANGE, change)
        await connection.exec_driver_sql(OWED, owed)
        await connection.exec_driver_sql(AUDIT, audit)
        await connection.commit()


def through_sqlite3(connection: sqlite3.Connection, i: int) -> None:
    connection.execute("BEGIN")
    row = connection.execute(FIND, (1, thread_of(i % THREADS))).fetchone()
    report, change, owed, audit = parameters(i, (row[0], row[5]))
    connection.execute(REPORT, report).fetchall()
    connection.execute(CHANGE, change)
    connection.execute(OWED, owed)
    connection.execute(AUDIT, audit)
    connection.execute("COMMIT")


async def cpu_ms(run, n: int) -> float:
    for i in range(WARM_UP):
        await run(i)
    started = time.process_time()
    for i in range(n):
        await run(i)
    return 1000 * (time.process_time() - started) / n


async def main(n: int) -> None:
    path = Path(tempfile.mkdtemp(prefix="transaction-costs-")) / "bench.db"
    url = f"sqlite+aiosqlite:///{path}"
    subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT, check=True, capture_output=True,
                   env={"PATH": "/usr/bin:/bin", "DATABASE_URL": url})
    await recorded_discussions(url, "http://127.0.0.1:9/", THREADS)
    unit_of_work.group_commit = lambda engine: None  # no variant waits for an fsync: only the Python differs
    engine = database.create_engine(url)
    sessions = database.session_factory(engine)
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA synchronous=NORMAL")

    async def on_sqlite3(i: int) -> None:
        through_sqlite3(raw, i)

    figures = {"the product (unit of work, repositories)": await cpu_ms(lambda i: through_the_product(sessions, i), n),
               "SQLAlchemy, driver SQL (exec_driver_sql)": await cpu_ms(lambda i: through_sqlalchemy_driver_sql(engine, i), n),
               "sqlite3 directly": await cpu_ms(on_sqlite3, n)}
    raw.close()
    await engine.dispose()
    floor = figures["sqlite3 directly"]
    for name, figure in figures.items():
        print(f"{name}: {figure:.3f} ms of CPU a transaction ({figure / floor:.1f}x sqlite3's)")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
