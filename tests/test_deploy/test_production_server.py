"""The container image's own start command, run for real: this machine cannot pull base images, so
the Dockerfile's install steps build a clean virtualenv, its COPY lines lay out the app folder, and
its CMD (gunicorn, two aiohttp workers) serves against PostgreSQL. Checked as a council's IT team
would: turns are answered, each chase goes once although both workers sweep, and SIGTERM lets
every accepted turn finish and its effects go out before the workers exit."""
from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, insert, select

from storage import database
from storage.models import Action, Chase, Discussion, Effect, Invitation, Obligation
from tests.support.connector import FakeConnector

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (instruction, argument) pairs, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            pairs.append((word.upper(), rest.strip()))
    return pairs


def image_env() -> dict[str, str]:
    env = {}
    for word, rest in instructions():
        if word == "ENV":
            env.update(pair.split("=", 1) for pair in shlex.split(rest))
    return env


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> tuple[Path, Path]:
    """(the app folder as the image lays it out, the clean virtualenv its install steps built)."""
    root = tmp_path_factory.mktemp("image")
    app, venv = root / "app", root / "venv"
    app.mkdir()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {**os.environ, **image_env(), "PATH": f"{venv / 'bin'}:{os.environ['PATH']}"}
    env.pop("PIP_NO_CACHE_DIR")  # the same steps; pip's cache only spares this machine downloading them again
    for word, rest in instructions():
        if word == "COPY":
            *sources, target = rest.split()
            for source in sources:
                origin = ROOT / source
                destination = app / (target if target != "./" else origin.name)
                if origin.is_dir():
                    shutil.copytree(origin, destination, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    shutil.copy(origin, destination if target != "./" else app / origin.name)
        elif word == "RUN" and "pip install" in rest:
            # Run where the image has its requirements (COPY'd into /app first).
            result = subprocess.run(rest, shell=True, cwd=app, env=env, capture_output=True, text=True)
            assert result.returncode == 0, result.stderr[-2000:]
    return app, venv


def start_command() -> list[str]:
    [cmd] = [json.loads(rest) for word, rest in instructions() if word == "CMD"]
    return cmd


def test_the_image_runs_gunicorn_as_a_non_root_user_with_a_health_check_on_readiness():
    pairs = instructions()
    assert start_command()[0] == "gunicorn"
    [user] = [rest for word, rest in pairs if word == "USER"]
    assert user not in ("root", "0")
    [health] = [rest for word, rest in pairs if word == "HEALTHCHECK"]
    assert "/readyz" in health
    assert image_env()["HOST"] == "0.0.0.0" and pairs[0][0] == "FROM" and "slim" in pairs[0][1]


@pytest.mark.parametrize("host", ["image", None], ids=["image-HOST", "no-HOST"])
def test_the_image_started_without_credentials_stops_with_one_line_instead_of_serving_the_network(image, tmp_path, host):
    """A privacy trial: the image listens on 0.0.0.0 (its HOST); without MICROSOFT_APP_ID it served the
    tab's API and /_debug to anyone on the network, without sign-in. With no HOST at all gunicorn.conf.py
    still binds 0.0.0.0, where the settings' HOST would say 127.0.0.1: what gunicorn binds is judged."""
    app, venv = image
    env = {**os.environ, **image_env(), "PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "DATA_DIR": str(tmp_path),
           "PORT": str(_free_port()), "MICROSOFT_APP_ID": "", "PYTHONPATH": ""}
    if host is None:
        del env["HOST"]
    result = subprocess.run(start_command(), cwd=app, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (  # after gunicorn's own "Starting gunicorn"
        "strategy-bot: configuration error: HOST: local mode (no MICROSOFT_APP_ID) accepts requests without authentication, "
        "so it listens on 127.0.0.1, ::1 or localhost only, not 0.0.0.0; set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD, "
        "or HOST=127.0.0.1, or LOCAL_MODE_ON_NETWORK=yes to serve it there anyway")
    assert not (tmp_path / "strategy-bot.db").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The image's CMD in its app folder, with the image's ENV, on a port of its own."""

    def __init__(self, app: Path, venv: Path, url: str, data: Path):
        self.app, self.venv, self.url, self.data = app, venv, url, data
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**os.environ, **image_env(), "PATH": f"{self.venv / 'bin'}:{os.environ['PATH']}", "DATABASE_URL": self.url,
               "DATA_DIR": str(self.data), "PORT": str(self.port), "HOST": "127.0.0.1", "MICROSOFT_APP_ID": "",
               "SWEEP_SECONDS": "5", "OUTBOX_SECONDS": "1", "GRACEFUL_TIMEOUT": "20", "PYTHONPATH": ""}
        self.log = open(self.data / f"server-{self.port}.log", "ab")
        self.process = subprocess.Popen(start_command(), cwd=self.app, env=env, stdout=self.log, stderr=self.log)

    async def ready(self, http: aiohttp.ClientSession) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.data / f"server-{self.port}.log").read_text()[-3000:]
            try:
                async with http.get(f"http://127.0.0.1:{self.port}/readyz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)  # waiting for a process to start, not timing anything
        raise AssertionError("the server did not become ready")

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)


@pytest.fixture
async def postgres_url(postgres_server):
    import asyncpg

    name = f"image_{os.getpid()}_{time.monotonic_ns()}"
    connection = await asyncpg.connect(f"postgresql://strategy@127.0.0.1:{postgres_server.port}/postgres")
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    return postgres_server.url(name)  # empty: the master migrates it at start, as in Azure


@pytest.fixture
async def connector():
    fake = FakeConnector()
    await fake.start()
    yield fake
    await fake.close()


THREADS = 12
POLICE_AAD = "aad-image-police"


def thread_of(k: int) -> str:
    return f"19:image-mash@thread.tacv2;messageid=t{k}"


async def seed(url: str, service_url: str) -> None:
    """Recorded discussions, each in a channel thread with an action A1 owned by the police officer
    who replies; and in each, an information update the police owe, overdue since an hour ago."""
    engine = database.create_engine(url)
    now = datetime.now(timezone.utc)
    discussions, invitations, actions, obligations = [], [], [], []
    for k in range(THREADS):
        reference = {"serviceUrl": service_url, "channelId": "msteams", "bot": {"id": "28:bot"},
                     "conversation": {"id": thread_of(k), "conversationType": "channel", "tenantId": "t"}}
        discussions.append(dict(id=f"d{k:031d}", case_reference=f"CR-I{k}", child_initials="EF", profile="hackney",
                                status="recorded", chair_aad_id="aad-chair", chair_name="Chair", tenant_id="t",
                                conversation_id=thread_of(k), conversation_reference=reference, facts={"received_at": now.isoformat()},
                                children=[], meeting_start=now - timedelta(hours=3), finalised_at=now - timedelta(hours=2),
                                created_at=now - timedelta(days=1), updated_at=now))
        invitations.append(dict(id=f"i{k:031d}", discussion_id=f"d{k:031d}", agency="police", name="DS Outside",
                                email=f"ds{k}@police.example", required=True))
        actions.append(dict(id=f"a{k:031d}", discussion_id=f"d{k:031d}", number=1, child_initials="EF", description="Police checks",
                            owner_agency="police", owner_name="DS Image", owner_aad_object_id=POLICE_AAD,
                            card_activity_id=f"card-{k}", due_at=now + timedelta(days=2), created_at=now, updated_at=now))
        obligations.append(dict(id=f"o{k:031d}", key=f"d{k:031d}:information_update:police:ds{k}@police.example",
                                kind="information_update", discussion_id=f"d{k:031d}", subject_type="discussion",
                                subject_id=f"d{k:031d}", owner_agency="police", due_at=now - timedelta(hours=1),
                                next_attempt_at=now - timedelta(hours=1), created_at=now - timedelta(days=1), updated_at=now,
                                state="open", rule_source="hackney 7.2", attempts=0, escalation_level=0, out_of_hours=False,
                                snooze_reason=""))
    async with engine.begin() as connection:
        await connection.execute(insert(Discussion), discussions)
        await connection.execute(insert(Invitation), invitations)
        await connection.execute(insert(Action), actions)
        await connection.execute(insert(Obligation), obligations)
    await engine.dispose()


def thread_reply(service_url: str, k: int) -> dict:
    """A1's owner answering in the discussion's channel thread (no @mention: resource-specific consent)."""
    return {"type": "message", "id": f"reply-{k}", "channelId": "msteams", "serviceUrl": service_url, "text": "A1 done",
            "from": {"id": "29:police", "name": "DS Image", "aadObjectId": POLICE_AAD}, "recipient": {"id": "28:bot", "name": "Bot"},
            "conversation": {"id": thread_of(k), "conversationType": "channel", "isGroup": True, "tenantId": "t"},
            "channelData": {"tenant": {"id": "t"}, "teamsChannelId": "19:image-mash@thread.tacv2",
                            "channel": {"id": "19:image-mash@thread.tacv2"}}}


async def count(url: str, statement) -> int:
    engine = database.create_engine(url)
    async with engine.connect() as connection:
        value = (await connection.execute(statement)).scalar_one()
    await engine.dispose()
    return value


async def eventually(check, *, within: float = 60) -> None:
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "not reached in time"
        await asyncio.sleep(0.2)  # polling real processes for a state, not timing anything


async def test_the_images_start_command_serves_chases_once_and_drains_on_sigterm(image, postgres_url, connector, tmp_path):
    app, venv = image
    server = Server(app, venv, postgres_url, tmp_path)
    server.start()
    async with aiohttp.ClientSession() as http:
        try:
            await server.ready(http)
            assert len(server.workers()) == 2  # WEB_CONCURRENCY=2, as the image sets it
            async with http.get(f"http://127.0.0.1:{server.port}/livez") as response:
                assert response.status == 200

            # 1. Turns are answered (whichever worker takes them).
            help_ = {"type": "message", "channelId": "msteams", "serviceUrl": connector.url, "text": "help",
                     "from": {"id": "29:chair", "name": "Chair", "aadObjectId": "aad-chair"}, "recipient": {"id": "28:bot"},
                     "conversation": {"id": "a:personal", "conversationType": "personal", "tenantId": "t"},
                     "channelData": {"tenant": {"id": "t"}}}
            statuses = await asyncio.gather(*(post(http, server, {**help_, "id": f"help-{n}"}) for n in range(10)))
            assert statuses == [201] * 10
            assert len([a for a in connector.sent if "strategy discussions" in (a.get("text") or "")]) == 10

            # 2. Each chase goes once although both workers sweep: their schedulers every 5 seconds, and
            # sweeps asked for all at once here (the kernel spreads the requests over the two workers).
            await seed(postgres_url, connector.url)
            first = await asyncio.gather(*(sweep(http, server) for _ in range(8)))
            assert sum(first) <= THREADS
            sent = select(func.count()).select_from(Chase).where(Chase.status == "sent")
            await eventually(lambda: _equals(count(postgres_url, sent), THREADS))
            first_emails = sorted(p.name for p in (tmp_path / "outbox").glob("*.eml"))
            again = await asyncio.gather(*(sweep(http, server) for _ in range(8)))
            assert sum(again) == 0  # every sweep after the chases went found nothing more to send
            assert await count(postgres_url, sent) == THREADS
            per_obligation = select(func.count(func.distinct(Chase.obligation_id))).where(Chase.status == "sent")
            assert await count(postgres_url, per_obligation) == THREADS
            assert sorted(p.name for p in (tmp_path / "outbox").glob("*.eml")) == first_emails
            assert not list((tmp_path / "outbox").glob("*.copy*"))

            # 3. SIGTERM in the middle of a burst of replies: every reply accepted is applied and its card updated.
            replies = [asyncio.ensure_future(post(http, server, thread_reply(connector.url, k))) for k in range(THREADS)]
            await asyncio.wait(replies, return_when=asyncio.FIRST_COMPLETED)
            server.process.send_signal(signal.SIGTERM)
            outcomes = await asyncio.gather(*replies)
            assert server.process.wait(timeout=30) == 0
        finally:
            server.stop()
        accepted = [k for k, status in enumerate(outcomes) if status == 201]
        assert accepted and all(status in (201, "refused") for status in outcomes), outcomes
        done = select(func.count()).select_from(Action).where(Action.status == "completed")
        assert await count(postgres_url, done) == len(accepted)
        unfinished = select(func.count()).select_from(Effect).where(Effect.state != "done")
        assert await count(postgres_url, unfinished) == 0  # drained before the workers exited
        updated = {a["_activity_id"] for a in connector.sent if a["_method"] == "PUT"}
        assert {f"card-{k}" for k in accepted} <= updated  # each owner's action card shows it done
        log = "".join(p.read_text() for p in tmp_path.glob("server-*.log"))
        assert "Traceback" not in log


async def _equals(awaitable, expected) -> bool:
    return await awaitable == expected


async def sweep(http: aiohttp.ClientSession, server: Server) -> int:
    """One chasers' sweep now, as the scheduler runs it (local mode's /_debug/sweep): the chases it sent."""
    async with http.post(f"http://127.0.0.1:{server.port}/_debug/sweep") as response:
        assert response.status == 200, await response.text()
        return (await response.json())["sent"]


async def post(http: aiohttp.ClientSession, server: Server, activity: dict):
    """The HTTP status, or "refused" when the server was no longer accepting connections."""
    try:
        async with http.post(f"http://127.0.0.1:{server.port}/api/messages", json=activity) as response:
            await response.read()
            return response.status
    except aiohttp.ClientConnectionError:
        return "refused"
