"""Two instances of the service sweeping one PostgreSQL: 1,000 due obligations, each chased once."""
import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from app import CHASER
from storage.models import Discussion, Invitation, Obligation
from tests.conftest import make_settings, start_bot, stop_bot

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
BST = timezone(timedelta(hours=1))
TUESDAY_10 = datetime(2027, 6, 1, 10, 0, tzinfo=BST)


class CountingMailer:
    channel = "email"

    def __init__(self, sent: list):
        self.sent = sent

    async def send(self, *, to, subject, body, key):
        self.sent.append(key)


@pytest.fixture
async def postgres_url(postgres_server):
    import asyncpg

    connection = await asyncpg.connect(f"postgresql://strategy@127.0.0.1:{postgres_server.port}/postgres")
    await connection.execute('CREATE DATABASE "sweep_scale"')
    await connection.close()
    return postgres_server.url("sweep_scale")


async def test_two_instances_send_each_of_1000_chases_exactly_once(tmp_path, clock, postgres_url):
    clock.set(TUESDAY_10)
    sent: list[str] = []
    first = await start_bot(make_settings(tmp_path / "a", database_url=postgres_url), clock, mailer=CountingMailer(sent))
    second = await start_bot(make_settings(tmp_path / "b", database_url=postgres_url), clock, mailer=CountingMailer(sent))
    try:
        async with first.services.uow() as uow:
            discussion = uow.discussions.add(Discussion(
                case_reference="CR-SCALE", child_initials="GH", profile="hackney", status="recorded", chair_aad_id="aad-chair",
                chair_name="Chair", facts={}, created_at=TUESDAY_10, updated_at=TUESDAY_10))
            discussion.invitations.append(Invitation(agency="police", name="DS", email="ds@police.example.org"))
            await uow.session.flush()
            for n in range(1000):
                uow.session.add(Obligation(
                    key=f"{discussion.id}:information_update:police:{n}:ds@police.example.org", kind="information_update",
                    discussion_id=discussion.id, subject_type="discussion", subject_id=discussion.id, owner_agency="police",
                    due_at=TUESDAY_10 - timedelta(minutes=30), rule_source="hackney 7.2",
                    created_at=TUESDAY_10 - timedelta(days=1), updated_at=TUESDAY_10))
            await uow.commit()

        sweepers = (first.server.app[CHASER], second.server.app[CHASER])
        totals = [0, 0]
        while True:
            rounds = await asyncio.gather(*(s.sweep(limit=100) for s in sweepers))
            totals = [t + r for t, r in zip(totals, rounds)]
            if not any(rounds):
                break
        assert len(sent) == 1000
        assert len(set(sent)) == 1000
        assert all(totals), f"both instances should have worked: {totals}"
        async with first.services.uow() as uow:
            from sqlalchemy import func, select

            from storage.models import Chase

            count = (await uow.session.execute(select(func.count()).select_from(Chase).where(Chase.status == "sent"))).scalar()
        assert count == 1000
    finally:
        await stop_bot(first)
        await stop_bot(second)
