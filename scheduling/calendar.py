"""Working days: weekends, the region's bank holidays (the `holidays` package) and local closure days.

All arithmetic happens in the partnership's time zone, so "17:00" is 17:00 on the wall clock
whether that day is GMT or BST.
"""
from __future__ import annotations

import importlib.util
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Iterable
from zoneinfo import ZoneInfo

import holidays

SUBDIVISIONS = ("ENG", "WLS", "SCT", "NIR")
_UNITED_KINGDOM = "holidays.countries.united_kingdom"


def _united_kingdom() -> type[holidays.HolidayBase]:
    """The `holidays` package's United Kingdom class, and only it.

    Why not `holidays.country_holidays("GB")`: it imports `holidays.countries`, whose __init__
    imports every one of the package's 279 countries to find one class: 8 MB held for the life of
    each worker (issue 19's idle-memory target). The module is the package's own, loaded from its
    file; it imports only the package's shared parts, never another country. If anything has
    already imported it (the whole registry, say), that copy is used."""
    module = sys.modules.get(_UNITED_KINGDOM)
    if module is None:
        spec = importlib.util.spec_from_file_location(_UNITED_KINGDOM, Path(holidays.__file__).parent / "countries" / "united_kingdom.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[_UNITED_KINGDOM] = module  # one copy: a later `import holidays.countries` finds and keeps it
    return module.UnitedKingdom


class WorkingCalendar:
    def __init__(
        self,
        *,
        time_zone: str = "Europe/London",
        subdivision: str = "ENG",
        closure_days: Iterable[date] = (),
        day_starts: time = time(9, 0),
        day_ends: time = time(17, 0),
    ):
        if subdivision not in SUBDIVISIONS:
            raise ValueError(f"unknown UK holiday region {subdivision!r}; use one of {', '.join(SUBDIVISIONS)}")
        if day_starts >= day_ends:
            raise ValueError("working day must start before it ends")
        self.zone = ZoneInfo(time_zone)
        self.subdivision = subdivision
        self.closure_days = frozenset(closure_days)
        self.day_starts = day_starts
        self.day_ends = day_ends
        self._bank_holidays = _united_kingdom()(subdiv=subdivision)
        self._working: dict[date, bool] = {}
        self._added: dict[tuple[date, int], date] = {}

    def local(self, at: datetime) -> datetime:
        if at.tzinfo is None:
            raise ValueError("naive datetime: times must carry their offset")
        return at.astimezone(self.zone)

    def holiday_name(self, day: date) -> str | None:
        if day in self.closure_days:
            return "local closure day"
        return self._bank_holidays.get(day)

    def closed_because(self, day: date) -> str | None:
        """Why `day` is not a working day, in words ("a Saturday", "a bank holiday (Christmas Day)",
        "a local closure day"); None on a working day. Said beside a due date a person chose, which
        may be meant (police work weekends) but is more often a slip: never accepted silently."""
        if self.is_working_day(day):
            return None
        if day in self.closure_days:
            return "a local closure day"
        if name := self._bank_holidays.get(day):
            return f"a bank holiday ({name})"
        return f"a {day:%A}"

    def is_working_day(self, day: date) -> bool:
        # Remembered: the holidays package's lookup is the slow part of counting working days, and a
        # year's figures count from the same few hundred days thousands of times.
        known = self._working.get(day)
        if known is None:
            known = self._working[day] = day.weekday() < 5 and day not in self._bank_holidays and day not in self.closure_days
        return known

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before `day`."""
        day -= timedelta(days=1)
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def add_working_days(self, day: date, n: int) -> date:
        """The Nth working day strictly after `day` (n >= 1); n == 0 returns `day` unchanged."""
        if n < 0:
            raise ValueError("n must not be negative")
        found = self._added.get((day, n))
        if found is None:  # remembered, as is_working_day: a year's census return asks it of the same days again and again
            found = day
            for _ in range(n):
                found = self.next_working_day(found)
            self._added[(day, n)] = found
        return found

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: the inverse of add_working_days."""
        if end <= start:
            return 0
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count

    def working_days_passed(self, since: datetime, now: datetime) -> int:
        """Working days wholly passed after the day of `since`: those whose working hours have ended by `now`."""
        today = self.local(now).date()
        under_way = self.is_working_day(today) and now < self.end_of_working_day(today)
        return self.working_days_between(self.local(since).date(), today) - under_way

    def start_of_working_day(self, day: date) -> datetime:
        return datetime.combine(day, self.day_starts, tzinfo=self.zone)

    def end_of_working_day(self, day: date) -> datetime:
        return datetime.combine(day, self.day_ends, tzinfo=self.zone)

    def end_of_calendar_day(self, day: date) -> datetime:
        return datetime.combine(day, time(23, 59), tzinfo=self.zone)

    def in_working_hours(self, at: datetime) -> bool:
        local = self.local(at)
        return self.is_working_day(local.date()) and self.day_starts <= local.time() < self.day_ends

    def add_working_hours(self, at: datetime, hours: float) -> datetime:
        """`hours` of working time after `at`, counting only working hours on working days."""
        moment, remaining = self.next_working_moment(at), timedelta(hours=hours)
        while True:
            left_today = self.end_of_working_day(moment.date()) - moment
            if remaining <= left_today:
                return moment + remaining
            remaining -= left_today
            moment = self.start_of_working_day(self.next_working_day(moment.date()))

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """The working time from `start` to `end`, in hours (the inverse of add_working_hours); 0 if none."""
        total, day, last = timedelta(0), self.local(start).date(), self.local(end).date()
        while day <= last:
            if self.is_working_day(day):
                opens, closes = max(self.start_of_working_day(day), start), min(self.end_of_working_day(day), end)
                total += max(closes - opens, timedelta(0))
            day += timedelta(days=1)
        return total / timedelta(hours=1)

    def next_working_moment(self, at: datetime) -> datetime:
        """`at` itself when inside working hours, else the start of the next working period."""
        local = self.local(at)
        day = local.date()
        if self.is_working_day(day):
            if local.time() < self.day_starts:
                return self.start_of_working_day(day)
            if local.time() < self.day_ends:
                return local
        return self.start_of_working_day(self.next_working_day(day))


def calendar_for(profile, *, subdivision: str | None = None, time_zone: str | None = None) -> WorkingCalendar:
    """The calendar a profile's deadlines are counted on; settings may override region and zone."""
    return WorkingCalendar(
        time_zone=time_zone or profile.time_zone,
        subdivision=subdivision or profile.holiday_region,
        closure_days=profile.closure_days,
        day_starts=profile.working_hours.starts,
        day_ends=profile.working_hours.ends,
    )
