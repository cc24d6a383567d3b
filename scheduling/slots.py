"""Proposed meeting times: before the deadline, inside working hours (unless the discussion is
out of hours, when the Emergency Duty Team meets tonight), and with the paediatrician's
constraints from the profile when one is invited. Pure: give it "now", get slots."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

STEP = timedelta(minutes=30)
LEAD_TIME = timedelta(minutes=30)  # time for people to read the invitation and join


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    suits_paediatrician: bool = True


def _round_up(moment: datetime) -> datetime:
    moment = moment.replace(second=0, microsecond=0)
    extra = (-moment.minute) % 30
    return moment + timedelta(minutes=extra)


def propose_slots(*, now: datetime, deadline: datetime, calendar, minutes: int, out_of_hours: bool,
                  paediatrician_invited: bool = False, paediatrician_notice_hours: float = 0,
                  paediatrician_earliest: time | None = None, count: int = 6) -> list[Slot]:
    """Up to `count` slots, earliest first; slots that suit the paediatrician come first when one is invited."""
    length = timedelta(minutes=minutes)
    start = _round_up(calendar.local(now) + LEAD_TIME)
    deadline = calendar.local(deadline)
    candidates: list[Slot] = []
    while start + length <= deadline and len(candidates) < 200:
        if out_of_hours or _inside_working_hours(start, start + length, calendar):
            suits = not paediatrician_invited or (
                start - calendar.local(now) >= timedelta(hours=paediatrician_notice_hours)
                and (paediatrician_earliest is None or start.time() >= paediatrician_earliest)
            )
            candidates.append(Slot(start, start + length, suits))
        start = _next_start(start, calendar, out_of_hours)
    suitable = [s for s in candidates if s.suits_paediatrician]
    rest = [s for s in candidates if not s.suits_paediatrician]
    return (suitable + rest)[:count] if paediatrician_invited else candidates[:count]


def _inside_working_hours(start: datetime, end: datetime, calendar) -> bool:
    return (calendar.is_working_day(start.date()) and start.date() == end.date()
            and calendar.day_starts <= start.time() and end.time() <= calendar.day_ends)


def _next_start(start: datetime, calendar, out_of_hours: bool) -> datetime:
    following = start + STEP
    if out_of_hours or _inside_working_hours(following, following, calendar):
        return following
    return calendar.next_working_moment(following)
