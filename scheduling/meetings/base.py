"""The one small interface both meeting providers implement, and retrying with backoff."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Awaitable, Callable, Protocol, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

# Graph's attendee response values, as the organiser's copy reports them.
RESPONSES = ("none", "organizer", "tentativelyAccepted", "accepted", "declined", "notResponded")


@dataclass(frozen=True)
class Attendee:
    name: str
    email: str
    required: bool = True


@dataclass(frozen=True)
class MeetingRequest:
    transaction_id: str  # the discussion id: Graph de-duplicates creates that carry the same one
    subject: str
    body_html: str
    start: datetime
    end: datetime
    time_zone: str
    attendees: tuple[Attendee, ...]


@dataclass(frozen=True)
class Meeting:
    event_id: str
    join_url: str | None
    invitations_sent: bool
    where: str  # for people: "Teams meeting, invitations sent by Graph" or the .ics path


class MeetingError(Exception):
    """Final: retrying will not help (or has not helped). The message is for the chair. `unanswered`: a
    request on the way to it was sent and never answered, so the calendar may have acted on it."""
    unanswered = False


class TransientMeetingError(MeetingError):
    """Throttled, unavailable or timed out: worth another try after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: float | None = None, *, unanswered: bool = False):
        super().__init__(message)
        self.retry_after = retry_after
        self.unanswered = unanswered


class MeetingProvider(Protocol):
    name: str
    sends_invitations: bool

    async def create(self, request: MeetingRequest) -> Meeting: ...
    async def responses(self, event_id: str) -> dict[str, str]: ...
    async def set_attendees(self, event_id: str, attendees: tuple[Attendee, ...]) -> None: ...
    async def reschedule(self, event_id: str, start: datetime, end: datetime, time_zone: str) -> None: ...
    async def cancel(self, event_id: str, comment: str) -> None: ...


Sleep = Callable[[float], Awaitable[None]]


async def with_retries(call: Callable[[], Awaitable[T]], *, sleep: Sleep, attempts: int = 4,
                       backoff: float = 2.0, max_wait: float = 60.0, what: str = "request") -> T:
    """Run `call`, retrying transient failures: Retry-After when given, else exponential backoff.
    `sleep` is injected so tests control time instead of waiting on it."""
    in_doubt = False  # a try sent and never answered: whatever comes after, it may have been done (said on the error)
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except TransientMeetingError as error:
            in_doubt = in_doubt or error.unanswered
            if attempt == attempts:  # still transient: the outbox tries again later, durably
                raise TransientMeetingError(f"{what} failed after {attempts} attempts: {error}", error.retry_after,
                                            unanswered=in_doubt) from error
            wait = min(error.retry_after if error.retry_after is not None else backoff * 2 ** (attempt - 1), max_wait)
            log.warning("%s: %s; retry %d of %d in %.1f s", what, error, attempt, attempts - 1, wait)
            await sleep(wait)
        except MeetingError as error:
            if in_doubt:
                error.unanswered = True
            raise
    raise AssertionError("unreachable")
