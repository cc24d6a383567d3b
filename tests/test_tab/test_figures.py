"""Timeliness figures, each expected value worked out by hand from the definition in tab/figures.py.
(Whether a discussion was in time, and the hours between two moments, are the database's part:
tests/test_tab/test_tab_api.py checks them over HTTP on seeded discussions.)"""
from tab import figures
from tab.figures import Held, Response


def held(limit, *, in_time=True, hours=8.0, quorate=True):
    return Held(limit, in_time=in_time, hours_to_discussion=hours, quorate=quorate)


def test_shares_in_time_per_time_limit_in_order_of_appearance_then_all():
    shares = figures.within_deadline([held("same day"), held("same day", in_time=False), held("3 working days")])
    assert [(s.label, s.count, s.met, s.percent) for s in shares] == [
        ("same day", 2, 1, 50.0), ("3 working days", 1, 1, 100.0), ("all", 3, 2, 66.7)]


def test_a_review_is_its_own_line_outside_all_and_the_median_time_from_concern():
    """A trial: a review, held by the date agreed, read as "rule not recorded", was counted against the statutory
    deadline in "all", and the hours since its chair began convening it went into the median from concern."""
    rows = [held("same day", hours=5), held("3 working days", in_time=False, hours=73), held("3 working days", hours=28),
            held(figures.REVIEW, hours=46.5), held(figures.REVIEW, in_time=False, hours=400)]
    shares = figures.within_deadline(rows)
    assert [(s.label, s.count, s.met) for s in shares] == [
        ("same day", 1, 1), ("3 working days", 2, 1), ("all", 3, 2), ("review, by the date agreed", 2, 1)]
    assert figures.median_hours_to_discussion(rows) == 28.0  # 5, 28, 73: the reviews' hours are not from a concern
    assert [s.label for s in figures.within_deadline(rows[:3])] == ["same day", "3 working days", "all"]  # no reviews, no line


def test_no_discussions_give_no_percentage_rather_than_zero():
    assert figures.within_deadline([])[-1].percent is None
    assert figures.median_hours_to_discussion([]) is None


def test_the_median_time_from_concern_to_discussion():
    rows = [held("same day", hours=h) for h in (2, 30, 5, 4)]
    assert figures.median_hours_to_discussion(rows) == 4.5  # (4 + 5) / 2


def test_quorate_share_counts_only_recorded_discussions():
    share = figures.quorate([held("x"), held("x", quorate=False), held("x", quorate=None)])
    assert (share.count, share.met, share.percent) == (2, 1, 50.0)


def test_agency_response_times_median_and_nearest_rank_90th_percentile():
    ten = [Response("police", "information update", float(h)) for h in range(1, 11)]
    health = [Response("health", "action", float(h)) for h in (5, 1, 3)]
    times = figures.response_times(ten + health)
    # Police: 1..10 hours: median 5.5; nearest rank 90 % of 10 = the 9th value = 9.
    # Health: 1, 3, 5: median 3; 90 % of 3 = 2.7, rounded up to the 3rd value = 5.
    assert [(t.agency, t.kind, t.count, t.median_hours, t.p90_hours) for t in times] == [
        ("health", "action", 3, 3.0, 5.0), ("police", "information update", 10, 5.5, 9.0)]


def test_conferences_share_is_those_in_time_of_those_decided():
    share = figures.conferences_in_time(decided=3, in_time=1)
    assert (share.count, share.met, share.percent) == (3, 1, 33.3)
