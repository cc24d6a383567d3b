"""Timeliness over a period, as a service manager reports it to Ofsted (pure: rows in, figures out).

- held within the statutory deadline, per time limit (same day, 1, 3, 5 working days...): the
  discussion's meeting started by its deadline;
- the median time from the concern being received to the discussion;
- the share of recorded discussions that were quorate;
- how fast agencies answered: information updates (owed when the discussion ended until the
  update came) and actions (agreed until reported done), median and 90th percentile by agency;
- the share of initial child protection conferences held within 15 working days (their clock's
  due time), counting those held and those already late, not those still in time.

The comparisons of timestamps (in time, hours between) are made by the database over a year of
rows (storage/oversight.py); what is computed here is the grouping, shares, medians and percentiles.

Percentiles are nearest-rank (the smallest value with at least p % of values at or below it): a
figure that is one of the real response times, which is what a manager can check by hand.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import NamedTuple


# A review discussion is held by the date agreed at the last one, not within a statutory time of a concern:
# its own line, outside "all" and the median time from concern to discussion (a trial: reviews read as "rule
# not recorded", counted against the statutory deadline, with the hours since the chair began convening them).
REVIEW = "review, by the date agreed"


class Held(NamedTuple):  # NamedTuples: a year of a large service is tens of thousands of them
    """A discussion that took place (the database compares the times: see storage/oversight.py)."""
    time_limit: str            # the deadline rule's limit, in words ("same day", "3 working days")
    in_time: bool              # its meeting started by its deadline
    hours_to_discussion: float  # from the concern being received to the meeting
    quorate: bool | None       # from the record; None before it is recorded


class Response(NamedTuple):
    agency: str
    kind: str                  # "information update" or "action"
    hours: float               # from when it was owed (or agreed) to the answer


@dataclass(frozen=True)
class Share:
    label: str
    count: int
    met: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.met / self.count, 1) if self.count else None


@dataclass(frozen=True)
class Times:
    agency: str
    kind: str
    count: int
    median_hours: float
    p90_hours: float


def nearest_rank(values: list[float], percent: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(percent / 100 * len(ordered))) - 1]


def within_deadline(held: list[Held]) -> list[Share]:
    """Per time limit, in the order of the first discussion with each, then 'all' (the statutory ones), then reviews."""
    groups: dict[str, list[Held]] = {}
    for h in held:
        groups.setdefault(h.time_limit, []).append(h)
    reviews = groups.pop(REVIEW, [])
    shares = [Share(limit, len(rows), sum(r.in_time for r in rows)) for limit, rows in groups.items()]
    statutory = Share("all", sum(s.count for s in shares), sum(s.met for s in shares))
    return shares + [statutory] + ([Share(REVIEW, len(reviews), sum(r.in_time for r in reviews))] if reviews else [])


def median_hours_to_discussion(held: list[Held]) -> float | None:
    hours = [h.hours_to_discussion for h in held if h.time_limit != REVIEW]
    return round(statistics.median(hours), 1) if hours else None


def quorate(held: list[Held]) -> Share:
    recorded = [h for h in held if h.quorate is not None]
    return Share("quorate", len(recorded), sum(bool(h.quorate) for h in recorded))


def response_times(responses: list[Response]) -> list[Times]:
    groups: dict[tuple[str, str], list[float]] = {}
    for r in responses:
        groups.setdefault((r.agency, r.kind), []).append(r.hours)
    return [Times(agency, kind, len(hours), round(statistics.median(hours), 1), round(nearest_rank(hours, 90), 1))
            for (agency, kind), hours in sorted(groups.items())]


def conferences_in_time(decided: int, in_time: int) -> Share:
    """Initial conferences held or already late (those still within their 15 working days are not
    counted yet), and how many of them were held by their due time (counted by the database)."""
    return Share("initial conferences within 15 working days", decided, in_time)
