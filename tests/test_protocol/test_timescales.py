"""PROTOCOL.md §2, every row for every profile: the deadline, and the rule and source behind it."""
import pytest

from .helpers import MONDAY_10AM, PROFILES, run

SAME_DAY = "2026-11-23T17:00:00+00:00"
ONE_WD = "2026-11-24T17:00:00+00:00"
THREE_WD = "2026-11-26T17:00:00+00:00"
FIVE_WD = "2026-11-30T17:00:00+00:00"

# situation -> facts, then per profile: (deadline, rule id, source), received Monday 10:00.
ROWS = {
    "default": (
        {"concerns": ["physical_abuse"]},
        {
            "hackney": (THREE_WD, "default_three_working_days", "hackney 4.1"),
            "bristol": (THREE_WD, "default_three_working_days", "bristol flow chart"),
            "triborough": (THREE_WD, "default_three_working_days", "triborough 15"),
            "walsall": (THREE_WD, "default_three_working_days", "walsall Timeframe"),
            "darlington": (THREE_WD, "default_rapid", "darlington strategy discussion"),
        },
    ),
    "serious physical injury": (
        {"concerns": ["serious_physical_injury"]},
        {
            "hackney": (SAME_DAY, "serious_risk_of_harm", "hackney 4.2"),
            "bristol": (SAME_DAY, "serious_risk_of_harm", "bristol flow chart (immediate action)"),
            "triborough": (SAME_DAY, "serious_risk_of_harm", "triborough 15"),
            "walsall": (SAME_DAY, "serious_risk_of_harm", "walsall Timeframe"),
            "darlington": (THREE_WD, "default_rapid", "darlington strategy discussion"),
        },
    ),
    "serious neglect": (
        {"concerns": ["serious_neglect"]},
        {
            "hackney": (SAME_DAY, "serious_risk_of_harm", "hackney 4.2"),
            "bristol": (SAME_DAY, "serious_risk_of_harm", "bristol flow chart (immediate action)"),
            "triborough": (SAME_DAY, "serious_risk_of_harm", "triborough 15"),
            "walsall": (SAME_DAY, "serious_risk_of_harm", "walsall Timeframe"),
            "darlington": (THREE_WD, "default_rapid", "darlington strategy discussion"),
        },
    ),
    "penetrative sexual abuse, forensic evidence needed": (
        {"concerns": ["penetrative_sexual_abuse"], "forensic_evidence_needed": True},
        {
            "hackney": (SAME_DAY, "penetrative_sexual_abuse_forensic", "hackney 4.2"),
            "bristol": (THREE_WD, "default_three_working_days", "bristol flow chart"),
            "triborough": (SAME_DAY, "penetrative_sexual_abuse_forensic", "triborough 15"),
            "walsall": (SAME_DAY, "penetrative_sexual_abuse_forensic", "walsall Timeframe"),
            "darlington": (THREE_WD, "default_rapid", "darlington strategy discussion"),
        },
    ),
    "penetrative sexual abuse, no forensic need": (
        {"concerns": ["penetrative_sexual_abuse"], "forensic_evidence_needed": False},
        {
            "hackney": (THREE_WD, "default_three_working_days", "hackney 4.1"),
            "bristol": (THREE_WD, "default_three_working_days", "bristol flow chart"),
            "triborough": (THREE_WD, "default_three_working_days", "triborough 15"),
            "walsall": (THREE_WD, "default_three_working_days", "walsall Timeframe"),
            "darlington": (THREE_WD, "default_rapid", "darlington strategy discussion"),
        },
    ),
    "risk to life": (
        {"concerns": ["risk_to_life"]},
        {
            "hackney": (SAME_DAY, "serious_risk_of_harm", "hackney 4.2"),
            "bristol": (SAME_DAY, "serious_risk_of_harm", "bristol flow chart (immediate action)"),
            "triborough": (SAME_DAY, "risk_to_life", "triborough 5"),
            "walsall": (SAME_DAY, "serious_risk_of_harm", "walsall Timeframe"),
            "darlington": (THREE_WD, "default_rapid", "darlington strategy discussion"),
        },
    ),
    "immediate protective action": (
        {"concerns": ["physical_abuse"], "immediate_protective_action": True},
        {
            "hackney": (ONE_WD, "immediate_protective_action", "hackney 4.2"),
            "bristol": (SAME_DAY, "immediate_protective_action", "bristol flow chart (immediate action)"),  # 14.6
            "triborough": (ONE_WD, "immediate_action", "triborough 15"),
            "walsall": (ONE_WD, "immediate_action", "walsall Timeframe"),
            "darlington": (THREE_WD, "default_rapid", "darlington strategy discussion"),
        },
    ),
    "organised abuse": (
        {"concerns": ["organised_abuse"]},
        {
            "hackney": (FIVE_WD, "complex_abuse", "hackney 4.2"),
            "bristol": (ONE_WD, "complex_organised_abuse", "bristol complex and organised abuse"),
            "triborough": (FIVE_WD, "complex_abuse", "triborough 15"),
            "walsall": (ONE_WD, "organised_abuse_or_allegation_against_staff", "walsall Timeframe"),
            "darlington": (THREE_WD, "default_rapid", "darlington strategy discussion"),
        },
    ),
    "allegation against staff": (
        {"concerns": ["allegation_against_staff"]},
        {
            "hackney": (FIVE_WD, "complex_abuse", "hackney 4.2"),
            "bristol": (THREE_WD, "default_three_working_days", "bristol flow chart"),
            "triborough": (FIVE_WD, "complex_abuse", "triborough 15"),
            "walsall": (ONE_WD, "organised_abuse_or_allegation_against_staff", "walsall Timeframe"),
            "darlington": (THREE_WD, "default_rapid", "darlington strategy discussion"),
        },
    ),
    "complex, but the child needed immediate protection": (
        {"concerns": ["organised_abuse"], "immediate_protective_action": True},
        {
            "hackney": (ONE_WD, "immediate_protective_action", "hackney 4.2"),
            "bristol": (SAME_DAY, "immediate_protective_action", "bristol flow chart (immediate action)"),
            "triborough": (ONE_WD, "immediate_action", "triborough 15"),
            "walsall": (ONE_WD, "immediate_action", "walsall Timeframe"),
            "darlington": (THREE_WD, "default_rapid", "darlington strategy discussion"),
        },
    ),
}

CASES = [
    pytest.param(facts, name, *expected[name], id=f"{situation}-{name}")
    for situation, (facts, expected) in ROWS.items()
    for name in PROFILES
]


@pytest.mark.parametrize("facts, profile_name, deadline, rule, source", CASES)
def test_every_timescale_row_for_every_profile(facts, profile_name, deadline, rule, source):
    assessment = run(profile_name, **facts).to_json()
    assert assessment["deadline"] == deadline
    assert assessment["deadline_rule"]["rule"] == rule
    assert assessment["deadline_rule"]["source"] == source


def test_a_complex_case_replaces_the_default_instead_of_being_capped_by_it():
    # Five working days is the rule for complex abuse even though it is longer than the default three.
    assessment = run("hackney", concerns=["allegation_against_staff"])
    assert assessment.deadline.isoformat() == FIVE_WD
    assert assessment.matched_rules == ("complex_abuse",)


def test_when_several_rules_match_the_earliest_deadline_wins_and_all_are_named():
    assessment = run("hackney", concerns=["serious_physical_injury", "organised_abuse"], immediate_protective_action=True)
    assert assessment.deadline.isoformat() == SAME_DAY
    assert assessment.deadline_rule.rule == "serious_risk_of_harm"
    assert set(assessment.matched_rules) == {"serious_risk_of_harm", "immediate_protective_action", "complex_abuse"}


def test_hackney_local_aim_is_shown_as_a_target_earlier_than_the_deadline():
    assessment = run("hackney", concerns=["emotional_abuse"]).to_json()
    assert assessment["deadline"] == THREE_WD
    assert assessment["target"]["due"] == ONE_WD
    assert assessment["target"]["source"] == "hackney 4.1"


def test_no_target_when_the_deadline_is_already_sooner_than_the_local_aim():
    assert "target" not in run("hackney", concerns=["serious_neglect"]).to_json()


def test_triborough_risk_to_life_aims_at_immediately_and_binds_at_end_of_day():
    assessment = run("triborough", concerns=["risk_to_life"]).to_json()
    assert assessment["target"]["due"] == "2026-11-23T10:00:00+00:00"
    assert "immediately" in assessment["target"]["text"]
    assert assessment["deadline"] == SAME_DAY


@pytest.mark.parametrize(
    "received_at, deadline",
    [
        ("2026-11-23T14:59:00+00:00", "2026-11-23T17:00:00+00:00"),  # over two working hours left: the day team
        ("2026-11-23T15:00:00+00:00", "2026-11-23T17:00:00+00:00"),  # exactly two hours: still the day team
        ("2026-11-23T15:01:00+00:00", "2026-11-23T23:59:00+00:00"),  # under two hours to convene: EDT tonight
        ("2026-11-23T16:59:00+00:00", "2026-11-23T23:59:00+00:00"),  # never a one-minute deadline (issue 14.10)
        ("2026-11-23T17:00:00+00:00", "2026-11-23T23:59:00+00:00"),  # 17:00 exactly is out of hours: EDT, never a past deadline
        ("2026-11-23T17:30:00+00:00", "2026-11-23T23:59:00+00:00"),  # evening: EDT tonight
        ("2026-11-23T07:30:00+00:00", "2026-11-23T23:59:00+00:00"),  # before opening: out of hours
        ("2026-11-28T14:00:00+00:00", "2026-11-28T23:59:00+00:00"),  # Saturday
        ("2026-12-25T09:30:00+00:00", "2026-12-25T23:59:00+00:00"),  # Christmas Day
        ("2026-11-23T23:30:00-05:00", "2026-11-24T23:59:00+00:00"),  # offset input: 04:30 London, next day
    ],
)
def test_same_day_means_close_of_business_in_hours_and_edt_tonight_otherwise(received_at, deadline):
    assessment = run("hackney", received_at=received_at, concerns=["serious_physical_injury"])
    assert assessment.deadline.isoformat() == deadline


@pytest.mark.parametrize(
    "received_at, concerns, deadline",
    [
        ("2026-12-23T11:00:00+00:00", ["physical_abuse"], "2026-12-30T17:00:00+00:00"),  # over Christmas and Boxing Day (observed)
        ("2026-12-31T11:00:00+00:00", ["physical_abuse"], "2027-01-06T17:00:00+00:00"),  # over New Year's Day
        ("2027-03-25T11:00:00+00:00", ["physical_abuse"], "2027-04-01T17:00:00+01:00"),  # Good Friday, Easter Monday, into BST
        ("2027-03-26T11:00:00+00:00", ["serious_neglect"], "2027-03-26T23:59:00+00:00"),  # Good Friday: out of hours
        ("2026-10-23T10:00:00+01:00", ["organised_abuse"], "2026-10-30T17:00:00+00:00"),  # across the clocks going back
        ("2026-11-27T18:00:00+00:00", ["physical_abuse"], "2026-12-02T17:00:00+00:00"),  # Friday evening
        # Before Monday's working day begins: counted as what came in on the Sunday evening (found at the same 09:00)
        ("2026-11-22T22:00:00+00:00", ["physical_abuse"], "2026-11-25T17:00:00+00:00"),
        ("2026-11-23T08:30:00+00:00", ["physical_abuse"], "2026-11-25T17:00:00+00:00"),
        ("2026-11-23T09:00:00+00:00", ["physical_abuse"], "2026-11-26T17:00:00+00:00"),  # in hours: Monday is the day of receipt
    ],
)
def test_deadlines_across_holidays_and_daylight_saving(received_at, concerns, deadline):
    assert run("hackney", received_at=received_at, concerns=concerns).deadline.isoformat() == deadline


def test_scottish_region_counts_st_andrews_day():
    # Friday 27 Nov 2026; Monday 30 Nov is St Andrew's Day (a bank holiday in Scotland only).
    england = run("hackney", received_at="2026-11-27T10:00:00+00:00", immediate_protective_action=True)
    scotland = run("hackney", received_at="2026-11-27T10:00:00+00:00", immediate_protective_action=True, region="SCT")
    assert england.deadline.isoformat() == "2026-11-30T17:00:00+00:00"
    assert scotland.deadline.isoformat() == "2026-12-01T17:00:00+00:00"


def test_the_earliest_deadline_wins_whatever_order_the_profile_lists_its_rules_in():
    """Several rules match: the earliest deadline binds (README, "Deadline semantics"), not the first listed."""
    import yaml

    from protocol import Facts, assess, parse_profile
    from protocol.loading import PROFILE_DIR
    from scheduling.calendar import calendar_for

    raw = yaml.safe_load((PROFILE_DIR / "hackney.yaml").read_text())
    raw["timescales"]["rules"] = list(reversed(raw["timescales"]["rules"]))  # the five-day rule now first
    reordered = parse_profile(raw)
    facts = Facts(received_at=MONDAY_10AM, concerns=["organised_abuse", "serious_neglect"])
    assessment = assess(reordered, facts, calendar_for(reordered))
    assert assessment.deadline_rule.rule == "serious_risk_of_harm" and assessment.deadline.isoformat() == SAME_DAY


# A second mutation run (mutmut 3.8.1) found these unpinned ------------------------------------
def test_the_deadline_is_explained_in_the_profiles_own_words():
    rule = run("hackney", concerns=["serious_neglect"]).deadline_rule
    assert rule.text == "same day as the referral; serious risk of harm (e.g. serious physical injury, serious neglect, risk to life)"


def test_triborough_risk_to_life_target_names_its_rule_words_and_source():
    target = run("triborough", concerns=["risk_to_life"]).target
    assert (target.rule, target.source) == ("risk_to_life", "triborough 5")
    assert target.text == "immediately; CSC must start the strategy discussion with the Child Abuse Investigation Team now"


def test_hackney_local_aim_names_its_rule_and_words():
    target = run("hackney", concerns=["emotional_abuse"]).target
    assert target.rule == "local_aim_one_working_day"
    assert target.text == "local practice aims to hold it the same day or within one working day"


def test_no_local_aim_when_it_falls_at_the_same_moment_as_the_deadline():
    # Immediate protective action: one working day binds, and the one-working-day aim is not earlier than that.
    assessment = run("hackney", immediate_protective_action=True)
    assert assessment.deadline.isoformat() == ONE_WD
    assert assessment.target is None


def _hackney_edited(edit):
    import yaml

    from protocol import parse_profile
    from protocol.loading import PROFILE_DIR

    raw = yaml.safe_load((PROFILE_DIR / "hackney.yaml").read_text())
    edit(raw)
    return parse_profile(raw)


def test_a_rules_same_day_target_without_its_own_words_is_described_and_due_by_close_of_business():
    from protocol import Facts, assess
    from scheduling.calendar import calendar_for

    def aim_same_day(raw):
        immediate = next(r for r in raw["timescales"]["rules"] if r["rule"] == "immediate_protective_action")
        immediate["target"] = "same_day"

    edited = _hackney_edited(aim_same_day)
    assessment = assess(edited, Facts(received_at=MONDAY_10AM, immediate_protective_action=True), calendar_for(edited))
    assert assessment.target.due.isoformat() == SAME_DAY
    assert assessment.target.text == "the same day as receipt"
    assert (assessment.target.rule, assessment.target.source) == ("immediate_protective_action", "hackney 4.2")


def test_a_profiles_same_day_local_aim_is_due_by_close_of_business():
    from protocol import Facts, assess
    from scheduling.calendar import calendar_for

    def aim_same_day(raw):
        raw["timescales"]["target"]["within"] = "same_day"

    edited = _hackney_edited(aim_same_day)
    assessment = assess(edited, Facts(received_at=MONDAY_10AM, concerns=["physical_abuse"]), calendar_for(edited))
    assert assessment.deadline.isoformat() == THREE_WD
    assert assessment.target.due.isoformat() == SAME_DAY


@pytest.mark.parametrize("received_at", ["2026-11-23T19:00:00+00:00", "2026-11-28T12:00:00+00:00", "2026-11-27T17:01:00+00:00"])
def test_a_three_day_concern_received_out_of_hours_is_met_by_the_day_team(received_at):
    """PROTOCOL.md §2: out of hours, "same day" means the EDT tonight; a concern with working days to run
    waits for the day team (README, "Protocol contract": `convened_by`)."""
    assessment = run("hackney", received_at=received_at, concerns=["physical_abuse"])
    assert assessment.deadline_rule.rule == "default_three_working_days"
    assert assessment.out_of_hours is True
    assert assessment.convened_by == "day team"


@pytest.mark.parametrize("received_at, deadline", [
    ("2026-11-23T19:00:00+00:00", "2026-11-23T23:59:00+00:00"),  # a Monday evening
    ("2026-11-28T12:00:00+00:00", "2026-11-28T23:59:00+00:00"),  # a Saturday
])
def test_a_same_day_concern_received_out_of_hours_is_the_edts_tonight(received_at, deadline):
    assessment = run("hackney", received_at=received_at, concerns=["serious_physical_injury"])
    assert assessment.deadline.isoformat() == deadline
    assert assessment.convened_by == "Emergency Duty Team"


def test_a_timescale_may_not_test_out_of_hours_which_its_deadline_decides():
    from protocol import ProfileError

    def night_rule(raw):
        raw["timescales"]["rules"][0]["when"] = {"out_of_hours": True}

    with pytest.raises(ProfileError, match="a timescale cannot test out_of_hours"):
        _hackney_edited(night_rule)


@pytest.mark.parametrize("deadline, edt", [
    ("2026-11-23T17:00:00+00:00", False),  # the close of a working day: met in hours
    ("2026-11-23T23:59:00+00:00", True),  # tonight
    ("2026-11-24T09:00:00+00:00", True),  # before the working day starts: tonight's, the EDT's
    ("2026-11-24T09:01:00+00:00", False),  # a minute of the working day before it: the day team's
])
def test_the_edt_meets_a_deadline_with_no_working_minute_before_it(deadline, edt):
    from datetime import datetime

    from protocol import met_out_of_hours
    from scheduling.calendar import calendar_for

    from .helpers import profile

    assert met_out_of_hours(datetime.fromisoformat(deadline), calendar_for(profile("hackney"))) is edt


def test_a_referral_at_17_00_exactly_counts_as_out_of_hours():
    assert run("hackney", received_at="2026-11-23T17:00:00+00:00").out_of_hours is True
    assert run("hackney", received_at="2026-11-23T16:59:00+00:00").out_of_hours is False


# equivalent: protocol.assessment.x_assess__mutmut_23 `eadlines, key=None)` -- min() over (deadline, index, rule) without a key compares the same first two items; the index is unique, so the rule is never compared
# equivalent: protocol.assessment.x_assess__mutmut_25 `in(deadlines, )` -- min() over (deadline, index, rule) without a key compares the same first two items; the index is unique, so the rule is never compared
