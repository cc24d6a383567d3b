"""The scheduler's stop: runs under way finish (a two-replica trial: a SIGTERM cancelled a sweep in the middle of
its deliveries, with tracebacks, and they were redone after the restart as if the process had crashed)."""
import asyncio
import logging
from datetime import datetime, timezone

from scheduling.jobs import Scheduler


async def test_a_run_under_way_finishes_before_the_scheduler_stops_and_nothing_new_starts():
    started, release, runs = asyncio.Event(), asyncio.Event(), []

    async def sweep():
        runs.append("began")
        started.set()
        await release.wait()  # a delivery under way
        runs.append("finished")

    scheduler = Scheduler(timezone="UTC")
    scheduler.add_job(sweep, "interval", seconds=3600, next_run_time=datetime.now(timezone.utc), max_instances=1)
    scheduler.start()
    await asyncio.wait_for(started.wait(), 10)
    stopping = asyncio.ensure_future(scheduler.stop(within=30))  # begins before the run can go on
    release.set()
    await asyncio.wait_for(stopping, 10)
    assert runs == ["began", "finished"] and not scheduler.running and not scheduler.runs


async def test_a_run_that_will_not_finish_in_time_is_stopped_and_said(caplog):
    started = asyncio.Event()

    async def stuck():
        started.set()
        await asyncio.Event().wait()

    scheduler = Scheduler(timezone="UTC")
    scheduler.add_job(stuck, "interval", seconds=3600, next_run_time=datetime.now(timezone.utc))
    scheduler.start()
    await asyncio.wait_for(started.wait(), 10)
    [run] = scheduler.runs
    with caplog.at_level(logging.WARNING, logger="scheduling.jobs"):
        await scheduler.stop(within=0)
    await asyncio.gather(run, return_exceptions=True)
    assert run.done() and "1 scheduled run(s) still going after 0 s" in caplog.text  # cancelled, as before, and said
