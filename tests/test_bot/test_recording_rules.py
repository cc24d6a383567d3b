"""The record's pure rules: UK dates, agencies' replies, due dates in working days."""
from datetime import date, datetime, timezone

import pytest

from bot import recording
from scheduling.calendar import WorkingCalendar

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    "text, expected",
    [("14/12", date(2026, 12, 14)), ("14/12/2026", date(2026, 12, 14)), ("2026-12-14", date(2026, 12, 14)),
     ("14.12.26", date(2026, 12, 14)), ("3/1", date(2027, 1, 3)), ("12/14", None), ("31/02/2027", None), ("soon", None)],
)
def test_dates_are_read_day_first_and_a_past_day_month_means_next_year(text, expected):
    assert recording.uk_date(text, today=TODAY) == expected


@pytest.mark.parametrize(
    "message, expected",
    [
        ("A2 done", {"action": 2, "status": "completed"}),
        ("a2 Completed", {"action": 2, "status": "completed"}),
        ("A3 by 14/12", {"action": 3, "status": "will_complete_by", "by": "2026-12-14"}),
        ("A3 by 2026-12-14", {"action": 3, "status": "will_complete_by", "by": "2026-12-14"}),
        ("A4 not required: child moved out of area", {"action": 4, "status": "not_required", "reason": "child moved out of area"}),
        ("A5 further discussion", {"action": 5, "status": "needs_discussion"}),
        ("update PNC: nothing known", {"update": "PNC: nothing known"}),
    ],
)
def test_replies_in_the_thread(message, expected):
    assert recording.parse_report(message, today=TODAY) == expected


@pytest.mark.parametrize(
    "message, hint",
    [("A4 not required", "Say why it is no longer required"), ("A3 by Friday", "UK way"), ("A3 by 01/01/2020", "has passed"),
     ("finished A2", "A2 done · A3 by 14/12"), ("A2 sort of", "A2 done · A3 by 14/12")],
)
def test_unclear_replies_get_an_example(message, hint):
    answer = recording.parse_report(message, today=TODAY)
    assert isinstance(answer, str) and hint in answer


def test_due_in_working_days_or_by_date():
    calendar = WorkingCalendar()
    friday = datetime(2026, 12, 18, 15, 0, tzinfo=timezone.utc)
    assert recording.parse_due("3 working days", start=friday, calendar=calendar).isoformat() == "2026-12-23T17:00:00+00:00"
    assert recording.parse_due("5 working days", start=friday, calendar=calendar).isoformat() == "2026-12-29T17:00:00+00:00"
    assert recording.parse_due("24/12/2026", start=friday, calendar=calendar).isoformat() == "2026-12-24T17:00:00+00:00"
    assert recording.parse_due("a fortnight", start=friday, calendar=calendar) is None


def test_quorum_needs_police_and_health_to_have_attended():
    rows = [{"agency": "police", "attendance": "attended"}, {"agency": "health", "attendance": "apologies"}]
    assert recording.quorate(rows, ["social_care", "police", "health"]) is False
    rows[1]["attendance"] = "attended"
    assert recording.quorate(rows, ["social_care", "police", "health"]) is True


def test_the_profile_decides_which_parts_of_the_record_are_required():
    from protocol import load_profile

    answers = {"concerns": "Bruising", "severity": "Significant", "impact": "Pain"}
    _, hackney = recording.parse_text_step("concerns", answers, required=set(load_profile("hackney").record.required))
    _, walsall = recording.parse_text_step("concerns", answers, required=set(load_profile("walsall").record.required))
    assert hackney == {}
    assert sorted(walsall) == ["duration", "frequency", "intent"]  # Walsall records the whole threshold


# Behaviours a mutation run found unguarded (issue 16), each stated from the rule.
def test_a_day_and_month_typed_on_that_day_means_today_and_one_gone_means_next_year():
    today = date(2026, 11, 23)
    assert recording.uk_date("23/11", today=today) == date(2026, 11, 23)
    assert recording.uk_date("22/11", today=today) == date(2027, 11, 22)
    assert recording.uk_date("14/12", today=today) == date(2026, 12, 14)


def test_a_decision_needs_a_child_of_the_discussion_a_known_kind_and_its_reasoning():
    good = {"decision_child": "AB", "decision_kind": "s47_joint", "decision_reasoning": "Unexplained bruising to an infant"}
    assert recording.parse_decision(good, ["AB"])[0] == {"child": "AB", "kind": "s47_joint",
                                                         "reasoning": "Unexplained bruising to an infant"}
    for field, value in (("decision_child", ""), ("decision_child", "ZZ"), ("decision_kind", "take_a_guess"),
                         ("decision_reasoning", ""), ("decision_reasoning", "because")):
        decision, errors = recording.parse_decision({**good, field: value}, ["AB"])
        assert decision is None and field in errors, (field, value)


def test_the_chairs_reason_for_no_cp_medical_is_kept_in_the_record():
    plan, errors = recording.parse_plan({"cp_medical": "false", "no_medical_reason": "Injury healed; GP saw it",
                                         "medical_advice": "Community paediatrician consulted"}, required=set())
    assert errors == {} and plan["no_medical_reason"] == "Injury healed; GP saw it"
    assert plan["medical_advice"] == "Community paediatrician consulted" and plan["cp_medical"] is False
    assert "no_medical_reason" in recording.parse_plan({"cp_medical": "false"}, required=set())[1]


def test_the_record_goes_to_everyone_invited_attended_or_not_each_once():
    rows = [{"agency": "police", "name": "DS Pat", "email": "pat@police.example", "attendance": "attended"},
            {"agency": "health", "name": "Nurse Ann", "email": "ann@nhs.example", "attendance": "apologies"},
            {"agency": "health", "name": "Nurse Ann", "email": "ANN@nhs.example", "attendance": "apologies"}]
    listed = recording.default_distribution(rows, in_education=True).splitlines()
    assert listed[:2] == ["DS Pat, Police <pat@police.example>", "Nurse Ann, Health <ann@nhs.example>"]
    assert len([line for line in listed if "Nurse Ann" in line]) == 1


def test_only_agencies_that_had_not_finished_their_checks_owe_an_information_update():
    from protocol import load_profile
    from scheduling.calendar import calendar_for

    profile = load_profile("hackney")
    held = datetime(2026, 11, 23, 14, 0, tzinfo=timezone.utc)
    record = {"attendance": [{"agency": "police", "email": "pat@police.example", "researched": False},
                             {"agency": "health", "email": "ann@nhs.example", "researched": True}], "decisions": []}
    owed = recording.obligations(discussion_id="d", held_at=held, facts={"received_at": held.isoformat()}, record=record,
                                 actions=[], profile=profile, calendar=calendar_for(profile))
    assert [o["key"] for o in owed if o["kind"] == "information_update"] == ["d:information_update:police:pat@police.example"]
