"""Every scheduled job, registered here and nowhere else. Each run opens its own unit of work
(inside the flow it calls), so one failed run loses nothing and the next one picks up."""
from __future__ import annotations

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)


def create_scheduler(*, poll_replies, reply_poll_minutes: int, sweep, sweep_seconds: int, deliver, deliver_seconds: int,
                     now) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    # The chasers' sweep, at start-up too: a service that was down overnight catches up in the
    # morning (once: coalesce, and the sweep itself skips steps it missed).
    scheduler.add_job(sweep, "interval", seconds=sweep_seconds, id="sweep", next_run_time=now,
                      coalesce=True, max_instances=1, misfire_grace_time=None)
    # Replies from people outside Teams only reach the calendar event: read them regularly.
    scheduler.add_job(poll_replies, "interval", minutes=reply_poll_minutes, id="poll-replies",
                      coalesce=True, max_instances=1, misfire_grace_time=60)
    # The outbox: effects waiting for a retry (throttled, 5xx) or left by a crash. New ones are
    # delivered as soon as they are committed; this tick is for the ones that must wait.
    scheduler.add_job(deliver, "interval", seconds=deliver_seconds, id="outbox", next_run_time=now,
                      coalesce=True, max_instances=1, misfire_grace_time=None)
    return scheduler
