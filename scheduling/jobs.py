"""Every scheduled job, registered here and nowhere else. Each run opens its own unit of work
(inside the flow it calls), so one failed run loses nothing and the next one picks up."""
from __future__ import annotations

import asyncio
import functools
import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)


class Scheduler(AsyncIOScheduler):
    """APScheduler's, and a stop that lets the runs under way finish: its own `shutdown` cancels them, and a
    SIGTERM cut sweeps and deliveries short with tracebacks, leaving them to be redone as in doubt, as after a
    crash (a two-replica trial)."""

    def __init__(self, **options):
        super().__init__(**options)
        self.runs: set[asyncio.Task] = set()  # the jobs' runs under way

    def add_job(self, func, *args, **kwargs):
        @functools.wraps(func)
        async def run(*job_args, **job_kwargs):
            task = asyncio.current_task()
            self.runs.add(task)
            try:
                return await func(*job_args, **job_kwargs)
            finally:
                self.runs.discard(task)

        return super().add_job(run, *args, **kwargs)

    async def stop(self, *, within: float) -> None:
        """Start nothing more; give the runs under way up to `within` seconds to finish; then shut down."""
        self.pause()
        if running := [task for task in self.runs if not task.done()]:
            _, unfinished = await asyncio.wait(running, timeout=within)
            if unfinished:
                log.warning("%d scheduled run(s) still going after %.0f s: stopped; what they had under way is redone",
                            len(unfinished), within)
        self.shutdown(wait=False)


def create_scheduler(*, poll_replies, reply_poll_minutes: int, sweep, sweep_seconds: int, deliver, deliver_seconds: int,
                     now) -> Scheduler:
    scheduler = Scheduler(timezone="UTC")
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
