"""Shared fixtures: migrated databases (SQLite and a real PostgreSQL), the running bot app with a
local connector, and a controllable clock."""
from __future__ import annotations

import asyncio
import itertools
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import init_app, new_event_loop  # noqa: E402
from scheduling.clock import FixedClock  # noqa: E402
from settings import Settings  # noqa: E402
from tests.support.connector import FakeConnector  # noqa: E402
from tests.support.fake_graph import FakeGraph  # noqa: E402
from tests.support.postgres import TemporaryPostgres  # noqa: E402

_database_names = itertools.count(1)


def pytest_asyncio_loop_factories(config, item):
    """Every async test on the loop the service runs on (app.new_event_loop: uvloop)."""
    return {"service-loop": new_event_loop}


def make_settings(tmp_path: Path, **overrides) -> Settings:
    # The scheduler stays off in tests: they call the jobs themselves, with the clock they control.
    values = {"scheduler_enabled": False, "data_dir": tmp_path, "database_url": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", "app_id": "",
              "app_password": "", "allowed_tenant_ids": ()}
    values.update(overrides)
    return Settings(_env_file=None, **values)


from storage.database import migrate  # noqa: E402  (the app's own, as it runs at start-up)


@pytest.fixture(scope="session")
def postgres_server():
    server = TemporaryPostgres().start()
    yield server
    server.stop()


@pytest.fixture
async def graph():
    """A fake Microsoft Graph on 127.0.0.1 that the real msgraph-sdk talks to."""
    fake = await FakeGraph().start()
    yield fake
    await fake.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=[pytest.mark.postgres, pytest.mark.slow])])
async def database_url(request, tmp_path) -> str:
    """A freshly migrated database of each kind: the same tests run on both."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    else:
        import asyncpg

        server = request.getfixturevalue("postgres_server")
        name = f"test_{next(_database_names)}"
        connection = await asyncpg.connect(f"postgresql://strategy@127.0.0.1:{server.port}/postgres")
        await connection.execute(f'CREATE DATABASE "{name}"')
        await connection.close()
        url = server.url(name)
    await asyncio.to_thread(migrate, url)
    return url


class RunningBot:
    """The aiohttp app on a real port, and a client that posts activities to it."""

    def __init__(self, server: TestServer, connector: FakeConnector, http: ClientSession):
        self.server, self.connector, self.http = server, connector, http
        self.url = str(server.make_url("/api/messages"))
        from app import SERVICES

        self.services = server.app[SERVICES]

    async def post(self, activity: dict | bytes | str, *, headers: dict | None = None):
        hdrs = {"Content-Type": "application/json", **(headers or {})}
        if isinstance(activity, dict):
            return await self.http.post(self.url, json=activity, headers=hdrs)
        return await self.http.post(self.url, data=activity, headers=hdrs)


async def no_wait(seconds: float) -> None:
    """Tests control time: retries and backoff record their waits instead of sleeping."""
    no_wait.waits.append(seconds)


no_wait.waits = []


async def start_bot(settings: Settings, clock: FixedClock, *, connector: FakeConnector | None = None, migrated: bool = True,
                    **init):
    if migrated:
        await asyncio.to_thread(migrate, settings.sqlalchemy_url)
    if connector is None:
        connector = FakeConnector()
        await connector.start()
    server = TestServer(init_app(settings, clock=clock, sleep=no_wait, **init), host="127.0.0.1")
    await server.start_server()
    http = ClientSession()
    return RunningBot(server, connector, http)


async def stop_bot(bot: RunningBot, *, keep_connector: bool = False) -> None:
    await bot.http.close()
    await bot.server.close()
    if not keep_connector:
        await bot.connector.close()


@pytest.fixture
async def running_bot(tmp_path, clock):
    bot = await start_bot(make_settings(tmp_path), clock)
    yield bot
    await stop_bot(bot)
