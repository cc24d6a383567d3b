"""Crash trials: the service (`python app.py`, a process of its own) is killed with SIGKILL at a
random moment while it convenes, finalises and sweeps, then started again on the same database,
on SQLite and on PostgreSQL. After each restart the trial does what a chair or the scheduler
would (the outbox's claims run out, the sweep runs, the chair presses again) and counts:

- stuck discussions (still `convening`, or `recording` after Finalise);
- lost obligations (an invitee's reply or records check, an action's chase, never created);
- duplicate actions, decisions and invitees, and duplicate posts in the thread;
- duplicate emails (every .eml the local mailer writes is one email; a second copy is .copyN);
- Teams messages sent twice, and how many of those the audit trail counted as repeated after a
  crash (the one-message window the README promises).

Usage: python bench/crash_trials.py [trials per phase, default 20]. Appends to bench/RESULTS.md.
Real processes, real signals, real waiting: this is a bench, not a test (nothing here is asserted).
"""
from __future__ import annotations

import asyncio
import datetime
import os
import random
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from sqlalchemy import select  # noqa: E402

from storage import database  # noqa: E402
from storage.directory import example_path  # noqa: E402
from storage.models import AuditEvent, Boot, Chase, Discussion, Effect, Obligation  # noqa: E402
from storage.unit_of_work import UnitOfWork  # noqa: E402
from scheduling.clock import FixedClock  # noqa: E402
from tests.conftest import migrate  # noqa: E402
from tests.support.connector import FakeConnector  # noqa: E402
from tests.support.postgres import TemporaryPostgres  # noqa: E402
from tests.test_bot.chair import Chair, texts_of  # noqa: E402

TUESDAY_10 = "2027-06-01T10:00:00+01:00"  # a working day; the record's actions fall due on Thursday
THURSDAY_10 = "2027-06-03T10:00:00+01:00"
AFTER_CLAIMS = datetime.timedelta(minutes=6)  # longer than the outbox's and the sweep's claims
CHILD = {"case_reference": "", "initials": "AB", "dob": "2016-05-04", "education_setting": "Example Primary"}
PLAN = {"seen_alone": "Tomorrow at school", "shared_with_family": "The s47 decision", "legal_action": "None at present",
        "cp_medical": "true"}
TEAMS_OWNER = ("police", "DS Pat Placeholder", "cait.ds@hackney.example.org")  # in the directory, reachable in Teams
EMAIL_OWNER = ("education_dsl", "Ms Avery, DSL", "dsl.outside@school.example.org")  # outside the tenant: email


class Service:
    """One life of the service after another, on the same database and data folder."""

    def __init__(self, url: str, data: Path, connector: FakeConnector, port: int):
        self.url, self.data, self.connector, self.port = url, data, connector, port
        self.process: subprocess.Popen | None = None
        self.http: aiohttp.ClientSession | None = None
        self.now = datetime.datetime.fromisoformat(TUESDAY_10)
        self.claims_waiting = 0  # effects the killed process held that the restart did not hand back

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        contacts = self.data / "contacts.yaml"
        if not contacts.exists():
            contacts.write_text(example_path("hackney").read_text().replace(
                "    email: cait.ds@hackney.example.org\n", "    email: cait.ds@hackney.example.org\n    aad_object_id: aad-police-ds\n"))
        env = {**os.environ, "DATABASE_URL": self.url, "DATA_DIR": str(self.data), "PORT": str(self.port), "HOST": "127.0.0.1",
               "SCHEDULER_ENABLED": "false", "CONTACTS_FILE": str(contacts), "MICROSOFT_APP_ID": "", "LOG_LEVEL": "WARNING"}
        log = open(self.data / "service.log", "ab")
        self.process = subprocess.Popen([sys.executable, str(ROOT / "app.py")], env=env, stdout=log, stderr=log, cwd=ROOT)
        self.http = self.http or aiohttp.ClientSession()
        for _ in range(200):
            try:
                async with self.http.get(f"{self.base}/healthz") as response:
                    if response.status == 200:
                        break
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
        else:
            raise RuntimeError("the service did not start: see service.log")
        await self.travel(self.now)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    async def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait()
        if self.http:
            await self.http.close()

    async def travel(self, moment: datetime.datetime) -> None:
        self.now = moment
        async with self.http.post(f"{self.base}/_debug/clock", params={"at": moment.isoformat()}) as response:
            assert response.status == 200, await response.text()

    async def sweep(self) -> None:
        """The scheduler's sweeps over the next minutes: until one finds nothing more to chase (a
        sweep takes at most 200 obligations, and earlier trials leave a backlog)."""
        for _ in range(6):
            async with self.http.post(f"{self.base}/_debug/sweep") as response:
                assert response.status == 200, await response.text()

    async def post(self, activity: dict):
        response = await self.http.post(f"{self.base}/api/messages", json=activity)
        await response.read()
        return response

    async def restart_after_kill(self) -> None:
        await self.start()
        self.claims_waiting += await claims_waiting(self.url, self.now, alive=self.process.pid)
        await self.travel(self.now + AFTER_CLAIMS)  # what the dead process had claimed is free again
        await self.sweep()  # the scheduler's sweep: chases, and every effect that is due (outbox.settle)


async def kill_during(service: Service, work, *, within: float) -> None:
    """Start `work` (requests to the service) and SIGKILL the service at a random moment in it."""
    task = asyncio.ensure_future(work)
    await asyncio.sleep(random.uniform(0, within))
    service.kill()
    await asyncio.gather(task, return_exceptions=True)  # the requests in flight fail: the process is gone


async def convene(service: Service, reference: str, *, channel: bool) -> Chair:
    await service.travel(datetime.datetime.fromisoformat(TUESDAY_10))  # every trial starts on Tuesday morning
    # A chair of its own per trial: a draft a killed trial left behind is not resumed by the next one.
    chair = Chair(service, conversation="channel" if channel else "personal", aad_id=f"aad-{reference}", user_id=f"29:{reference}")
    await chair.strategy()
    if channel:
        await chair.press("convene.open")
    for answers in ({**CHILD, "case_reference": reference}, {"concerns": "physical_abuse", "received_time": "09:30"}, {},
                    {"slot": "other", "other_date": "2027-06-01", "other_time": "14:00"}):
        card = await chair.press("convene.next", answers)
        assert "⚠" not in texts_of(card), texts_of(card)
    return chair


async def record_to_finalise(service: Service, chair: Chair, actions: int) -> None:
    chair.card = await chair.press("record.open", keep_inputs=False)
    answers = {"2 of 10": {"household": "Mother"}, "3 of 10": {"reason": "Injury", "purpose": "s47"},
               "4 of 10": {"concerns": "Bruising", "severity": "Significant", "impact": "Pain"},
               "5 of 10": {"background": "Known", "risk": "Injury", "protective": "Gran", "whereabouts": "School"}, "7 of 10": PLAN,
               "9 of 10": {}}
    while "10 of 10" not in texts_of(chair.card):
        words = texts_of(chair.card)
        if "1 of 10" in words:
            from tests.test_bot.chair import inputs_of

            marks = inputs_of(chair.card)
            await chair.press("record.next", {**{k: "attended" for k in marks if k.startswith("attendance_")},
                                              **{k: "true" for k in marks if k.startswith("researched_")}})
        elif "6 of 10" in words:
            await chair.press("record.add_decision", {"decision_child": "AB", "decision_kind": "s47_joint",
                                                      "decision_reasoning": "Unexplained injury; joint with police"})
            await chair.press("record.next")
        elif "8 of 10" in words:
            for number in range(1, actions + 1):
                agency, owner, email = TEAMS_OWNER if number % 2 else EMAIL_OWNER
                await chair.press("record.add_action", {"action_child": "AB", "action_what": f"Action number {number}",
                                                        "action_agency": agency, "action_owner": owner, "action_email": email,
                                                        "action_due": "2 working days"})
            await chair.press("record.next", keep_inputs=False)
        else:
            step = next((v for k, v in answers.items() if k in words), None)
            if step is None:
                raise RuntimeError(f"unexpected card: {chair.card}")
            await chair.press("record.next", step)
        assert "⚠" not in texts_of(chair.card), texts_of(chair.card)


class Tally:
    def __init__(self):
        self.counts = Counter()

    def add(self, name: str, value: int = 1) -> None:
        self.counts[name] += value


async def inspect(url: str, discussion_id: str, tally: Tally, *, expect: str, actions: int = 0, chased: int = 0) -> None:
    engine = database.create_engine(url)
    sessions = database.session_factory(engine)
    async with UnitOfWork(sessions, FixedClock(datetime.datetime.now(datetime.timezone.utc))) as uow:
        discussion = await uow.discussions.get(discussion_id)
        owed = await uow.obligations.for_discussion(discussion_id)
        if discussion.status in ("convening", "recording") or discussion.status != expect:
            tally.add("stuck discussions")
        people = Counter((i.agency, i.email.lower()) for i in discussion.invitations)
        tally.add("duplicate invitees", sum(n - 1 for n in people.values()))
        if discussion.status in ("convened", "recorded"):
            keys = {o.key for o in owed}
            wanted = {f"{discussion_id}:rsvp:{i.id}" for i in discussion.invitations} | {f"{discussion_id}:quorum_at_risk"}
            if expect == "recorded":
                wanted |= {f"{discussion_id}:action:{n}" for n in range(1, actions + 1)}
            tally.add("lost obligations", len(wanted - keys))
        if expect == "recorded":
            numbers = Counter(a.number for a in discussion.actions)
            tally.add("duplicate actions", sum(n - 1 for n in numbers.values()) + max(0, len(discussion.actions) - actions))
            tally.add("lost actions", actions - len(numbers))
            tally.add("duplicate decisions", max(0, len(discussion.decisions) - 1))
        pending = (await uow.session.execute(select(Effect).where(Effect.discussion_id == discussion_id,
                                                                   Effect.state == "pending"))).scalars().all()
        tally.add("effects left undelivered", len(pending))
        tally.add("effects failed", len((await uow.session.execute(select(Effect).where(
            Effect.discussion_id == discussion_id, Effect.state == "failed"))).scalars().all()))
        queued = (await uow.session.execute(select(Chase).join(Obligation, Obligation.id == Chase.obligation_id).where(
            Obligation.discussion_id == discussion_id, Chase.status != "sent"))).scalars().all()
        tally.add("chases not sent", len(queued))
        if chased:  # every action due today had its "due" chase, once
            sent = (await uow.session.execute(select(Chase).join(Obligation, Obligation.id == Chase.obligation_id).where(
                Obligation.discussion_id == discussion_id, Obligation.kind == "action", Chase.stage == "due",
                Chase.status == "sent"))).scalars().all()
            tally.add("chases sent", len(sent))
            tally.add("lost chases", chased - len(sent))
    await engine.dispose()


async def claims_waiting(url: str, killed_at: datetime.datetime, *, alive: int) -> int:
    """Effects still claimed, as the service answers after its restart, until after the moment of the
    kill, by a process other than the one now running (`alive`, whose own deliveries may be under
    way): the killed process's claims, which the restart should have handed back (bot/boots.py)."""
    engine = database.create_engine(url)
    async with engine.connect() as connection:
        live = select(Boot.id).where(Boot.pid == alive)
        rows = (await connection.execute(select(Effect.id).where(
            Effect.state == "pending", Effect.claimed_by.is_not(None), Effect.claimed_by.not_in(live),
            Effect.next_attempt_at > killed_at))).all()
    await engine.dispose()
    return len(rows)


async def repeats_counted(url: str) -> tuple[int, int]:
    """(Teams messages the audit trail counts as repeated after a crash, effects of any kind whose
    attempt a kill cut short: how often the kills landed mid-delivery)."""
    engine = database.create_engine(url)
    async with engine.connect() as connection:
        rows = (await connection.execute(select(AuditEvent.id).where(AuditEvent.action == "effect.repeated_after_crash"))).all()
        cut = (await connection.execute(select(Effect.id).where(Effect.uncertain.is_(True)))).all()
    await engine.dispose()
    return len(rows), len(cut)


def teams_duplicates(connector: FakeConnector) -> int:
    """Messages posted twice (the same content to the same conversation; personal chats by member)."""
    members = {c["id"]: c["members"][0]["id"] for c in connector.conversations}
    seen = Counter()
    for activity in connector.sent:
        if activity["_method"] != "POST":
            continue
        where = members.get(activity["_conversation_id"], activity["_conversation_id"])
        content = activity.get("text") or str((activity.get("attachments") or [{}])[0].get("content"))
        seen[(where, content)] += 1
    return sum(n - 1 for n in seen.values())


def duplicate_emails(data: Path) -> int:
    return len(list((data / "outbox").glob("*.copy*.eml")))


async def trials(name: str, url: str, data: Path, count: int) -> dict:
    connector = FakeConnector()
    await connector.start()
    service = Service(url, data, connector, port=_free_port())
    tally = Tally()
    try:
        await service.start()
        for trial in range(count):  # 1. killed while the meeting is created; the chair presses Create again
            chair = await convene(service, f"CV-{trial}", channel=False)
            await kill_during(service, chair.press("convene.confirm"), within=0.15)
            await service.restart_after_kill()
            await chair.press("convene.confirm")
            await service.sweep()
            await inspect(url, chair.discussion_id, tally, expect="convened")
            tally.add("convening trials")
        for trial in range(count):  # 2. killed as Finalise is pressed twice at once; the chair presses it again
            chair = await convene(service, f"FN-{trial}", channel=True)
            await chair.press("convene.confirm")
            await service.sweep()
            await record_to_finalise(service, chair, actions=3)
            presses = [chair.invoke("record.finalise", keep_inputs=False) for _ in range(2)]
            await kill_during(service, asyncio.gather(*(service.post(p) for p in presses)), within=0.25)
            await service.restart_after_kill()
            await chair.press("record.finalise", keep_inputs=False)
            await service.sweep()
            await inspect(url, chair.discussion_id, tally, expect="recorded", actions=3)
            tally.add("finalising trials")
        for trial in range(count):  # 3. killed during the sweep that chases six actions due today
            chair = await convene(service, f"SW-{trial}", channel=True)
            await chair.press("convene.confirm")
            await service.sweep()
            await record_to_finalise(service, chair, actions=6)
            await chair.press("record.finalise", keep_inputs=False)
            await service.sweep()
            await service.travel(datetime.datetime.fromisoformat(THURSDAY_10))
            await kill_during(service, service.sweep(), within=0.3)
            await service.restart_after_kill()
            await inspect(url, chair.discussion_id, tally, expect="recorded", actions=6, chased=6)
            tally.add("sweeping trials")
        tally.add("Teams messages sent twice", teams_duplicates(connector))
        counted, cut = await repeats_counted(url)
        tally.add("of which counted as repeated after a crash", counted)
        tally.add("effects whose attempt a kill cut short", cut)
        tally.add("duplicate emails", duplicate_emails(data))
        tally.add("claims left waiting at restart", service.claims_waiting)
    finally:
        await service.stop()
        await connector.close()
    print(name, dict(tally.counts), flush=True)
    return dict(tally.counts)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def main(count: int) -> None:
    random.seed(11)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/crash.db"
        await asyncio.to_thread(migrate, url)
        results["SQLite"] = await trials("SQLite", url, Path(folder), count)
    server = TemporaryPostgres().start()
    try:
        import asyncpg

        connection = await asyncpg.connect(f"postgresql://strategy@127.0.0.1:{server.port}/postgres")
        await connection.execute('CREATE DATABASE "crash"')
        await connection.close()
        url = server.url("crash")
        await asyncio.to_thread(migrate, url)
        with tempfile.TemporaryDirectory() as folder:
            results["PostgreSQL 15"] = await trials("PostgreSQL 15", url, Path(folder), count)
    finally:
        server.stop()
    rows = ["convening trials", "finalising trials", "sweeping trials", "stuck discussions", "lost obligations", "lost actions",
            "duplicate invitees", "duplicate actions", "duplicate decisions", "effects left undelivered", "effects failed",
            "chases sent", "lost chases", "chases not sent", "duplicate emails", "Teams messages sent twice", "of which counted as repeated after a crash",
            "effects whose attempt a kill cut short", "claims left waiting at restart"]
    table = (f"\n### Crash trials (bench/crash_trials.py), {datetime.date.today()}\n\n"
             f"SIGKILL at a random moment while convening (0-150 ms after Create), finalising (0-250 ms after two Finalise "
             f"presses at once) and sweeping (0-300 ms into a sweep chasing six actions), {count} trials each, then a restart "
             "on the same database (the killed process's claims on effects are handed back as it starts; those left waiting "
             "are counted), the clock moved past every claim, a sweep, and the chair pressing again.\n\n"
             f"| | {' | '.join(results)} |\n|---|{'---|' * len(results)}\n"
             + "\n".join(f"| {row} | {' | '.join(str(r.get(row, 0)) for r in results.values())} |" for row in rows) + "\n")
    print(table)
    if os.environ.get("BENCH_WRITE", "1") != "0":
        with open(ROOT / "bench" / "RESULTS.md", "a") as out:
            out.write(table)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20))
