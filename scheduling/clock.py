"""The one source of "now". Production uses SystemClock; tests hand in a FixedClock they move."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FixedClock:
    def __init__(self, at: datetime):
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at

    def advance(self, **delta: float) -> None:
        self._at += timedelta(**delta)


class TravellingClock:
    """Real time, shifted: `travel_to(at)` makes "now" run on from `at`. Local mode only, so a
    person can watch the chasers climb the ladder without waiting days (README, "Chasers")."""

    def __init__(self):
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self._offset

    def travel_to(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("give the time with its offset")
        self._offset = at - datetime.now(timezone.utc)
