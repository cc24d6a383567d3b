"""The wizard's pure readings at the edges a hostile trial found crashing a card ("Not done: something
went wrong") instead of refusing with a reason on it."""
import math
from datetime import date, datetime, timezone

import pytest

from bot.wizard import CONCERN_FLAGS, MAX_OTHER_CHILDREN, as_int, facts_from, keep, parse_child, parse_concern
from protocol import Facts

CHILD = {"case_reference": "CR-1", "initials": "AB", "education_setting": "Example Primary"}


NEVER_A_NAME = "Give the case reference from your case system (e.g. CR-104233): it is shown in the channel, so never a name."


@pytest.mark.parametrize("typed", ["JAYDEN-SMITH", "JaydenSmith2016", "Smith_Jayden", "Jayden Smith", "smith2016", "AB-CD", "MIA"])
def test_a_name_typed_as_the_case_reference_is_refused_saying_why(typed):
    """A privacy trial: the case reference is shown in channels, meeting titles and emails, and a name passed."""
    assert parse_child({**CHILD, "case_reference": typed, "dob": "04/05/2016"}, today=date(2026, 12, 1))[1] == {
        "case_reference": NEVER_A_NAME}


@pytest.mark.parametrize("typed", ["CR-104233", "cr-104233", "MOS12345", "LCS-2024-0001", "CR-1", "CR-I3", "2024/0001", "ABCD_9"])
def test_a_case_systems_reference_is_taken(typed):
    child, errors = parse_child({**CHILD, "case_reference": typed, "dob": "04/05/2016"}, today=date(2026, 12, 1))
    assert errors == {} and child["case_reference"] == typed.upper()


def test_on_29_february_a_child_can_be_entered_and_18_is_still_18():
    leap_day = date(2028, 2, 29)
    child, errors = parse_child({**CHILD, "dob": "04/05/2016"}, today=leap_day)
    assert errors == {} and child["dob"] == "2016-05-04"
    assert parse_child({**CHILD, "dob": "29/02/2012"}, today=leap_day)[1] == {}
    # Born 29 January 2010: 18 on 29 January, 31 days ago, before any concern the next card takes (30 days back).
    assert "18 or over" in parse_child({**CHILD, "dob": "29/01/2010"}, today=leap_day)[1].get("dob", "")
    # Born 28 February 2010: 18 the day before, so 17 when a concern of earlier this month came: judged on the next card.
    assert parse_child({**CHILD, "dob": "28/02/2010"}, today=leap_day)[1] == {}
    assert parse_child({**CHILD, "dob": "01/03/2010"}, today=leap_day)[1] == {}


def test_a_child_17_when_the_concern_came_and_18_today_is_a_child_the_discussion_is_about():
    """A hostile trial: 17 on the day the concern was received and 18 by the discussion was refused on the
    child card, judged against today. The age that counts is the one on the day it was received."""
    child = {"case_reference": "CR-1", "initials": "AB", "dob": "2008-11-20", "unborn": False, "education_setting": "",
             "not_in_education": True, "looked_after": False, "in_hospital": False, "inpatient": False, "other_children": []}
    now = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)  # 18 since 20 November
    assert parse_child({**CHILD, "dob": "20/11/2008"}, today=now.date())[1] == {}
    concern = {"concerns": "neglect", "received_time": "09:00"}
    _, facts, errors = parse_concern({**concern, "received_date": "19/11/2026"}, now=now, zone=timezone.utc, child=child)
    assert errors == {} and 17 < facts["child_age_years"] < 18
    _, _, errors = parse_concern({**concern, "received_date": "20/11/2026"}, now=now, zone=timezone.utc, child=child)
    assert errors == {"received_date": "The child was 18 by 20/11/2026; strategy discussions are for children. "
                                       "Check this date, or the date of birth (Back)."}


def test_other_children_are_at_most_twenty_and_all_under_18():
    today = date(2026, 12, 1)
    twenty = "\n".join(f"C{chr(65 + i % 26)} 02/04/2017" for i in range(MAX_OTHER_CHILDREN))
    assert len(parse_child({**CHILD, "dob": "04/05/2016", "other_children": twenty}, today=today)[0]["other_children"]) == 20
    _, errors = parse_child({**CHILD, "dob": "04/05/2016", "other_children": twenty + "\nCD 02/04/2017"}, today=today)
    assert errors["other_children"] == "List at most 20 other children; for more, say so in the record."
    _, errors = parse_child({**CHILD, "dob": "04/05/2016", "other_children": "CD 02/04/2017\nEF 01/01/0001"}, today=today)
    assert errors["other_children"] == "Line 2: that would be someone 18 or over; list the children under 18."
    assert parse_child({**CHILD, "dob": "04/05/2016", "other_children": "EF 02/12/2008"}, today=today)[1] == {}  # 18 tomorrow
    # 18 a week ago: under 18 when a concern of this month came; one 18 since is not counted (facts_from).
    assert parse_child({**CHILD, "dob": "04/05/2016", "other_children": "EF 24/11/2008"}, today=today)[1] == {}
    _, errors = parse_child({**CHILD, "dob": "04/05/2016", "other_children": "EF 31/10/2008"}, today=today)  # 18 for 31 days
    assert errors["other_children"] == "Line 1: that would be someone 18 or over; list the children under 18."


def test_a_child_born_since_the_concern_came_is_a_pre_birth_concern_as_received():
    child = {"dob": "2026-11-25", "unborn": False, "education_setting": "", "not_in_education": False, "looked_after": False,
             "in_hospital": False, "inpatient": False}
    typed = {**{flag: False for flag in CONCERN_FLAGS}, "concerns": ["neglect"], "referrer_agency": ""}
    facts = Facts.model_validate(facts_from(child, typed, datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)))
    assert facts.concerns == ("neglect", "unborn_child") and facts.child_age_years is None
    born_before = Facts.model_validate(facts_from(child, typed, datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)))
    assert born_before.concerns == ("neglect",) and born_before.child_age_years == 0.0


def test_a_child_of_school_age_is_in_a_school_or_said_not_to_be():
    """A procedures expert's trial (walsall): a 10-year-old with the setting left empty was read as not in
    education, so no school was invited and the record's distribution named the Education Welfare Service."""
    today = date(2026, 12, 1)
    unsaid = {"case_reference": "CR-1", "initials": "AB", "dob": "04/05/2016"}  # 10
    assert parse_child(unsaid, today=today)[1] == {
        "education_setting": "A child of school age: name their school or college (its safeguarding lead is invited), "
                             "or tick 'Not in education'."}
    assert parse_child({**unsaid, "not_in_education": "true"}, today=today)[1] == {}
    assert parse_child({**unsaid, "education_setting": "Example Primary"}, today=today)[1] == {}
    # Under 5 (4 the day before their birthday) or 16 and over: a nursery or college may be named, or not.
    assert parse_child({**unsaid, "dob": "02/12/2021"}, today=today)[1] == {}
    assert parse_child({**unsaid, "dob": "01/12/2021"}, today=today)[1] != {}  # 5 today
    assert parse_child({**unsaid, "dob": "01/12/2010"}, today=today)[1] == {}  # 16 today
    assert parse_child({**unsaid, "dob": "02/12/2010"}, today=today)[1] != {}  # 16 tomorrow


def test_numbers_a_card_cannot_send_are_not_read_or_kept():
    assert as_int(math.inf) is None and as_int(-math.inf) is None and as_int(math.nan) is None and as_int("2") == 2
    kept = keep({"step": "child"}, {"case_reference": math.nan, "initials": math.inf, "dob": "04/05/2016", "other_children": 3})
    assert kept["values"]["child"] == {"dob": "04/05/2016", "other_children": 3}


def test_a_two_digit_year_is_asked_for_in_full_not_called_an_unreal_date():
    """A walk: "CD 2/4/18" was told "that date of birth is not a real date; write it day first"."""
    today = date(2026, 12, 1)
    assert parse_child({**CHILD, "dob": "04/05/2016", "other_children": "CD 2/4/18"}, today=today)[1]["other_children"] == \
        "Line 1: write the year in full, e.g. 02/04/2018."
    assert parse_child({**CHILD, "dob": "4/5/16"}, today=today)[1]["dob"] == "Write the year in full, e.g. 04/05/2016."
    assert parse_child({**CHILD, "dob": "31/02/2016"}, today=today)[1]["dob"] == \
        "Enter the date of birth as a real date, day first, e.g. 04/05/2016."


def test_the_referring_agency_is_an_agency_never_a_person_by_their_title():
    """A walk: "Mrs Jones at school" was taken, and repeated in the invitees' reasons and the review's draft."""
    child = {"case_reference": "CR-1", "initials": "AB", "dob": "2016-05-04", "unborn": False, "education_setting": "Example Primary",
             "not_in_education": False, "looked_after": False, "in_hospital": False, "inpatient": False, "other_children": []}
    now = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
    concern = {"concerns": "neglect", "received_date": "01/12/2026", "received_time": "09:00"}
    for person in ("Mrs Jones at school", "dr. patel, GP", "Mr Smith"):
        _, _, errors = parse_concern({**concern, "referrer_agency": person}, now=now, zone=timezone.utc, child=child)
        assert errors == {"referrer_agency": "Name the agency only (e.g. 'the child's school', 'GP surgery'), not a person."}, person
    # A walk typed "parent" and was offered to invite them: a strategy discussion is for professionals.
    for nobody_to_invite in ("parent", "The mother", "Grandparents", "neighbour", "member of the public", "anonymous", "the child",
                             # said within a phrase (a re-check)
                             "a concerned neighbour", "anonymous caller", "Parent/carer", "mum (by phone)", "neighbour via 101",
                             "MOP", "Self referral by mother", "ex-partner", "victim's brother"):
        _, _, errors = parse_concern({**concern, "referrer_agency": nobody_to_invite}, now=now, zone=timezone.utc, child=child)
        assert errors["referrer_agency"].startswith("A strategy discussion is for professionals"), nobody_to_invite
    for agency in ("the child's school", "Hackney Police", "GP surgery", "Missing persons unit", "Family Support Service",
                   "parenting team", "foster carer", "Children's Centre", "CAMHS", "health visitor", "Police (a neighbour's 101 call)",
                   "Early Help (parent)", "Youth Offending Team", "Education Welfare Service"):
        _, facts, errors = parse_concern({**concern, "referrer_agency": agency}, now=now, zone=timezone.utc, child=child)
        assert errors == {} and facts["referrer_agency"] == agency, agency


def test_a_received_date_that_cannot_be_read_is_told_what_is_wrong_with_it():
    """A walk: 2026-02-31 and 02/12/26 were each told "Enter the date the concern was received"."""
    child = {"case_reference": "CR-1", "initials": "AB", "dob": "2016-05-04", "unborn": False, "education_setting": "Example Primary",
             "not_in_education": False, "looked_after": False, "in_hospital": False, "inpatient": False, "other_children": []}
    now = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)

    def said(typed: str) -> str | None:
        concern = {"concerns": "neglect", "received_date": typed, "received_time": "09:00"}
        return parse_concern(concern, now=now, zone=timezone.utc, child=child)[2].get("received_date")

    assert said("") == "Enter the date the concern was received."
    for unreal in ("2026-02-31", "31/02/2026", "yesterday"):
        assert said(unreal) == "That is not a real date: write it day first, e.g. 02/12/2026.", unreal
    assert said("02/12/26") == said("2/12/26") == "Write the year in full, e.g. 02/12/2026."
    assert said("01/12/2026") is None


def test_a_meetings_closed_day_is_said_except_for_the_emergency_duty_teams_own():
    """Saturday 28 November 2026: a day team's meeting set then is said to be on a closed day (it may be meant);
    the Emergency Duty Team, which meets out of hours by its rule, is not told so of its own."""
    from bot.wizard import meeting_day_closed, meets_out_of_hours
    from scheduling.calendar import WorkingCalendar

    saturday, monday, calendar = (datetime(2026, 11, 28, 20, 0, tzinfo=timezone.utc), datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc),
                                  WorkingCalendar())
    edt, day_team = {"convened_by": "Emergency Duty Team"}, {"convened_by": "day team"}
    assert meeting_day_closed(day_team, saturday, calendar) == "a Saturday"
    assert meeting_day_closed(None, saturday, calendar) == "a Saturday"  # a draft not yet assessed
    assert meeting_day_closed(edt, saturday, calendar) is None
    assert meeting_day_closed(day_team, monday, calendar) is None
    assert (meets_out_of_hours(edt), meets_out_of_hours(day_team), meets_out_of_hours(None)) == (True, False, False)
