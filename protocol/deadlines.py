"""Turning a rule's "within" into a moment, on any working-day calendar.

The calendar is passed in (scheduling.calendar.WorkingCalendar in production), so this module
stays pure: same inputs, same answer, no clock, no files.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Protocol

from .profile import WorkingDays, Within


class WorkingDayCalendar(Protocol):
    def local(self, at: datetime) -> datetime: ...
    def in_working_hours(self, at: datetime) -> bool: ...
    def is_working_day(self, day: date) -> bool: ...
    def add_working_days(self, day: date, n: int) -> date: ...
    def next_working_day(self, day: date) -> date: ...
    def start_of_working_day(self, day: date) -> datetime: ...
    def end_of_working_day(self, day: date) -> datetime: ...
    def end_of_calendar_day(self, day: date) -> datetime: ...


def due_by(within: Within, start: datetime, calendar: WorkingDayCalendar, *, same_day_minimum_hours: float) -> datetime | None:
    """The moment `within` runs out when counted from `start`; None when it has no fixed end.
    `same_day_minimum_hours`: the profile's reading of "same day" (Profile.same_day)."""
    local = calendar.local(start)
    if isinstance(within, WorkingDays):
        # "Within N working days": close of the Nth working day strictly after the day of receipt.
        return calendar.end_of_working_day(calendar.add_working_days(_day_of_receipt(local, calendar), within.working_days))
    if within == "same_day":
        return same_day_end(local, calendar, minimum_hours=same_day_minimum_hours)
    if within == "immediately":
        return local
    if within == "next_working_day_start":
        return calendar.start_of_working_day(calendar.next_working_day(_day_of_receipt(local, calendar)))
    return None


def _day_of_receipt(local: datetime, calendar: WorkingDayCalendar) -> date:
    """The day working days are counted after. Something that arrives in the night before a working
    day begins reaches the desk as that day opens, just as what came late the evening before does, so
    it counts from the evening before: at 02:00 on a Monday, "the next working day" is that Monday
    (as it is from 22:00 on the Sunday), not the Tuesday."""
    day = local.date()
    if calendar.is_working_day(day) and local < calendar.start_of_working_day(day):
        return day - timedelta(days=1)
    return day


def same_day_end(local: datetime, calendar: WorkingDayCalendar, *, minimum_hours: float) -> datetime:
    """The close of the working day, unless that leaves less than `minimum_hours` to convene (a
    concern at 16:59 is not due at 17:00); then, and out of hours, 23:59 with the Emergency Duty Team."""
    if calendar.in_working_hours(local):
        close = calendar.end_of_working_day(local.date())
        if (close - local).total_seconds() >= minimum_hours * 3600:
            return close
    return calendar.end_of_calendar_day(local.date())


def met_out_of_hours(deadline: datetime, calendar: WorkingDayCalendar) -> bool:
    """Whether the discussion falls to the Emergency Duty Team: its deadline is outside working hours
    (a same-day concern received out of hours, or too late in the day to convene in hours). A concern
    received at night or at the weekend with working days to run is met by the day team, in hours
    (PROTOCOL.md §2: out of hours, "same day" means EDT tonight; §1: the EDT chairs out of hours)."""
    return not calendar.in_working_hours(calendar.local(deadline) - timedelta(minutes=1))


def limit_words(within: Within) -> str:
    """The time limit alone, as a table of figures heads it: "same day", "3 working days"."""
    if isinstance(within, WorkingDays):
        return "1 working day" if within.working_days == 1 else f"{within.working_days} working days"
    return {"same_day": "same day", "immediately": "immediately", "next_working_day_start": "before the next working day",
            "as_soon_as_practicable": "as soon as practicable"}[within]


def describe_within(within: Within, *, after: str) -> str:
    if isinstance(within, WorkingDays):
        return f"within {limit_words(within)} of {after}"
    return {
        "same_day": f"the same day as {after}",
        "immediately": "immediately",
        "next_working_day_start": f"before the start of the next working day after {after}",
        "as_soon_as_practicable": f"as soon as practicable after {after}",
    }[within]
