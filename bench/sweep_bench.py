"""The chasers at scale: 100,000 open obligations of which 1,000 are due, on SQLite and on a
throw-away PostgreSQL 15. Measures the due-query (the claim that finds what is due) and whole
sweeps through the real Chaser until the 1,000 are chased (by email to .eml files: nothing is
sent): time, statements issued and memory. Results go to bench/RESULTS.md; nothing is asserted."""
from __future__ import annotations

import asyncio
import datetime
import sys
import time
import tracemalloc
from datetime import timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, insert, text  # noqa: E402

import app as application  # noqa: E402
from bot.mailer import FileMailer  # noqa: E402
from scheduling.clock import FixedClock  # noqa: E402
from settings import Settings  # noqa: E402
from storage import database  # noqa: E402
from storage.models import Discussion, Invitation, Obligation  # noqa: E402
from storage.unit_of_work import UnitOfWork  # noqa: E402
from tests.conftest import migrate  # noqa: E402
from bench.databases import on_each_database  # noqa: E402
from bench.results import publish  # noqa: E402

NOW = datetime.datetime(2027, 6, 1, 10, 0, tzinfo=timezone.utc)  # a Tuesday, 11:00 in London: chasing hours
TOTAL, DUE, DISCUSSIONS = 100_000, 1_000, 250


def seed_rows() -> tuple[list[dict], list[dict], list[dict]]:
    """250 recorded discussions with police invited; 1,000 information updates overdue (four police
    officers a discussion), and 99,000 obligations not due for a month."""
    discussions, invitations, obligations = [], [], []
    for d in range(DISCUSSIONS):
        discussions.append(dict(id=f"d{d:031d}", case_reference=f"CR-{d}", child_initials="AB", profile="hackney", status="recorded",
                                chair_aad_id="aad-chair", chair_name="Sam Chair", facts={}, children=[],
                                created_at=NOW - timedelta(days=2), updated_at=NOW))
        for officer in range(DUE // DISCUSSIONS):
            invitations.append(dict(id=f"i{d:027d}{officer:04d}", discussion_id=f"d{d:031d}", agency="police",
                                    name=f"DS {officer}", email=f"ds{officer}@police.example", required=True))
    for n in range(TOTAL):
        due = n < DUE
        discussion = f"d{n % DISCUSSIONS:031d}"
        obligations.append(dict(
            id=f"{n:032d}", key=f"{discussion}:info:ds{n // DISCUSSIONS}@police.example" if due else f"later-{n}",
            kind="information_update", discussion_id=discussion, subject_type="invitation", subject_id="-", owner_agency="police",
            due_at=NOW - timedelta(hours=1) if due else NOW + timedelta(days=30),
            next_attempt_at=NOW - timedelta(hours=1) if due else NOW + timedelta(days=29),
            created_at=NOW - timedelta(days=1), updated_at=NOW, state="open", rule_source="", attempts=0, escalation_level=0,
            out_of_hours=False, snooze_reason=""))
    return discussions, invitations, obligations


async def seed(url: str) -> None:
    engine = database.create_engine(url)
    discussions, invitations, obligations = seed_rows()
    async with engine.begin() as connection:
        await connection.execute(insert(Discussion), discussions)
        await connection.execute(insert(Invitation), invitations)
        for start in range(0, TOTAL, 10_000):
            await connection.execute(insert(Obligation), obligations[start:start + 10_000])
    async with engine.connect() as connection:  # fresh statistics, as autovacuum (or SQLite's ANALYZE) keeps them
        await connection.execute(text("ANALYZE"))
        await connection.commit()
    await engine.dispose()


def counting(engine) -> list:
    statements: list = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    return statements


async def claim(sessions, at) -> list[str]:
    async with UnitOfWork(sessions, FixedClock(at)) as uow:
        ids = await uow.obligations.claim_due(at, until=at + timedelta(minutes=5), limit=DUE)
        await uow.commit()
    return ids


async def measure_claim(url: str) -> dict:
    engine = database.create_engine(url)
    sessions = database.session_factory(engine)
    await database.ping(engine)  # a sweep runs on a warm pool: connecting is not part of its cost
    started = time.perf_counter()
    assert await claim(sessions, NOW - timedelta(days=2)) == []  # the first sweep after start-up: nothing due yet
    cold = time.perf_counter() - started  # mostly SQLAlchemy compiling the statement, once a process
    statements = counting(engine)
    started = time.perf_counter()
    claimed = await claim(sessions, NOW)
    elapsed = time.perf_counter() - started
    count = len(statements)
    tracemalloc.start()  # a second claim, once the first has run out, for memory (tracing slows it)
    await claim(sessions, NOW + timedelta(minutes=6))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    await engine.dispose()
    return {"claimed": len(claimed), "claim_ms": elapsed * 1000, "cold_ms": cold * 1000, "claim_statements": count,
            "claim_kib": peak / 1024}


async def measure_sweeps(url: str, data: Path) -> dict:
    """Whole sweeps through the app's own Chaser, as the scheduler runs them, until nothing is due."""
    clock = FixedClock(NOW + timedelta(minutes=12))  # the claims above have run out
    settings = Settings(_env_file=None, database_url=url, data_dir=data, scheduler_enabled=False, app_id="", app_password="")
    web_app = application.init_app(settings, clock=clock, mailer=FileMailer(data / "outbox"))
    (data / "outbox").mkdir(parents=True, exist_ok=True)
    statements = counting(web_app[application.ENGINE])
    passes, sent, started, peak = [], 0, time.perf_counter(), 0
    while sent < DUE and len(passes) < 20:
        last = sent >= DUE - 200
        if last:  # the last pass traced for memory (tracing slows it: its time is not in the table)
            tracemalloc.start()
        began = time.perf_counter()
        sent += await web_app[application.CHASER].sweep()
        if last:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        else:
            passes.append(time.perf_counter() - began)
        clock.advance(minutes=1)  # the scheduler's next pass
    elapsed = sum(passes)
    await web_app[application.ENGINE].dispose()
    return {"sent": sent, "passes": len(passes) + 1, "pass_ms": sum(passes) / len(passes) * 1000,
            "chase_ms": elapsed / (sent - 200) * 1000, "sweep_statements": len(statements) / sent, "pass_kib": peak / 1024}


async def run(url: str, data: Path) -> dict:
    await asyncio.to_thread(migrate, url)
    await seed(url)
    return {**await measure_claim(url), **await measure_sweeps(url, data)}


async def main() -> None:
    results = await on_each_database("sweep", run)
    table = (f"\n## Sweep (bench/sweep_bench.py), {datetime.date.today()}\n\n"
             f"{TOTAL:,} open obligations, {DUE:,} of them due (information updates, 4 officers on each of {DISCUSSIONS} "
             "discussions). The due-query: one claim of up to 1,000 on a warm connection, as every sweep after the first "
             "runs it (the first compiles the statement). The sweeps: the app's own "
             "Chaser, 200 a pass as the scheduler runs it, until nothing is left, each chase an .eml file.\n\n"
             "| database | due found | due-query ms | its statements | its peak Python KiB | first query after start-up ms | "
             "chases sent | passes | ms a pass (200 chases) | ms a chase | statements a chase | peak Python KiB in a pass |\n"
             "|---|---|---|---|---|---|---|---|---|---|---|---|\n"
             + "\n".join(f"| {name} | {r['claimed']} | {r['claim_ms']:.1f} | {r['claim_statements']} | {r['claim_kib']:.0f} | "
                         f"{r['cold_ms']:.1f} | "
                         f"{r['sent']} | {r['passes']} | {r['pass_ms']:.0f} | {r['chase_ms']:.1f} | {r['sweep_statements']:.1f} | "
                         f"{r['pass_kib']:,.0f} |" for name, r in results.items()) + "\n")
    publish(table)


if __name__ == "__main__":
    asyncio.run(main())
