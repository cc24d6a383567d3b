"""Timeliness figures, each expected value worked out by hand from the definition in tab/figures.py."""
from datetime import datetime, timedelta, timezone

from tab import figures
from tab.figures import Conference, Held, Response

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


def held(limit, *, received_hours_before=0, late=False, quorate=True):
    deadline = T0 + timedelta(hours=8)
    at = deadline + timedelta(minutes=1) if late else deadline
    return Held(limit, received_at=at - timedelta(hours=received_hours_before), deadline=deadline, held_at=at, quorate=quorate)


def test_a_discussion_held_at_its_deadline_counts_as_in_time_and_a_minute_later_does_not():
    shares = figures.within_deadline([held("same day"), held("same day", late=True), held("3 working days")])
    assert [(s.label, s.count, s.met, s.percent) for s in shares] == [
        ("same day", 2, 1, 50.0), ("3 working days", 1, 1, 100.0), ("all", 3, 2, 66.7)]


def test_no_discussions_give_no_percentage_rather_than_zero():
    assert figures.within_deadline([])[-1].percent is None
    assert figures.median_hours_to_discussion([]) is None


def test_the_median_time_from_concern_to_discussion():
    rows = [held("same day", received_hours_before=h) for h in (2, 30, 5, 4)]
    assert figures.median_hours_to_discussion(rows) == 4.5  # (4 + 5) / 2


def test_quorate_share_counts_only_recorded_discussions():
    share = figures.quorate([held("x"), held("x", quorate=False), held("x", quorate=None)])
    assert (share.count, share.met, share.percent) == (2, 1, 50.0)


def test_agency_response_times_median_and_nearest_rank_90th_percentile():
    ten = [Response("police", "information_update", T0, T0 + timedelta(hours=h)) for h in range(1, 11)]
    health = [Response("health", "action", T0, T0 + timedelta(hours=h)) for h in (5, 1, 3)]
    times = figures.response_times(ten + health)
    # Police: 1..10 hours: median 5.5; nearest rank 90 % of 10 = the 9th value = 9.
    # Health: 1, 3, 5: median 3; 90 % of 3 = 2.7, rounded up to the 3rd value = 5.
    assert [(t.agency, t.kind, t.count, t.median_hours, t.p90_hours) for t in times] == [
        ("health", "action", 3, 3.0, 5.0), ("police", "information_update", 10, 5.5, 9.0)]


def test_conferences_still_within_their_15_days_are_not_counted_yet():
    now = T0 + timedelta(days=30)
    share = figures.conferences_in_time([
        Conference(due=T0, held_at=T0 - timedelta(hours=1)),       # held in time
        Conference(due=T0, held_at=T0 + timedelta(hours=1)),       # held late
        Conference(due=T0, held_at=None),                          # overdue, not held
        Conference(due=now + timedelta(days=1), held_at=None),     # still in time: not counted
    ], now=now)
    assert (share.count, share.met) == (3, 1)
