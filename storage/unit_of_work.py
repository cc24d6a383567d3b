"""One transaction per bot turn or job run. Leaving the block without commit() keeps nothing.

Two things ride on every commit, so no flow has to remember them:
- the card press being answered (`answering`): its Teams activity id is recorded in the same
  transaction, so the same press delivered twice changes things once (`RepeatedDelivery`);
- the effects the transaction added to the outbox: the worker is woken once they are committed.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import async_sessionmaker

from .database import group_commit, release_writer
from .oversight import Oversight

from .repositories import (
    AuditTrail, Boots, ChaseRepository, ContactRepository, ConversationReferenceRepository, DiscussionRepository, EffectRepository,
    HandledActivities, ObligationRepository,
)


class RepeatedDelivery(Exception):
    """This activity's changes were committed before (Teams delivered it again): nothing was written."""


@dataclass
class _Press:
    activity_id: str
    recorded: bool = False


_answering: ContextVar[_Press | None] = ContextVar("answering", default=None)


@contextmanager
def answering(activity_id: str | None):
    """Within this block, the first commit records `activity_id` as handled (once per activity)."""
    token = _answering.set(_Press(activity_id) if activity_id else None)
    try:
        yield
    finally:
        _answering.reset(token)


class UnitOfWork:
    def __init__(self, sessions: async_sessionmaker, clock, *, wake=None, boot_id: str | None = None):
        self._sessions = sessions
        self.clock = clock
        self._wake = wake  # the outbox worker's doorbell
        self._boot_id = boot_id  # this process, named on the effects it claims (bot/boots.py)

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._sessions()
        self._durable = group_commit(self.session.bind)
        self._settled = False
        self.discussions = DiscussionRepository(self.session)
        self.contacts = ContactRepository(self.session)
        self.obligations = ObligationRepository(self.session)
        self.conversations = ConversationReferenceRepository(self.session)
        self.audit = AuditTrail(self.session, self.clock)
        self.chases = ChaseRepository(self.session)
        self.effects = EffectRepository(self.session, self.clock, self._boot_id)
        self.boots = Boots(self.session)
        self.handled = HandledActivities(self.session)
        self.oversight = Oversight(self.session)
        return self

    async def __aexit__(self, exc_type, exc, traceback) -> None:
        # close() discards an uncommitted transaction in the database but, unlike rollback(), leaves
        # loaded objects readable, so a flow can still use what it read once the block has ended.
        try:
            if exc_type is not None:
                await self.session.rollback()
        finally:
            try:
                await self.session.close()
            finally:
                release_writer(self.session.sync_session)
        if exc_type is None and self._durable is not None and not self._settled:
            # What was read may be another turn's commit not yet on disk: nothing is said of it until it is.
            await self._durable.settled()

    async def commit_once(self, activity_id: str | None) -> bool:
        """`commit`, recording `activity_id` as handled with it (as `answering` does for a whole block): False,
        nothing written, when that activity was handled before (Teams delivered the message again). With no
        id, a plain commit: a press the handler is answering is still recorded as its own."""
        if activity_id is None:
            await self.commit()
            return True
        try:
            with answering(activity_id):
                await self.commit()
        except RepeatedDelivery:
            return False
        return True

    async def commit(self) -> None:
        press = _answering.get()
        if press is not None and not press.recorded:
            if not await self.handled.mark(press.activity_id, self.clock.now()):
                await self.session.rollback()
                raise RepeatedDelivery(press.activity_id)
        await self.audit.write(activity_id=press.activity_id if press is not None else None)
        await self.session.commit()
        if self._durable is not None:  # on SQLite: not done until the log is synced (storage.group_commit)
            await self._durable.settled()
            self._settled = True  # what it read came before its own commit, which is now on disk
        if press is not None:
            press.recorded = True
        if self.effects.added and self._wake is not None:
            self.effects.added = 0
            self._wake()
