"""Turning a rule's "within" into a moment, on any working-day calendar.

The calendar is passed in (scheduling.calendar.WorkingCalendar in production), so this module
stays pure: same inputs, same answer, no clock, no files.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from .profile import WorkingDays, Within


class WorkingDayCalendar(Protocol):
    def local(self, at: datetime) -> datetime: ...
    def in_working_hours(self, at: datetime) -> bool: ...
    def add_working_days(self, day: date, n: int) -> date: ...
    def next_working_day(self, day: date) -> date: ...
    def start_of_working_day(self, day: date) -> datetime: ...
    def end_of_working_day(self, day: date) -> datetime: ...
    def end_of_calendar_day(self, day: date) -> datetime: ...


def due_by(within: Within, start: datetime, calendar: WorkingDayCalendar) -> datetime | None:
    """The moment `within` runs out when counted from `start`; None when it has no fixed end."""
    local = calendar.local(start)
    if isinstance(within, WorkingDays):
        # "Within N working days": close of the Nth working day strictly after the day of receipt.
        return calendar.end_of_working_day(calendar.add_working_days(local.date(), within.working_days))
    if within == "same_day":
        if calendar.in_working_hours(local):
            return calendar.end_of_working_day(local.date())
        # Out of hours "same day" means the Emergency Duty Team, tonight.
        return calendar.end_of_calendar_day(local.date())
    if within == "immediately":
        return local
    if within == "next_working_day_start":
        return calendar.start_of_working_day(calendar.next_working_day(local.date()))
    return None


def describe_within(within: Within, *, after: str) -> str:
    if isinstance(within, WorkingDays):
        days = "1 working day" if within.working_days == 1 else f"{within.working_days} working days"
        return f"within {days} of {after}"
    return {
        "same_day": f"the same day as {after}",
        "immediately": "immediately",
        "next_working_day_start": f"before the start of the next working day after {after}",
        "as_soon_as_practicable": f"as soon as practicable after {after}",
    }[within]
