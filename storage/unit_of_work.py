"""One transaction per bot turn or job run. Leaving the block without commit() rolls back."""
from __future__ import annotations

from sqlalchemy.ext.asyncio import async_sessionmaker

from .repositories import (
    AuditTrail, ContactRepository, ConversationReferenceRepository, DiscussionRepository, ObligationRepository,
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
        return self

    async def __aexit__(self, *exc) -> None:
        try:
            await self.session.rollback()
        finally:
            await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()
