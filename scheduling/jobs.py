"""Every scheduled job, registered here and nowhere else. Each run opens its own unit of work
(inside the flow it calls), so one failed run loses nothing and the next one picks up."""
from __future__ import annotations

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)


def create_scheduler(*, poll_replies, reply_poll_minutes: int) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    # Replies from people outside Teams only reach the calendar event: read them regularly.
    scheduler.add_job(poll_replies, "interval", minutes=reply_poll_minutes, id="poll-replies",
                      coalesce=True, max_instances=1, misfire_grace_time=60)
    return scheduler
