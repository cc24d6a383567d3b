"""A review strategy discussion (hackney 9.2, triborough 16: "a clear timescale should be set" for a
further discussion): held when the last discussion agreed, not within the referral's timescale counted
again from the day it is convened."""
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from protocol import as_owed_review, as_review
from scheduling.calendar import calendar_for

from .helpers import PROFILES, profile, run


@pytest.mark.parametrize("name", PROFILES)
def test_the_date_agreed_is_the_deadline_the_close_of_that_working_day(name):
    referral = run(name, concerns=["physical_abuse"])
    agreed = datetime(2026, 12, 2, 10, 0, tzinfo=timezone.utc)  # Wednesday 10:00 GMT, days after the referral's own deadline
    review = as_review(referral, agreed, profile(name), calendar_for(profile(name)))
    assert review.deadline == datetime(2026, 12, 2, 17, 0, tzinfo=timezone.utc)  # every profile's working day ends at 17:00
    assert (review.convened_by, review.target) == ("day team", None)
    assert review.deadline_rule.rule == "review" and review.deadline_rule.source == "agreed at the discussion"
    assert review.deadline_rule.text == "the review was agreed at the last discussion for 10:00 Wed 2 Dec"
    # The rest is the referral's: who is invited, the quorum, the format and the clocks.
    assert (review.invitees, review.quorum, review.format, review.clocks) == \
        (referral.invitees, referral.quorum, referral.format, referral.clocks)


def test_a_review_agreed_late_in_the_day_runs_a_meetings_length_past_it_and_stays_the_day_teams():
    """A hostile trial: 16:30 a week ahead read as "too late today", and went to the Emergency Duty Team."""
    hackney = profile("hackney")  # meetings of 60 minutes
    agreed = datetime(2026, 12, 8, 16, 30, tzinfo=timezone.utc)
    review = as_review(run("hackney", concerns=["physical_abuse"]), agreed, hackney, calendar_for(hackney))
    assert review.deadline == datetime(2026, 12, 8, 17, 30, tzinfo=timezone.utc)
    assert review.convened_by == "day team"


@pytest.mark.parametrize("agreed", [datetime(2026, 12, 8, 18, 0, tzinfo=timezone.utc),  # a Tuesday evening
                                    datetime(2026, 12, 5, 10, 0, tzinfo=timezone.utc),  # a Saturday
                                    datetime(2026, 12, 25, 10, 0, tzinfo=timezone.utc)])  # Christmas Day
def test_a_review_agreed_for_a_time_out_of_hours_is_the_emergency_duty_teams_a_meetings_length_after_it(agreed):
    hackney = profile("hackney")
    review = as_review(run("hackney", concerns=["physical_abuse"]), agreed, hackney, calendar_for(hackney))
    assert review.convened_by == "Emergency Duty Team" and review.deadline == agreed + timedelta(minutes=60)
    assert review.deadline_rule.text.endswith(", outside working hours")


@pytest.mark.parametrize("name", PROFILES)
def test_a_review_owed_with_no_date_agreed_is_held_by_the_time_the_chair_owes_it_by_the_day_team(name):
    """A review an agency's report left owed (its action "needs a further strategy discussion") with no date
    agreed for it: by the close of the day the chair owes it, not the referral's timescale from its receipt."""
    referral = run(name, concerns=["physical_abuse"])
    owed_by = datetime(2026, 12, 8, 17, 0, tzinfo=timezone.utc)  # the close of Tuesday 8 December
    review = as_owed_review(referral, owed_by, "A4: a further strategy discussion is needed")
    assert (review.deadline, review.target, review.convened_by) == (owed_by, None, "day team")
    assert review.deadline_rule.rule == "review"
    assert review.deadline_rule.text == "A4: a further strategy discussion is needed, and no date was agreed for it"
    assert review.deadline_rule.source == "owed by the chair, and chased"
    # The referral's own convener does not carry over: one met out of hours by the EDT is reviewed by the day team.
    night = replace(referral, convened_by="Emergency Duty Team")
    assert as_owed_review(night, owed_by, "A4: a further strategy discussion is needed").convened_by == "day team"
    assert (review.invitees, review.quorum, review.format, review.clocks) == \
        (referral.invitees, referral.quorum, referral.format, referral.clocks)
