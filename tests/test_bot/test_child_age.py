"""The child's age the rules test, from the date of birth the chair types: exact at birthdays,
because "under 13" (walsall SARC), "under 1" and compulsory school age (5 to 16) turn on the day."""
from datetime import date, datetime, timezone

import pytest
from pydantic import ValidationError

from bot.wizard import CONCERN_FLAGS, age_in_years, facts_from
from protocol import Facts, assess
from scheduling.calendar import calendar_for
from tests.test_protocol.helpers import profile

RECEIVED = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("born, on, age", [
    (date(2013, 12, 2), date(2026, 12, 1), 12.99),  # the day before the 13th birthday
    (date(2013, 12, 1), date(2026, 12, 1), 13.0),  # the birthday itself
    (date(2008, 12, 2), date(2026, 12, 1), 17.99),  # the day before the 18th birthday
    (date(2025, 12, 1), date(2026, 11, 30), 0.99),  # a baby the day before the first birthday
    (date(2012, 2, 29), date(2025, 2, 28), 12.99),  # born on 29 February: 13 only on 1 March in a common year
    (date(2012, 2, 29), date(2025, 3, 1), 13.0),
    (date(2012, 2, 29), date(2024, 2, 29), 12.0),  # and on 29 February in a leap year
    (date(2026, 6, 1), date(2026, 12, 1), 0.5),  # half of the year from 1 June 2026 to 1 June 2027 (183 of 365 days)
])
def test_the_age_is_completed_years_and_the_part_since_the_last_birthday_never_rounded_up(born, on, age):
    assert age_in_years(born, on=on) == age


def facts_for(born: date, **concern) -> Facts:
    child = {"dob": born.isoformat(), "unborn": False, "education_setting": "", "not_in_education": False,
             "looked_after": False, "in_hospital": False, "inpatient": False}
    typed = {**{flag: False for flag in CONCERN_FLAGS}, "concerns": [], "referrer_agency": "", **concern}
    return Facts.model_validate(facts_from(child, typed, RECEIVED))


def test_walsalls_meeting_for_a_sarc_referral_under_13_holds_until_the_13th_birthday():
    # walsall SARC: "a strategy meeting must take place for all children under 13" referred to the SARC.
    walsall = profile("walsall")
    day_before = facts_for(date(2013, 12, 2), concerns=["sexual_abuse"], sarc_referral=True)
    birthday = facts_for(date(2013, 12, 1), concerns=["sexual_abuse"], sarc_referral=True)
    assert assess(walsall, day_before, calendar_for(walsall)).format == "meeting"
    assert assess(walsall, birthday, calendar_for(walsall)).format == "any"


def test_a_child_the_day_before_the_18th_birthday_is_assessed_and_an_adult_is_refused():
    assert facts_for(date(2008, 12, 2)).child_age_years == 17.99
    with pytest.raises(ValidationError, match="less than 18"):
        Facts(received_at=RECEIVED, child_age_years=18)
    with pytest.raises(ValidationError, match="less than 18"):
        Facts(received_at=RECEIVED, child_age_years=24)


def test_the_other_childrens_ages_are_the_facts_of_a_sibling_on_the_day_the_concern_came():
    child = {"dob": "2025-06-01", "unborn": False, "education_setting": "", "not_in_education": False, "looked_after": False,
             "in_hospital": False, "inpatient": False,
             "other_children": [{"initials": "CD", "dob": "2021-12-01"}, {"initials": "EF", "dob": "2008-11-30"},
                                {"initials": "GH", "dob": "2026-12-02"}]}  # 5 that day; 18 the day before; born since
    typed = {**{flag: False for flag in CONCERN_FLAGS}, "concerns": [], "referrer_agency": ""}
    facts = Facts.model_validate(facts_from(child, typed, RECEIVED))
    assert facts.other_children_ages == (5.0,)  # the adult and the child born since the concern are not counted
    hackney = profile("hackney")
    school = next(i for i in assess(hackney, facts, calendar_for(hackney)).invitees if i.agency == "education_dsl")
    assert school.required and school.source == "hackney 6.1"
