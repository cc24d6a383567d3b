"""The convene flow's concurrency guarantee on both stores: two deliveries of the same confirm
at once make one meeting, on SQLite and on PostgreSQL."""
import asyncio

import pytest

from tests.conftest import make_settings, start_bot, stop_bot

from .chair import Chair
from .test_convene import convene


@pytest.fixture
async def bot(tmp_path, clock, database_url):
    running = await start_bot(make_settings(tmp_path, database_url=database_url), clock)
    yield running
    await stop_bot(running)


async def test_duplicate_confirms_at_once_make_one_meeting(bot, tmp_path):
    chair = Chair(bot)
    await convene(chair)
    responses = await asyncio.gather(*(chair.press("convene.confirm", raw=True) for _ in range(3)))
    assert [r.status for r in responses] == [200, 200, 200]
    await bot.services.drain()
    assert len(list((tmp_path / "invitations").glob("*.ics"))) == 1
    async with bot.services.uow() as uow:
        actions = [e.action for e in await uow.audit.for_subject("discussion", chair.discussion_id)]
        discussion = await uow.discussions.get(chair.discussion_id)
        invited = {i.agency for i in discussion.invitations}
        status = discussion.status
    assert actions.count("meeting.created") == 1
    assert status == "convened"
    assert invited >= {"police", "health", "paediatrician", "education_dsl"}
