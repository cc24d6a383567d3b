"""Everything a bot flow needs, built once by app.py and handed in (tests hand in their own)."""
from __future__ import annotations

import asyncio
import contextvars
import logging
from dataclasses import dataclass, field
from typing import Callable

from protocol import Profile
from scheduling.calendar import WorkingCalendar
from scheduling.meetings import MeetingProvider
from storage.directory import Directory
from storage.unit_of_work import UnitOfWork

from .access import Access
from .effects import Effects
from .links import Links
from .proactive import Proactive

log = logging.getLogger(__name__)


@dataclass
class BotServices:
    uow: Callable[[], UnitOfWork]
    clock: object
    profile: Profile
    calendar: WorkingCalendar
    directory: Directory
    meetings: MeetingProvider
    access: Access
    proactive: Proactive
    local_mode: bool
    links: Links  # signed links for those the bot cannot reach in Teams (the chasers, the action notice at the record)
    effects: Effects = field(default_factory=Effects)
    tasks: set = field(default_factory=set)

    def in_background(self, coroutine, *, name: str) -> asyncio.Task:
        """Slow work (Graph) after the turn has answered; failures are logged, never lost silently."""
        # A context of its own: nothing of the turn that started it (the press being answered) leaks in.
        task = asyncio.get_running_loop().create_task(coroutine, name=name, context=contextvars.Context())
        self.tasks.add(task)

        def done(finished: asyncio.Task) -> None:
            self.tasks.discard(finished)
            if not finished.cancelled() and finished.exception():
                log.error("background task %s failed", name, exc_info=finished.exception())

        task.add_done_callback(done)
        return task

    async def drain(self) -> None:
        """Wait for background work (clean shutdown, and tests that need the outcome)."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)
