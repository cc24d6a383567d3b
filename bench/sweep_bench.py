"""The chasers' due-query at scale: 100,000 open obligations of which 1,000 are due, on SQLite and
on a throw-away PostgreSQL 15. Times the claim (the query that finds what is due) and counts the
statements it issues. Results go to bench/RESULTS.md; nothing is asserted."""
from __future__ import annotations

import asyncio
import datetime
import os
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, insert  # noqa: E402

from scheduling.clock import FixedClock  # noqa: E402
from storage import database  # noqa: E402
from storage.models import Discussion, Obligation  # noqa: E402
from storage.unit_of_work import UnitOfWork  # noqa: E402
from tests.conftest import migrate  # noqa: E402
from tests.support.postgres import TemporaryPostgres  # noqa: E402

NOW = datetime.datetime(2027, 6, 1, 10, 0, tzinfo=timezone.utc)
TOTAL, DUE = 100_000, 1_000


async def run(url: str) -> dict:
    await asyncio.to_thread(migrate, url)
    engine = database.create_engine(url)
    statements = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    async with engine.begin() as connection:
        await connection.execute(insert(Discussion), [dict(id="d" * 32, case_reference="CR", child_initials="AB", profile="hackney",
                                                           status="recorded", chair_aad_id="c", facts={}, children=[],
                                                           created_at=NOW, updated_at=NOW)])
        rows = [dict(id=f"{n:032d}", key=f"k{n}", kind="action", discussion_id="d" * 32, subject_type="action",
                     subject_id="1", due_at=NOW + (timedelta(hours=-1) if n < DUE else timedelta(days=30)),
                     next_attempt_at=NOW - timedelta(hours=1) if n < DUE else NOW + timedelta(days=29), created_at=NOW, updated_at=NOW,
                     state="open", rule_source="", attempts=0, escalation_level=0, out_of_hours=False, snooze_reason="")
                for n in range(TOTAL)]
        for start in range(0, TOTAL, 10_000):
            await connection.execute(insert(Obligation), rows[start:start + 10_000])
    sessions = database.session_factory(engine)
    await database.ping(engine)  # a sweep runs on a warm pool: connecting is not part of its cost
    timings = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *args: timings.append(time.perf_counter()))
    event.listen(engine.sync_engine, "after_cursor_execute", lambda *args: timings.append(time.perf_counter()))
    statements.clear()
    tracemalloc.start()
    started = time.perf_counter()
    async with UnitOfWork(sessions, FixedClock(NOW)) as uow:
        claimed = await uow.obligations.claim_due(NOW, until=NOW + timedelta(minutes=5), limit=DUE)
        await uow.commit()
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    await engine.dispose()
    print([round((b - a) * 1000, 1) for a, b in zip(timings[::2], timings[1::2])], file=sys.stderr)
    return {"claimed": len(claimed), "ms": elapsed * 1000, "statements": len(statements), "peak_kib": peak / 1024}


async def main() -> None:
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        results["SQLite"] = await run(f"sqlite+aiosqlite:///{folder}/sweep.db")
    server = TemporaryPostgres().start()
    try:
        import asyncpg

        connection = await asyncpg.connect(f"postgresql://strategy@127.0.0.1:{server.port}/postgres")
        await connection.execute('CREATE DATABASE "sweep"')
        await connection.close()
        results["PostgreSQL 15"] = await run(server.url("sweep"))
    finally:
        server.stop()
    table = (f"\n## Sweep due-query (bench/sweep_bench.py), {datetime.date.today()}\n\n"
             f"{TOTAL:,} open obligations, {DUE:,} of them due; one claim of up to {DUE:,} (the sweep's first query and its update).\n\n"
             "| database | claimed | time ms | statements | peak Python memory KiB |\n|---|---|---|---|---|\n"
             + "\n".join(f"| {name} | {r['claimed']} | {r['ms']:.1f} | {r['statements']} | {r['peak_kib']:.0f} |"
                         for name, r in results.items()) + "\n")
    print(table)
    if os.environ.get("BENCH_WRITE", "1") == "0":
        return
    with open(ROOT / "bench" / "RESULTS.md", "a") as out:
        out.write(table)


if __name__ == "__main__":
    asyncio.run(main())
