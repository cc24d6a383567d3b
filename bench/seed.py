"""What the strategy-bot workloads need in the database before the load starts: a wizard draft
(made by the bot itself, through `strategy`) and recorded discussions, each in its own channel
thread with an action A1 owned by the police officer who replies."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from storage import database
from storage.models import Action, Discussion
from storage.unit_of_work import UnitOfWork
from scheduling.clock import SystemClock

POLICE_AAD = "aad-bench-police"


def thread_of(k) -> str:
    return f"19:bench-mash@thread.tacv2;messageid=t{k}"


async def recorded_discussions(url: str, service_url: str, count: int) -> None:
    engine = database.create_engine(url)
    now = datetime.now(timezone.utc)
    async with UnitOfWork(database.session_factory(engine), SystemClock()) as uow:
        for k in range(count):
            reference = {"serviceUrl": service_url, "channelId": "msteams", "bot": {"id": "28:bot"},
                         "conversation": {"id": thread_of(k), "conversationType": "channel", "tenantId": "t"}}
            discussion = uow.discussions.add(Discussion(
                case_reference=f"CR-B{k}", child_initials="EF", profile="hackney", status="recorded", chair_aad_id="aad-chair",
                chair_name="Chair", tenant_id="t", conversation_id=thread_of(k), conversation_reference=reference,
                facts={"received_at": now.isoformat()}, meeting_start=now, finalised_at=now, created_at=now, updated_at=now))
            discussion.actions.append(Action(number=1, child_initials="EF", description="Police checks", owner_agency="police",
                                             owner_name="DS Bench", owner_aad_object_id=POLICE_AAD, card_activity_id=f"card-{k}",
                                             due_at=now + timedelta(days=2), created_at=now, updated_at=now))
        await uow.commit()
    await engine.dispose()
