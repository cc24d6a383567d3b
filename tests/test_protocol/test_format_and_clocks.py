"""PROTOCOL.md §4 (format) and the clocks of §2 that start at or after the discussion."""
import pytest

from .helpers import PROFILES, run

FORMAT_ROWS = [
    ("hackney", ["fabricated_induced_illness"], {}, "meeting", "complex_maltreatment", "hackney 3.1"),
    ("hackney", ["organised_abuse"], {}, "meeting", "complex_maltreatment", "hackney 3.1"),
    ("hackney", ["child_on_child"], {}, "meeting", "child_on_child", "hackney 3.1"),
    ("hackney", ["cumulative_concerns"], {}, "meeting", "cumulative_concerns", "hackney 3.1"),
    ("hackney", ["unborn_child"], {}, "meeting", "unborn_child", "hackney 3.1"),
    ("hackney", ["physical_abuse"], {}, "any", "default", "hackney 3.1"),
    ("triborough", ["serious_physical_injury"], {}, "meeting", "police_priority_meeting", "triborough 9"),
    ("triborough", ["penetrative_sexual_abuse"], {}, "meeting", "police_priority_meeting", "triborough 9"),
    ("triborough", ["serious_neglect"], {}, "meeting", "police_priority_meeting", "triborough 9"),
    ("triborough", ["fgm"], {}, "meeting", "police_priority_meeting", "triborough 9"),
    ("triborough", ["honour_based_violence"], {}, "meeting", "police_priority_meeting", "triborough 9"),
    ("triborough", ["neglect"], {}, "any", "default", "triborough 9"),
    ("walsall", ["sexual_abuse"], {"child_age_years": 12, "sarc_referral": True}, "meeting", "sarc_under_13",
     "walsall Child Sexual Assault Referral Centre (SARC)"),
    ("walsall", ["sexual_abuse"], {"child_age_years": 12}, "any", "default", "walsall Definition"),  # no SARC referral (14.9)
    ("walsall", ["sexual_abuse"], {"child_age_years": 13}, "any", "default", "walsall Definition"),
    ("walsall", ["sexual_abuse"], {}, "any", "default", "walsall Definition"),
    ("bristol", ["organised_abuse"], {}, "meeting", "complex_organised_abuse", "bristol complex and organised abuse"),
    ("bristol", ["child_on_child"], {}, "any", "default", "bristol venue"),
    ("darlington", ["fabricated_induced_illness"], {}, "any", "default", "darlington strategy discussion"),
]


@pytest.mark.parametrize("profile_name, concerns, facts, format_, rule, source", FORMAT_ROWS)
def test_format(profile_name, concerns, facts, format_, rule, source):
    assessment = run(profile_name, concerns=concerns, **facts).to_json()
    assert assessment["format"] == format_
    assert assessment["format_rule"]["rule"] == rule
    assert assessment["format_rule"]["source"] == source


def clocks(profile_name, **facts) -> dict:
    return {c["clock"]: c for c in run(profile_name, **facts).to_json()["clocks"]}


def test_assessment_clock_runs_45_working_days_from_the_referral():
    # Mon 23 Nov 2026 + 45 working days, skipping Christmas Day, Boxing Day (observed) and New Year's Day.
    for name in ("bristol", "triborough", "darlington"):
        assert clocks(name, concerns=["neglect"])["assessment"]["due"] == "2027-01-28T17:00:00+00:00"


def test_discussion_clocks_give_their_rule_and_when_they_apply():
    hackney = clocks("hackney")
    assert hackney["information_updates"]["rule"] == "within 1 working day of the discussion"
    assert hackney["information_updates"]["source"] == "hackney 7.2"
    assert hackney["icpc"]["rule"] == "within 15 working days of the discussion"
    assert hackney["icpc"]["applies_when"] == "the discussion decides to start section 47 enquiries"
    assert hackney["s47_review"]["source"] == "hackney 4.3, 9.3"
    assert clocks("triborough")["icpc"]["source"] == "triborough 16"
    assert clocks("bristol")["record_distribution"]["rule"] == "within 10 working days of the discussion"


def test_out_of_hours_clocks_apply_only_to_out_of_hours_referrals():
    evening = "2026-11-23T19:00:00+00:00"
    assert "out_of_hours_record" not in clocks("bristol")
    record = clocks("bristol", received_at=evening)["out_of_hours_record"]
    assert record["rule"] == "before the start of the next working day after the discussion"
    assert record["source"] == "bristol out of hours"
    assert "out_of_hours_not_quorate" not in clocks("walsall")
    assert clocks("walsall", received_at=evening)["out_of_hours_not_quorate"]["source"] == "walsall Out of Hours Strategy Meetings"


@pytest.mark.parametrize("profile_name", PROFILES)
def test_out_of_hours_is_reported(profile_name):
    assert run(profile_name, received_at="2026-11-28T12:00:00+00:00").out_of_hours is True
    assert run(profile_name).out_of_hours is False
