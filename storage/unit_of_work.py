"""One transaction per bot turn or job run. Leaving the block without commit() keeps nothing."""
from __future__ import annotations

from sqlalchemy.ext.asyncio import async_sessionmaker

from .repositories import (
    AuditTrail, ChaseRepository, ContactRepository, ConversationReferenceRepository, DiscussionRepository, ObligationRepository,
)


class UnitOfWork:
    def __init__(self, sessions: async_sessionmaker, clock):
        self._sessions = sessions
        self.clock = clock

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._sessions()
        self.discussions = DiscussionRepository(self.session)
        self.contacts = ContactRepository(self.session)
        self.obligations = ObligationRepository(self.session)
        self.conversations = ConversationReferenceRepository(self.session)
        self.audit = AuditTrail(self.session, self.clock)
        self.chases = ChaseRepository(self.session)
        return self

    async def __aexit__(self, exc_type, exc, traceback) -> None:
        # close() discards an uncommitted transaction in the database but, unlike rollback(), leaves
        # loaded objects readable, so a flow can still use what it read once the block has ended.
        try:
            if exc_type is not None:
                await self.session.rollback()
        finally:
            await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()
