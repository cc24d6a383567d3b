"""PROTOCOL.md §4 (format) and the clocks of §2 that start at or after the discussion."""
from datetime import datetime

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
    ("walsall", ["sexual_abuse"], {"child_age_years": 13, "sarc_referral": True}, "any", "default", "walsall Definition"),  # 13 is not under 13
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


def test_out_of_hours_clocks_are_shown_when_convening_only_for_a_discussion_the_edt_meets():
    evening = "2026-11-23T19:00:00+00:00"
    assert "out_of_hours_record" not in clocks("bristol")
    assert "out_of_hours_record" not in clocks("bristol", received_at=evening)  # 3 working days to run: the day team's
    record = clocks("bristol", received_at=evening, concerns=["serious_physical_injury"])["out_of_hours_record"]  # tonight
    assert record["rule"] == "before the start of the next working day after the discussion"
    assert record["source"] == "bristol out of hours"
    assert "out_of_hours_not_quorate" not in clocks("walsall")
    assert "out_of_hours_not_quorate" not in clocks("walsall", received_at=evening)
    assert clocks("walsall", received_at=evening, concerns=["serious_neglect"])["out_of_hours_not_quorate"]["source"] == \
        "walsall Out of Hours Strategy Meetings"


@pytest.mark.parametrize("profile_name", PROFILES)
def test_out_of_hours_is_reported(profile_name):
    assert run(profile_name, received_at="2026-11-28T12:00:00+00:00").out_of_hours is True
    assert run(profile_name).out_of_hours is False


def test_the_format_is_explained_in_the_profiles_own_words():
    meeting = run("hackney", concerns=["fabricated_induced_illness"]).format_rule
    assert meeting.text == ("complex neglect or maltreatment (fabricated or induced illness, organised and complex abuse) "
                            "needs a face-to-face or video meeting")
    telephone = run("walsall", concerns=["neglect"]).format_rule
    assert telephone.text == "ideally face to face; a telephone or virtual discussion may be adequate in some circumstances"


def test_a_clock_from_the_referral_shown_when_convening_says_what_is_owed_and_when():
    contact = clocks("triborough")["agency_contact"]
    assert contact["text"] == ("children's social care contacts the police and relevant agencies on the same working day, "
                               "to share information and agree whether a strategy meeting is needed")
    assert contact["applies_when"] == "before the discussion (shown when convening; not owed once it is recorded)"


# What a recorded discussion leaves owing (protocol.clocks_owed) ---------------------------------
def owed(profile_name, *, received_at="2026-11-23T10:00:00+00:00", profile_=None, **outcome) -> dict:
    from protocol import Facts, Outcome, clocks_owed
    from scheduling.calendar import calendar_for

    from .helpers import profile

    loaded = profile_ or profile(profile_name)
    recorded = Outcome(**{**outcome, "held_at": datetime.fromisoformat(outcome["held_at"])})
    return {c.clock: c for c in clocks_owed(loaded, Facts(received_at=received_at), recorded, calendar_for(loaded))}


def test_contacting_the_police_before_the_discussion_is_not_owed_once_the_discussion_is_recorded():
    assert "agency_contact" not in owed("triborough", held_at="2026-11-23T14:00:00+00:00", s47_started=True)


@pytest.mark.parametrize("received_at, held_at, due", [
    ("2026-11-23T19:00:00+00:00", "2026-11-23T20:00:00+00:00", "2026-11-24T09:00:00+00:00"),  # Monday night: Tuesday 09:00
    ("2026-11-27T19:00:00+00:00", "2026-11-27T21:00:00+00:00", "2026-11-30T09:00:00+00:00"),  # Friday night: Monday 09:00
    # In the small hours of a working day, the next working day is that one (a procedures expert's trial: it was the day after).
    ("2026-11-22T23:00:00+00:00", "2026-11-23T02:00:00+00:00", "2026-11-23T09:00:00+00:00"),  # Monday 02:00: Monday 09:00
    ("2026-11-24T05:00:00+00:00", "2026-11-24T07:30:00+00:00", "2026-11-24T09:00:00+00:00"),  # Tuesday 07:30: Tuesday 09:00
    ("2026-08-28T19:00:00+01:00", "2026-08-28T22:00:00+01:00", "2026-09-01T09:00:00+01:00"),  # Friday night, bank holiday Monday
])
def test_bristol_an_edt_discussions_record_is_owed_before_the_next_working_day_starts(received_at, held_at, due):
    record = owed("bristol", received_at=received_at, held_at=held_at)["out_of_hours_record"]
    assert record.due.isoformat() == due
    assert record.source == "bristol out of hours"


def test_a_discussion_held_out_of_hours_owes_the_out_of_hours_clocks_whenever_the_referral_came_in():
    # Received Friday 27 Nov 2026 at 16:30, too late to convene in hours: the EDT holds it at 21:00.
    friday_afternoon, friday_night = "2026-11-27T16:30:00+00:00", "2026-11-27T21:00:00+00:00"
    walsall = owed("walsall", received_at=friday_afternoon, held_at=friday_night, quorate=False)["out_of_hours_not_quorate"]
    assert walsall.due.isoformat() == "2026-11-30T17:00:00+00:00"  # a quorate meeting by Monday's close (1 working day)
    assert "out_of_hours_not_quorate" not in owed("walsall", received_at=friday_afternoon, held_at=friday_night, quorate=True)
    bristol = owed("bristol", received_at=friday_afternoon, held_at=friday_night)["out_of_hours_record"]
    assert bristol.due.isoformat() == "2026-11-30T09:00:00+00:00"  # before Monday's working day starts
    # "A quorate strategy meeting the next working day": from Monday 02:00 that is Monday, as from Sunday 22:00.
    for held_at in ("2026-11-22T22:00:00+00:00", "2026-11-23T02:00:00+00:00"):
        early = owed("walsall", received_at="2026-11-22T21:00:00+00:00", held_at=held_at, quorate=False)["out_of_hours_not_quorate"]
        assert early.due.isoformat() == "2026-11-23T17:00:00+00:00"
    # A night referral discussed by the day team owes neither.
    daytime = owed("walsall", received_at="2026-11-27T19:00:00+00:00", held_at="2026-11-30T11:00:00+00:00", quorate=False)
    assert "out_of_hours_not_quorate" not in daytime


def test_walsall_a_discussion_in_hours_without_its_quorum_still_owes_a_quorate_one_the_next_working_day():
    """A procedures expert's trial: "If any of these professionals are not in attendance, then it cannot be
    recorded as a Strategy Meeting" (walsall Who attends), yet one held in hours without health owed nothing."""
    monday = owed("walsall", received_at="2026-11-27T19:00:00+00:00", held_at="2026-11-30T11:00:00+00:00", quorate=False)
    assert monday["not_quorate"].due.isoformat() == "2026-12-01T17:00:00+00:00"  # Tuesday's close
    assert monday["not_quorate"].source.startswith("walsall Who attends a Strategy Meeting?")
    assert "not_quorate" not in owed("walsall", held_at="2026-11-30T11:00:00+00:00", quorate=True)
    night = owed("walsall", received_at="2026-11-27T16:30:00+00:00", held_at="2026-11-27T21:00:00+00:00", quorate=False)
    assert "not_quorate" not in night and "out_of_hours_not_quorate" in night  # the out-of-hours route's own clock
    for other in ("hackney", "bristol", "triborough", "darlington"):  # their procedures say nothing of it
        assert "not_quorate" not in owed(other, held_at="2026-11-30T11:00:00+00:00", quorate=False)
    assert "out_of_hours_record" not in owed("bristol", received_at="2026-11-27T19:00:00+00:00", held_at="2026-11-30T11:00:00+00:00")


def test_the_assessment_clock_runs_from_the_referral_even_when_the_discussion_is_days_later():
    # Referral Monday 23 Nov 2026, discussion Thursday: still 45 working days from the referral (Thu 28 Jan 2027).
    assessment = owed("darlington", held_at="2026-11-26T10:00:00+00:00")["assessment"]
    assert assessment.due.isoformat() == "2027-01-28T17:00:00+00:00"


def test_owed_clocks_carry_the_profiles_words_and_when_they_apply():
    icpc = owed("hackney", held_at="2026-11-24T10:00:00+00:00", s47_started=True)["icpc"]
    assert icpc.text == "initial child protection conference within 15 working days of the discussion that initiated s47"
    assert icpc.applies_when == "the discussion decides to start section 47 enquiries"
    assert icpc.due.isoformat() == "2026-12-15T17:00:00+00:00"  # Tue 24 Nov + 15 working days


def test_a_same_day_clock_owed_after_a_late_afternoon_discussion_goes_to_the_edt_tonight():
    """PROTOCOL.md §2's reading of "same day": under the profile's two working hours left to convene, 23:59 that day."""
    import yaml

    from protocol import parse_profile
    from protocol.loading import PROFILE_DIR

    raw = yaml.safe_load((PROFILE_DIR / "hackney.yaml").read_text())
    raw["clocks"] = [*raw["clocks"], {"clock": "lado_notification", "starts": "discussion", "within": "same_day", "owed_when": "always",
                                      "text": "inform the LADO the same day", "source": "hackney 6.1"}]
    edited = parse_profile(raw)
    assert owed("hackney", profile_=edited, held_at="2026-11-23T15:30:00+00:00")["lado_notification"].due.isoformat() == \
        "2026-11-23T23:59:00+00:00"
    assert owed("hackney", profile_=edited, held_at="2026-11-23T11:00:00+00:00")["lado_notification"].due.isoformat() == \
        "2026-11-23T17:00:00+00:00"


def test_bristols_lado_notification_is_owed_and_chased_a_working_day_after_the_discussion():
    """A procedures trial: bristol's "inform the LADO" is "as soon as practicable", which has no end to count
    to, so it was on no list and chased by nobody. The profile reads it (Working Together: the designated
    officer told within one working day); "as soon as practicable" with no reading is still not chased."""
    from protocol import Facts, Outcome, clocks_owed
    from scheduling.calendar import calendar_for

    from .helpers import profile

    bristol = profile("bristol")
    facts = Facts(received_at="2027-06-08T09:00:00+01:00", concerns=["allegation_against_staff"], child_age_years=9)
    held = Outcome(held_at=datetime.fromisoformat("2027-06-08T14:00:00+01:00"))
    lado = {c.clock: c for c in clocks_owed(bristol, facts, held, calendar_for(bristol))}["lado_notification"]
    assert lado.due.isoformat() == "2027-06-09T17:00:00+01:00"  # Tuesday's discussion: the close of Wednesday
    friday = Outcome(held_at=datetime.fromisoformat("2027-05-28T14:00:00+01:00"))  # Monday 31 May, a bank holiday
    assert {c.clock: c for c in clocks_owed(bristol, facts, friday, calendar_for(bristol))}["lado_notification"].due.isoformat() == \
        "2027-06-01T17:00:00+01:00"
    assert "lado_notification" not in owed("bristol", held_at="2026-11-23T14:00:00+00:00")  # no allegation against staff
    from protocol import assess

    [said] = [c for c in assess(bristol, facts, calendar_for(bristol)).clocks if c.clock == "lado_notification"]
    assert (said.due, said.rule) == (None, "as soon as practicable after the discussion; chased if not done within 1 working day "
                                           "of it (the product's reading, from Working Together on allegations: the LADO told "
                                           "within one working day)")
    assert owed("hackney", held_at="2026-11-23T14:00:00+00:00")["record_distribution"].due is None  # no reading: not chased


def test_a_same_day_reading_of_as_soon_as_practicable_is_the_same_days_reading_of_same_day():
    """chased_after: same_day, read as PROTOCOL.md §2 reads "same day": a discussion at 15:30 leaves under the profile's
    two working hours, so the Emergency Duty Team's 23:59; one at 11:00 the close of the working day."""
    import yaml

    from protocol import Facts, Outcome, clocks_owed, parse_profile
    from protocol.loading import PROFILE_DIR
    from scheduling.calendar import calendar_for

    raw = yaml.safe_load((PROFILE_DIR / "bristol.yaml").read_text())
    [lado] = [c for c in raw["clocks"] if c["clock"] == "lado_notification"]
    lado["chased_after"] = "same_day"
    edited = parse_profile(raw)
    facts = Facts(received_at="2026-11-23T09:00:00+00:00", concerns=["allegation_against_staff"])
    for held, due in (("2026-11-23T15:30:00+00:00", "2026-11-23T23:59:00+00:00"), ("2026-11-23T11:00:00+00:00", "2026-11-23T17:00:00+00:00")):
        owed = {c.clock: c for c in clocks_owed(edited, facts, Outcome(held_at=datetime.fromisoformat(held)), calendar_for(edited))}
        assert owed["lado_notification"].due.isoformat() == due


# equivalent: protocol.assessment.x_clocks_owed__mutmut_56 `if (rule.chased_after) or True else None)` -- with no chased_after, due_by(None, ...) matches none of its cases and returns None, as the else does


@pytest.mark.parametrize("change, refused", [
    ({"within": {"working_days": 2}}, "chased_after reads 'as_soon_as_practicable' only"),
    ({"chased_after": "as_soon_as_practicable"}, "it needs a time to chase from"),
    ({"chased_after": "immediately"}, "it needs a time to chase from"),
    ({"chased_after_source": None}, "chased_after needs chased_after_source"),
    ({"chased_after": None}, "chased_after_source without chased_after"),
])
def test_a_reading_of_as_soon_as_practicable_is_refused_where_it_cannot_be_one(change, refused):
    import yaml

    from protocol import parse_profile
    from protocol.errors import ProfileError
    from protocol.loading import PROFILE_DIR

    raw = yaml.safe_load((PROFILE_DIR / "bristol.yaml").read_text())
    [lado] = [c for c in raw["clocks"] if c["clock"] == "lado_notification"]
    lado.update(change)
    with pytest.raises(ProfileError, match=refused):
        parse_profile(raw)


def test_a_tick_is_unheeded_where_no_rule_of_the_profile_asks_about_it():
    """Walsall's seed invites another authority when one is involved (Out of Area/Borough Children) and its
    SARC rule asks about a SARC referral; hackney's and bristol's ask about neither; darlington's and
    tri-borough's not about adult services either. A fact not ticked is never unheeded."""
    from protocol import Facts
    from protocol.conditions import asked_facts, unheeded

    from .helpers import profile

    ticked = Facts(received_at="2026-11-23T10:00:00+00:00", other_authority_involved=True, sarc_referral=True,
                   adult_services_involved=True, looked_after=True)
    assert unheeded(asked_facts(profile("walsall")), ticked) == ()
    assert unheeded(asked_facts(profile("hackney")), ticked) == ("other_authority_involved", "sarc_referral")
    assert unheeded(asked_facts(profile("bristol")), ticked) == ("other_authority_involved", "sarc_referral")
    assert unheeded(asked_facts(profile("darlington")), ticked) == ("adult_services_involved", "other_authority_involved",
                                                                   "sarc_referral")
    assert unheeded(asked_facts(profile("hackney")), Facts(received_at="2026-11-23T10:00:00+00:00")) == ()
    # What each asks about, from the YAML as written: looked_after (the baseline's fostering service) in all;
    # in_education in hackney (a child in education, age not given); inpatient through `facts_any` alone
    # ("in-patient care is hospital care", every profile).
    assert {"looked_after", "in_education", "medical_implications", "inpatient"} <= asked_facts(profile("hackney"))
    assert {"other_authority_involved", "sarc_referral", "adult_services_involved"} <= asked_facts(profile("walsall"))
    assert "other_authority_involved" not in asked_facts(profile("hackney"))
    # `facts_any` counts as asking, whatever else the profile asks: a rule with it alone makes a fact heeded.
    import yaml

    from protocol import parse_profile
    from protocol.loading import PROFILE_DIR

    raw = yaml.safe_load((PROFILE_DIR / "hackney.yaml").read_text())
    raw["invitees"].append({"agency": "other_authority", "required": False, "when": {"facts_any": ["other_authority_involved"]},
                            "reason": "another authority", "source": "hackney 6.1"})
    assert "other_authority_involved" in asked_facts(parse_profile(raw))
    # and so does `facts_not_denied`.
    assert "sarc_referral" not in asked_facts(profile("hackney"))
    raw["invitees"][-1]["when"] = {"facts_not_denied": ["sarc_referral"]}
    assert "sarc_referral" in asked_facts(parse_profile(raw))


@pytest.mark.parametrize("concluded_by, refused", [
    (["lado_notification"], "clock s47_review: concluded_by names lado_notification"),  # a clock bristol has, hackney not
    (["s47_review"], "clock s47_review: concluded_by names s47_review"),
    (["icpc", "no_such_clock"], "unknown value 'no_such_clock'")])
def test_a_clock_is_concluded_only_by_another_clock_of_the_profile(concluded_by, refused):
    """hackney's s47 review ends with the conference (concluded_by: [icpc]); a clock it does not have, or itself,
    is a slip in the profile, refused when it loads (a mistyped name would leave the review chased for ever)."""
    import yaml

    from protocol import parse_profile
    from protocol.errors import ProfileError
    from protocol.loading import PROFILE_DIR

    raw = yaml.safe_load((PROFILE_DIR / "hackney.yaml").read_text())
    [review] = [c for c in raw["clocks"] if c["clock"] == "s47_review"]
    assert review["concluded_by"] == ["icpc"] and parse_profile(raw)
    review["concluded_by"] = concluded_by
    with pytest.raises(ProfileError, match=refused):
        parse_profile(raw)


def test_a_review_nothing_was_agreed_or_owed_for_is_said_so_and_counted_as_a_review():
    import dataclasses

    from protocol import RuleRef, as_unplanned_review
    from protocol.assessment import Assessment

    referral = RuleRef("default_three_working_days", "within 3 working days of receipt", "hackney 5.1")
    fields = {f.name: None for f in dataclasses.fields(Assessment)}
    unplanned = as_unplanned_review(Assessment(**{**fields, "deadline_rule": referral}))
    assert unplanned.deadline_rule == RuleRef(
        "review", "no date was agreed for a review and none is owed: by the referral's timescale from now (within 3 working days "
                  "of receipt)", "hackney 5.1")
