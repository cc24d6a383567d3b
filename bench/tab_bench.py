"""The oversight tab's API with a service's worth of history: 10,000 discussions over a year and
100,000 obligations (bench/tab_bench.py; issue 18's target: each view answers in under 200 ms),
on SQLite and PostgreSQL 15. Each view is asked 20 times by a manager (who sees everything, the
largest answer) on the running app; the table gives the median and the slowest, and the ratio to
the app's own /livez on the same run (what the HTTP stack alone costs).
"""
from __future__ import annotations

import asyncio
import datetime
import random
import statistics
import sys
import time
from datetime import timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp.test_utils import TestServer  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

import app as application  # noqa: E402
from scheduling.clock import FixedClock  # noqa: E402
from settings import Settings  # noqa: E402
from storage import database  # noqa: E402
from storage.models import Action, ActionUpdate, Chase, Decision, Discussion, Obligation  # noqa: E402
from tests.conftest import migrate  # noqa: E402
from bench.databases import on_each_database  # noqa: E402
from bench.results import publish  # noqa: E402

NOW = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
DISCUSSIONS, OBLIGATIONS_EACH, ASKS = 10_000, 10, 20
VIEWS = ["/livez", "/api/tab/discussions", "/api/tab/overdue", "/api/tab/timeliness", "/api/tab/return"]


def rows() -> dict[str, list[dict]]:
    rng = random.Random(18)
    out = {"discussions": [], "obligations": [], "actions": [], "updates": [], "decisions": [], "chases": []}
    kinds = ["information_update", "action", "icpc", "s47_review", "record_distribution", "assessment", "review_discussion",
             "rsvp", "record_check", "quorum_at_risk"]
    for n in range(DISCUSSIONS):
        did = f"d{n:031d}"
        received = NOW - timedelta(days=rng.uniform(0, 365))
        held = received + timedelta(hours=rng.uniform(1, 120))
        deadline = received + timedelta(hours=rng.choice([8, 32, 80]))
        status = rng.choices(["closed", "recorded", "convened"], weights=[70, 25, 5])[0]
        out["discussions"].append(dict(
            id=did, case_reference=f"CR-{n}", child_initials="AB", profile="hackney", status=status, chair_aad_id=f"chair-{n % 40}",
            chair_name="Chair", facts={"received_at": received.isoformat()},
            assessment={"deadline_rule": {"rule": rng.choice(["serious_risk_of_harm", "default_three_working_days"])}},
            deadline=deadline, meeting_start=held, children=[], record={"quorate": rng.random() < 0.85},
            created_at=received, updated_at=held))
        if n % 3 == 0:
            out["decisions"].append(dict(id=f"x{n:031d}", discussion_id=did, child_initials="AB", kind="s47_joint", reasoning="r",
                                         created_at=held))
        out["actions"].append(dict(id=f"a{n:031d}", discussion_id=did, number=1, child_initials="AB", description="checks",
                                   owner_agency="police", owner_name="DS", due_at=held + timedelta(days=3), status="completed",
                                   created_at=held, updated_at=held + timedelta(days=2)))
        out["updates"].append(dict(id=f"u{n:031d}", action_id=f"a{n:031d}", status="completed", by="DS", at=held + timedelta(hours=rng.uniform(2, 90))))
        for k in range(OBLIGATIONS_EACH):
            due = held + timedelta(days=rng.uniform(0.5, 20))
            state = "open" if status == "convened" or (due > NOW and rng.random() < 0.5) else rng.choice(["satisfied", "satisfied", "breached"])
            oid = f"o{n:027d}{k:04d}"
            out["obligations"].append(dict(
                id=oid, key=f"{did}:{kinds[k]}:{k}", kind=kinds[k], discussion_id=did, subject_type="discussion", subject_id="1",
                owner_agency=rng.choice(["police", "health", "social_care", "education_dsl"]), due_at=due, state=state,
                rule_source="hackney", attempts=0, escalation_level=0, out_of_hours=False, snooze_reason="", next_attempt_at=due,
                created_at=held, updated_at=held + timedelta(hours=rng.uniform(1, 100))))
            if state in ("open", "breached") and due < NOW and rng.random() < 0.5:
                out["chases"].append(dict(id=f"c{n:027d}{k:04d}", key=f"{oid}:due", obligation_id=oid, stage="due",
                                          recipient="someone@example.org", channel="email", status="sent", at=due))
    return out


async def seed(url: str) -> None:
    engine = database.create_engine(url)
    data = rows()
    async with engine.begin() as connection:
        for model, name in ((Discussion, "discussions"), (Decision, "decisions"), (Action, "actions"), (ActionUpdate, "updates"),
                            (Obligation, "obligations"), (Chase, "chases")):
            for start in range(0, len(data[name]), 5_000):
                await connection.execute(insert(model), data[name][start:start + 5_000])
    async with engine.connect() as connection:
        await connection.execute(text("ANALYZE"))
        await connection.commit()
    await engine.dispose()


async def measure(url: str, data: Path) -> dict:
    await asyncio.to_thread(migrate, url)
    await seed(url)
    settings = Settings(_env_file=None, database_url=url, data_dir=data, scheduler_enabled=False, app_id="", app_password="")
    web_app = application.init_app(settings, clock=FixedClock(NOW))
    application.settle()  # as app.main and production_app do before serving
    server = TestServer(web_app, host="127.0.0.1")
    await server.start_server()
    out = {}
    async with aiohttp.ClientSession() as http:
        for view in VIEWS:
            times = []
            for _ in range(ASKS + 1):
                began = time.perf_counter()
                async with http.get(server.make_url(view)) as response:
                    await response.read()
                    assert response.status == 200, (view, response.status)
                times.append((time.perf_counter() - began) * 1000)
            times = times[1:]  # the first compiles the statements
            out[view] = (statistics.median(times), max(times))
    await server.close()
    return out


async def main() -> None:
    results = await on_each_database("tab", measure)
    lines = [f"\n## The oversight tab's API (bench/tab_bench.py), {datetime.date.today()}\n",
             f"{DISCUSSIONS:,} discussions over a year, {DISCUSSIONS * OBLIGATIONS_EACH:,} obligations, a manager's views (everything), "
             f"{ASKS} asks each after a first; ms median / slowest, and the median as a multiple of /livez on the same run. "
             "Target: every view under 200 ms.\n",
             "| database | " + " | ".join(f"`{v}`" for v in VIEWS) + " |", "|---" * (len(VIEWS) + 1) + "|"]
    for name, r in results.items():
        floor = r["/livez"][0]
        lines.append(f"| {name} | " + " | ".join(f"{r[v][0]:.1f} / {r[v][1]:.1f}" + ("" if v == "/livez" else f" ({r[v][0] / floor:.0f}x)")
                                                for v in VIEWS) + " |")
    table = "\n".join(lines) + "\n"
    publish(table)


if __name__ == "__main__":
    asyncio.run(main())
