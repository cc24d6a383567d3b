"""The record's pure rules: UK dates, agencies' replies, due dates in working days."""
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from bot import recording
from scheduling.calendar import WorkingCalendar

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    "text, expected",
    [("14/12", date(2026, 12, 14)), ("14/12/2026", date(2026, 12, 14)), ("2026-12-14", date(2026, 12, 14)),
     ("14.12.26", date(2026, 12, 14)), ("3/1", date(2027, 1, 3)), ("12/14", None), ("31/02/2027", None), ("soon", None)],
)
def test_dates_are_read_day_first_and_a_day_month_alone_means_the_nearest(text, expected):
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
        # A full stop, and the courtesies, are not the report (a walk: "I didn't understand that")
        ("A3 DONE.", {"action": 3, "status": "completed"}), ("A2 done please", {"action": 2, "status": "completed"}),
        ("A2 done, thank you!", {"action": 2, "status": "completed"}),
        ("A3 by 14/12.", {"action": 3, "status": "will_complete_by", "by": "2026-12-14"}),
        ("A4 not required: moved away.", {"action": 4, "status": "not_required", "reason": "moved away"}),
    ],
)
def test_replies_in_the_thread(message, expected):
    assert recording.parse_report(message, today=TODAY) == expected


@pytest.mark.parametrize(
    "message, hint",
    [("A4 not required", "Say why it is no longer required"), ("A3 by Friday", "UK way"), ("A3 by 01/01/2020", "has passed"),
     ("finished A2", "A2 done · A3 by 14/12"), ("A2 sort of", "A2 done · A3 by 14/12"),
     # Characters that show nothing are no update and no reason (a re-check: zero-width spaces were recorded as both).
     ("update \u200b\u200b \u200b", "Write the update after the word"), ("update: \u2800", "Write the update after the word"),
     ("A1 not required: \u200b\u200b \u200b", "Say why it is no longer required"),
     ("A2 not required: \u2060\ufeff", "Say why it is no longer required")],
)
def test_unclear_replies_get_an_example(message, hint):
    answer = recording.parse_report(message, today=TODAY)
    assert isinstance(answer, str) and hint in answer


def test_an_update_with_nothing_after_the_word_is_shown_how():
    assert recording.parse_report("update:", today=TODAY) == \
        "Write the update after the word, e.g. `update: GP records show two earlier A&E attendances`."


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


def test_a_paediatrician_or_hospital_consultant_who_attended_is_the_health_in_the_quorum():
    """A procedures expert's trial: the EDT's usual make-up (social worker, police, on-call paediatrician:
    bristol out of hours) was called not quorate, and Walsall would have owed a needless second meeting."""
    from protocol import load_profile

    for name in ("hackney", "bristol", "triborough", "walsall", "darlington"):
        quorum = load_profile(name).quorum
        for doctor in ("paediatrician", "hospital_consultant", "csa_paediatrician", "ward_nurse", "midwife"):
            rows = [{"agency": "police", "attendance": "attended"}, {"agency": doctor, "attendance": "attended"}]
            assert recording.quorate(rows, list(quorum.agencies), quorum.counts_as) is True, (name, doctor)
        rows = [{"agency": "police", "attendance": "attended"}, {"agency": "education_dsl", "attendance": "attended"}]
        assert recording.quorate(rows, list(quorum.agencies), quorum.counts_as) is False  # a school is not health
        rows = [{"agency": "health", "attendance": "attended"}, {"agency": "paediatrician", "attendance": "attended"}]
        assert recording.quorate(rows, list(quorum.agencies), quorum.counts_as) is False  # nor is anyone the police


def test_convening_warns_of_a_missing_quorum_agency_only_when_nobody_stands_for_it():
    from bot import wizard

    rows = [{"agency": "social_care", "invite": True}, {"agency": "police", "invite": True}, {"agency": "health", "invite": False},
            {"agency": "paediatrician", "invite": True}]
    quorum = ["social_care", "police", "health"]
    assert wizard.not_quorate(rows, quorum, {"paediatrician": "health"}) == []
    assert wizard.not_quorate(rows, quorum) == ["health"]  # without the profile's counts_as, a paediatrician is not health


@pytest.mark.parametrize("name, asked", [("triborough", True), ("walsall", True), ("bristol", True), ("hackney", False)])
def test_safe_discharge_is_required_of_the_record_for_a_child_in_hospital_where_the_procedure_asks_it(name, asked):
    """A procedures expert's trial: "if the child is in hospital, decisions should also be made about how
    to secure the safe discharge of the child" (triborough 10, walsall Purpose) was never asked for."""
    from protocol import Facts, load_profile
    from protocol.conditions import required_parts

    rules = load_profile(name).record
    in_hospital = Facts(received_at="2026-11-23T10:00:00+00:00", in_hospital=True)
    at_home = Facts(received_at="2026-11-23T10:00:00+00:00")
    assert ("safe_discharge" in required_parts(rules, in_hospital, out_of_hours=False)) is asked
    assert "safe_discharge" not in required_parts(rules, at_home, out_of_hours=False)
    _, errors = recording.parse_plan({"cp_medical": "true"}, required=required_parts(rules, in_hospital, out_of_hours=False))
    assert ("safe_discharge" in errors) is asked


def test_the_profile_decides_which_parts_of_the_record_are_required():
    from protocol import load_profile

    answers = {"concerns": "Bruising", "severity": "Significant", "impact": "Pain"}
    _, hackney = recording.parse_text_step("concerns", answers, required=set(load_profile("hackney").record.required))
    _, walsall = recording.parse_text_step("concerns", answers, required=set(load_profile("walsall").record.required))
    assert hackney == {}
    assert sorted(walsall) == ["duration", "frequency", "intent"]  # Walsall records the whole threshold


# Behaviours a mutation run found unguarded (issue 16), each stated from the rule.
def test_a_day_and_month_alone_mean_the_nearest_such_date_so_one_just_gone_is_said_to_have_passed():
    """A walk: 01/12 typed on 2 December was taken as 01/12/2027, and the chasing moved a year away."""
    today = date(2026, 11, 23)
    assert recording.uk_date("23/11", today=today) == date(2026, 11, 23)
    assert recording.uk_date("22/11", today=today) == date(2026, 11, 22)  # yesterday, not next year
    assert recording.uk_date("22/5", today=today) == date(2027, 5, 22)  # 180 days ahead is nearer than 185 back
    assert recording.uk_date("31/12", today=date(2027, 1, 8)) == date(2026, 12, 31)  # across New Year: last year's (a re-walk)
    assert recording.uk_date("3/1", today=date(2026, 12, 30)) == date(2027, 1, 3)
    assert recording.uk_date("29/2", today=date(2027, 6, 1)) == date(2028, 2, 29)  # the nearest year that has one
    assert recording.uk_date("14/12", today=today) == date(2026, 12, 14)
    assert recording.parse_report("A2 by 22/11", today=today) == "22/11/2026 has passed: give the date it will be done by."


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


# The rest of the record's rules, each stated from the agenda (PROTOCOL.md §5) and its cards' words.
LONDON_CALENDAR = WorkingCalendar()


def test_a_required_part_left_empty_is_named_and_an_optional_one_is_not():
    clean, errors = recording.parse_text_step("purpose", {"reason": "  ", "purpose": " Plan s47 "}, required={"reason"})
    assert clean == {"reason": "", "purpose": "Plan s47"}  # kept as typed, without the spaces round it
    assert errors == {"reason": "Reason for the discussion: part of the record, to fill in."}  # always known: no "none known"
    # A threshold part is named by its heading, not its whole label.
    _, errors = recording.parse_text_step("concerns", {}, required={"duration"})
    assert errors["duration"].startswith("Duration: part of the record")  # the part, not "Threshold" (a walk)


def test_an_answer_may_be_4000_characters_but_not_more():
    _, errors = recording.parse_text_step("background", {"background": "x" * 4000}, required=set())
    assert errors == {}
    _, errors = recording.parse_text_step("background", {"background": "x" * 4001, "risk": "y" * 4001}, required=set())
    assert errors == {"background": "Keep each answer under 4,000 characters.", "risk": "Keep each answer under 4,000 characters."}


def test_attendance_is_marked_for_everyone_and_absent_agencies_say_how_their_information_comes():
    invited = [{"agency": "police", "name": "DS Pat", "email": "pat@police.example"},
               {"agency": "health", "name": "Nurse Ann", "email": "ann@nhs.example"},
               {"agency": "education_dsl", "name": "Ms Dee", "email": "dee@school.example", "attendance": "apologies",
                "route": "By email to the chair", "researched": False}]
    rows, errors = recording.parse_attendance({"attendance_0": "attended", "attendance_1": "apologies",
                                               "researched_0": "false"}, invited)
    assert errors == {"route_1": "Say how this agency's information will be obtained."}
    assert [(r["agency"], r["attendance"], r["route"], r["researched"]) for r in rows] == [
        ("police", "attended", "", False), ("health", "apologies", "", True),
        # What was marked before (on an earlier press) stands when the card does not send it again.
        ("education_dsl", "apologies", "By email to the chair", False)]
    assert rows[0]["name"] == "DS Pat" and rows[0]["email"] == "pat@police.example"
    _, errors = recording.parse_attendance({"attendance_0": "maybe"}, invited[:1])
    assert errors == {"attendance_0": "Mark attended, apologies or no response."}
    _, errors = recording.parse_attendance({}, invited[:1])
    assert errors == {"attendance_0": "Mark attended, apologies or no response."}
    rows, errors = recording.parse_attendance({"attendance_0": "no_response", "route_0": "Chair phones PNC"}, invited[:1])
    assert errors == {} and rows[0]["route"] == "Chair phones PNC"


def test_quorum_counts_social_care_as_present_because_it_chairs():
    assert recording.quorate([{"agency": "police", "attendance": "attended"}, {"agency": "health", "attendance": "attended"}],
                             ["social_care", "police", "health"]) is True
    assert recording.quorate([{"agency": "police", "attendance": "attended"}], ["police"]) is True
    assert recording.quorate([{"agency": "police", "attendance": "no_response"}], ["police"]) is False


def test_the_plan_records_a_medical_and_an_interview_and_needs_no_reason_when_there_is_a_medical():
    plan, errors = recording.parse_plan({"cp_medical": "true", "abe_interview": "true", "seen_alone": "Today at school"},
                                        required={"seen_alone", "legal_action"})
    assert plan["cp_medical"] is True and plan["abe_interview"] is True and plan["seen_alone"] == "Today at school"
    assert errors == {"legal_action": "Legal action: part of the record, to fill in (or write 'none known')."}
    plan, _ = recording.parse_plan({}, required=set())
    assert plan["cp_medical"] is False and plan["abe_interview"] is False


def test_a_due_date_is_the_close_of_that_working_day_and_working_days_are_counted_after_today():
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
    assert recording.parse_due("1 working day", start=monday, calendar=LONDON_CALENDAR) == datetime(2026, 11, 24, 17, 0, tzinfo=LONDON_CALENDAR.zone)
    assert recording.parse_due(" 2 WD ", start=monday, calendar=LONDON_CALENDAR) == datetime(2026, 11, 25, 17, 0, tzinfo=LONDON_CALENDAR.zone)
    assert recording.parse_due("14/12", start=monday, calendar=LONDON_CALENDAR) == datetime(2026, 12, 14, 17, 0, tzinfo=LONDON_CALENDAR.zone)
    assert recording.parse_due("100 working days", start=monday, calendar=LONDON_CALENDAR) is None  # not a way people write it


ACTION = {"action_child": "AB", "action_what": "Visit the child at home", "action_agency": "police",
          "action_owner": "DS Pat (OIC)", "action_email": "pat@police.example", "action_due": "3 working days"}


def test_an_action_is_a_child_what_an_agency_an_owner_and_a_due_date():
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
    action, errors = recording.parse_action(ACTION, children=["AB"], start=monday, calendar=LONDON_CALENDAR)
    assert errors == {}
    assert action == {"child": "AB", "what": "Visit the child at home", "agency": "police", "owner": "DS Pat (OIC)",
                      "email": "pat@police.example", "due": "2026-11-26T17:00:00+00:00"}
    action, errors = recording.parse_action({**ACTION, "action_email": ""}, children=["AB"], start=monday, calendar=LONDON_CALENDAR)
    assert errors == {} and action["email"] == ""  # the owner's email is optional


@pytest.mark.parametrize("field, value, message", [
    ("action_child", "ZZ", "Choose the child this action is for."),
    ("action_what", "call", "Say what is to be done."),
    ("action_agency", "aliens", "Choose the agency that owns the action."),
    ("action_owner", " ", "Name the person responsible (and their role)."),
    ("action_email", "pat at police", "That is not an email address."),
    ("action_due", "", "Give a date (e.g. 14/12/2026) or a number of working days (e.g. 3 working days)."),
    ("action_due", "whenever", "Give a date (e.g. 14/12/2026) or a number of working days (e.g. 3 working days)."),
    ("action_due", "01/11/2026", "That date has passed."),
    ("action_due", "31/11/2026", "That is not a real date: write it day first, e.g. 14/12/2026."),  # a walk: told to give a date
    ("action_due", "12 - 13", "That is not a real date: write it day first, e.g. 14/12/2026."),
])
def test_an_action_missing_a_part_is_refused_with_that_part_named(field, value, message):
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
    action, errors = recording.parse_action({**ACTION, field: value}, children=["AB"], start=monday, calendar=LONDON_CALENDAR)
    assert action is None and errors == {field: message}


def test_an_actions_timescale_counts_from_the_discussion_though_the_record_is_typed_days_later():
    """A procedures expert's trial: held on Friday 28/08/2026, recorded on Tuesday 01/09: "1 working day"
    came out as Wednesday, and the date agreed at the meeting was refused as passed."""
    held = datetime(2026, 8, 28, 14, 0, tzinfo=timezone(timedelta(hours=1)))
    typed = datetime(2026, 9, 1, 10, 0, tzinfo=timezone(timedelta(hours=1)))

    def action(due):
        return recording.parse_action({**ACTION, "action_due": due}, children=["AB"], start=held, now=typed, calendar=LONDON_CALENDAR)

    one_day, errors = action("1 working day")  # Monday 31/08 is the summer bank holiday
    assert errors == {} and one_day["due"] == "2026-09-01T17:00:00+01:00" and "due_note" not in one_day
    agreed, errors = action("28/08/2026")
    assert errors == {} and agreed["due"] == "2026-08-28T17:00:00+01:00"
    assert agreed["due_note"] == "⚠ already passed: overdue from the start"
    weekend, _ = action("29/08/2026")
    assert weekend["due_note"] == "⚠ a Saturday, not a working day; already passed: overdue from the start"
    assert action("27/08/2026") == (None, {"action_due": "That date is before the discussion (28/08/2026)."})


def test_an_action_due_today_is_accepted_until_the_working_day_ends():
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
    action, errors = recording.parse_action({**ACTION, "action_due": "23/11/2026"}, children=["AB"], start=monday,
                                            calendar=LONDON_CALENDAR)
    assert errors == {} and action["due"] == "2026-11-23T17:00:00+00:00"


@pytest.mark.parametrize("due, note", [
    ("12/12/2026", "⚠ a Saturday, not a working day"),
    ("25/12/2026", "⚠ a bank holiday (Christmas Day), not a working day"),
])
def test_an_action_due_on_a_day_the_offices_are_closed_is_accepted_with_that_said(due, note):
    """Police work weekends, so the date may be meant; more often it is a slip, so it is never taken silently."""
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
    action, errors = recording.parse_action({**ACTION, "action_due": due}, children=["AB"], start=monday, calendar=LONDON_CALENDAR)
    assert errors == {} and action["due_note"] == note
    working, _ = recording.parse_action({**ACTION, "action_due": "11/12/2026"}, children=["AB"], start=monday, calendar=LONDON_CALENDAR)
    assert "due_note" not in working


def test_only_the_add_action_boxes_count_as_half_typed_not_its_choices():
    assert recording.half_typed_action({"action_child": "AB", "action_agency": "police"}) is False
    assert recording.half_typed_action({"action_what": "  "}) is False
    for box in ("action_what", "action_owner", "action_email", "action_due"):
        assert recording.half_typed_action({box: "x"}) is True, box


def test_an_edited_action_is_added_back_under_its_own_number_and_a_new_one_after_the_last():
    """A walk: Edit on A1 then Add made it A4 and moved every other action up one."""
    actions = [{"number": n, "child": "AB", "what": f"Task {n}", "agency": "police", "owner": "Pat", "email": "",
                "due": "2026-12-14T17:00:00+00:00"} for n in (1, 2, 3)]
    editing = recording.without_action({"actions": actions}, 1, edit=True, zone=LONDON_CALENDAR.zone)
    assert [a["number"] for a in editing["actions"]] == [2, 3] and editing["editing"] == 1
    back = recording.with_action(editing, {**actions[0], "what": "Task 1, changed"})
    assert [(a["number"], a["what"]) for a in back["actions"]] == [(1, "Task 1, changed"), (2, "Task 2"), (3, "Task 3")]
    assert "editing" not in back and "editing_was" not in back
    assert [a["number"] for a in recording.with_action(back, actions[0])["actions"]] == [1, 2, 3, 4]
    # Removing another while one is out being edited: those after it move up, and so does the one being edited.
    removed = recording.without_action(recording.without_action({"actions": actions}, 3, edit=True, zone=LONDON_CALENDAR.zone),
                                       1, edit=False, zone=LONDON_CALENDAR.zone)
    assert [a["number"] for a in removed["actions"]] == [1] and removed["editing"] == 2
    assert [(a["number"], a["what"]) for a in recording.with_action(removed, actions[2])["actions"]] == [(1, "Task 2"), (2, "Task 3")]


def test_an_action_taken_out_to_edit_and_not_added_back_is_kept_as_it_was():
    """A walk: Edit on A5, then Next: "You have typed an action that is not added yet... or clear it"; cleared,
    then Next, and A5 was gone. Only Remove removes an agreed action."""
    actions = [{"number": n, "child": "AB", "what": f"Task {n}", "agency": "police", "owner": "Pat", "email": "",
                "due": "2026-12-14T17:00:00+00:00"} for n in (1, 2, 3)]
    editing = recording.without_action({"actions": actions}, 2, edit=True, zone=LONDON_CALENDAR.zone)
    kept = recording.kept_edit(editing)
    assert kept["actions"] == actions and "editing" not in kept and "editing_was" not in kept
    assert recording.kept_edit(kept) == kept  # nothing being edited: nothing changes
    # A record saved before the original was kept aside ("editing" alone): left as it is, not broken.
    older = {"actions": actions[1:], "editing": 1}
    assert recording.kept_edit(older) == older
    # Edit on another with the first one's form cleared: the first goes back as it was, the second comes out.
    second = recording.without_action(editing, 3, edit=True, zone=LONDON_CALENDAR.zone)
    assert [a["what"] for a in second["actions"]] == ["Task 1", "Task 2"] and second["editing"] == 3
    # Removed while another is out: the one out keeps its place, renumbered with the rest.
    removed = recording.without_action(editing, 1, edit=False, zone=LONDON_CALENDAR.zone)
    assert [(a["number"], a["what"]) for a in recording.kept_edit(removed)["actions"]] == [(1, "Task 2"), (2, "Task 3")]


def test_removing_an_action_numbers_the_rest_again_and_editing_puts_it_back_in_the_form():
    actions = [{"number": n, "child": "AB", "what": f"Task {n}", "agency": "police", "owner": "Pat", "email": "",
                "due": "2026-12-14T17:00:00+00:00"} for n in (1, 2, 3)]
    record = {"actions": actions, "values": {"actions": {"action_what": ""}, "plan": {"x": 1}}}
    after = recording.without_action(record, 2, edit=False, zone=LONDON_CALENDAR.zone)
    assert [(a["number"], a["what"]) for a in after["actions"]] == [(1, "Task 1"), (2, "Task 3")]
    assert after["values"] == record["values"]
    edited = recording.without_action(record, 1, edit=True, zone=LONDON_CALENDAR.zone)
    assert [(a["number"], a["what"]) for a in edited["actions"]] == [(2, "Task 2"), (3, "Task 3")]  # A1 is out being edited
    assert edited["values"]["actions"] == {"action_child": "AB", "action_what": "Task 1", "action_agency": "police",
                                           "action_owner": "Pat", "action_email": "", "action_due": "14/12/2026"}
    assert edited["values"]["plan"] == {"x": 1}
    assert recording.without_action(record, 9, edit=True, zone=LONDON_CALENDAR.zone) is record


def test_the_edited_actions_date_is_the_local_day_not_the_utc_one():
    from zoneinfo import ZoneInfo

    record = {"actions": [{"number": 1, "child": "AB", "what": "Task", "agency": "police", "owner": "Pat", "email": "",
                           "due": "2026-12-14T23:30:00+00:00"}]}
    edited = recording.without_action(record, 1, edit=True, zone=ZoneInfo("Asia/Tokyo"))
    assert edited["values"]["actions"]["action_due"] == "15/12/2026"


def test_the_distribution_adds_the_gp_the_nurse_and_the_school_or_the_education_welfare_service():
    police = [{"agency": "police", "name": "DS Pat", "email": "pat@police.example"}]
    assert recording.default_distribution(police, in_education=True).splitlines()[1:] == [
        "Child's GP", "Named nurse", "Designated Safeguarding Lead, education setting"]
    assert recording.default_distribution(police, in_education=False).splitlines()[1:] == [
        "Child's GP", "Named nurse", "Education Welfare Service (the child is not in education)"]
    # Not for a baby, an unborn child or a toddler (a procedures expert's trial: an unborn child's record went to it)
    assert recording.default_distribution(police, in_education=False, school_age=False).splitlines()[1:] == [
        "Child's GP", "Named nurse"]
    assert recording.default_distribution(police, in_education=False, school_age=True).splitlines()[1:] == [
        "Child's GP", "Named nurse", "Education Welfare Service (the child is not in education)"]
    with_school = police + [{"agency": "education_dsl", "name": "Ms Dee", "email": "dee@school.example"},
                            {"agency": "health", "name": "No email yet", "email": ""}]
    assert recording.default_distribution(with_school, in_education=True).splitlines() == [
        "DS Pat, Police <pat@police.example>", "Ms Dee, Designated Safeguarding Lead (education setting) <dee@school.example>",
        "Child's GP", "Named nurse"]
    # A delegate sent in the invitee's place attends, and has the record too (a walk: it named only the invitee).
    delegated = [{"agency": "education_dsl", "name": "Ms Ana Costa", "email": "ana@school.example", "delegate": "Mr Bo Lee",
                  "delegate_email": "bo@school.example"}]
    assert recording.default_distribution(delegated, in_education=True).splitlines()[:2] == [
        "Ms Ana Costa, Designated Safeguarding Lead (education setting) <ana@school.example>",
        "Mr Bo Lee, Designated Safeguarding Lead (education setting) <bo@school.example>"]
    no_address = [{**delegated[0], "delegate_email": ""}]  # a delegate named without an address: nowhere to send it
    assert recording.default_distribution(no_address, in_education=True).splitlines()[:2] == [
        "Ms Ana Costa, Designated Safeguarding Lead (education setting) <ana@school.example>", "Child's GP"]


def test_the_next_discussion_is_optional_and_must_be_in_the_future():
    from functools import partial
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/London")
    now = datetime(2026, 11, 23, 10, 0, tzinfo=zone)
    parse_next = partial(recording.parse_next, calendar=WorkingCalendar())
    assert parse_next({}, now=now) == ({"next": None}, {})
    assert parse_next({"next_date": "2026-12-01", "next_time": "10:00", "next_venue": " Room 4 "}, now=now) == (
        {"next": "2026-12-01T10:00:00+00:00", "venue": "Room 4"}, {})
    assert parse_next({"next_date": "2026-12-01", "next_time": "14:30"}, now=now)[0]["next"] == \
        "2026-12-01T14:30:00+00:00"
    assert parse_next({"next_date": "1/12/2026", "next_time": "10:00"}, now=now)[0]["next"] == "2026-12-01T10:00:00+00:00"  # day first
    assert parse_next({"next_date": "31/02/2027", "next_time": "10:00"}, now=now) == (
        {"next": None}, {"next_date": "Enter the date as a date, e.g. 14/12/2026."})
    for late in ("2pm", "25:00"):  # the box that is wrong says so
        assert parse_next({"next_date": "2026-12-01", "next_time": late}, now=now) == (
            {"next": None}, {"next_time": "Enter the time as HH:MM on the 24-hour clock, e.g. 14:30."})
    for without_a_date in ({"next_time": "10:00"}, {"next_venue": "MASH room 4"}, {"next_time": "25:00", "next_venue": "Room"}):
        assert parse_next(without_a_date, now=now) == (  # refused, never dropped at Finalise
            {"next": None}, {"next_date": "Give the date of the next discussion, or clear its time and venue."})
    assert parse_next({"next_date": "2026-11-23", "next_time": "09:59"}, now=now) == (
        {"next": None}, {"next_date": "The next discussion must be in the future."})
    assert parse_next({"next_date": "2026-11-23", "next_time": "10:00"}, now=now)[1] == {}
    # A date without a time: asked for, never made up (a walk: 10:00 was recorded, and owed, without a word).
    assert parse_next({"next_date": "2026-11-24", "next_venue": "MASH"}, now=now) == (
        {"next": None}, {"next_time": "Give the time of the next discussion too, e.g. 10:00."})


def test_a_next_discussion_on_a_closed_day_is_told_once_before_it_is_finalised():
    """A procedures expert's trial: a review on New Year's Day was finalised without a word, where a meeting
    or an action on such a day is said beside it. Finalising cannot be undone: the first press is told."""
    from zoneinfo import ZoneInfo

    now, calendar = datetime(2026, 12, 31, 10, 0, tzinfo=ZoneInfo("Europe/London")), WorkingCalendar()
    typed = {"next_date": "01/01/2027", "next_time": "10:00", "next_venue": "MASH room 4"}
    first, errors = recording.parse_next(typed, now=now, calendar=calendar)
    assert errors == {"next_date": "01/01/2027 is a bank holiday (New Year's Day), not a working day. "
                                   "Press Finalise again to keep it, or choose another date."}
    assert first["next"] is None
    assert recording.parse_next(typed, now=now, calendar=calendar, seen_closed=first["seen_closed"]) == (
        {"next": "2027-01-01T10:00:00+00:00", "venue": "MASH room 4"}, {})  # pressed again: meant
    other = {**typed, "next_date": "02/01/2027"}  # another closed day is told in turn
    assert recording.parse_next(other, now=now, calendar=calendar, seen_closed=first["seen_closed"])[1] == {
        "next_date": "02/01/2027 is a Saturday, not a working day. Press Finalise again to keep it, or choose another date."}
    assert recording.parse_next({**typed, "next_date": "04/01/2027"}, now=now, calendar=calendar)[1] == {}  # a working day


def _owed(profile_name="hackney", *, held, record, actions=(), facts=None, already_owed=frozenset()):
    from protocol import load_profile
    from scheduling.calendar import calendar_for

    profile = load_profile(profile_name)
    return recording.obligations(discussion_id="d", held_at=held, facts=facts or {"received_at": held.isoformat()},
                                 record=record, actions=list(actions), profile=profile, calendar=calendar_for(profile),
                                 already_owed=already_owed)


def test_a_review_does_not_start_the_cases_clocks_again_but_owes_its_own_follow_up():
    held = datetime(2026, 11, 23, 14, 0, tzinfo=timezone.utc)
    record = {"attendance": [{"agency": "police", "email": "p@x.org", "researched": False}],
              "decisions": [{"kind": "s47_joint"}]}
    first = {o["kind"] for o in _owed(held=held, record=record)}
    assert {"icpc", "s47_review", "assessment", "information_update"} <= first
    review = {o["kind"] for o in _owed(held=held, record=record, already_owed=frozenset(first))}
    assert not review & {"icpc", "s47_review", "assessment"} and "information_update" in review
    # The first decided no s47: the review that decides it starts the ICPC's clock.
    started = {o["kind"] for o in _owed(held=held, record=record, already_owed=frozenset({"assessment"}))}
    assert {"icpc", "s47_review"} <= started and "assessment" not in started


def test_each_agreed_action_is_owed_by_its_agency_by_its_date():
    held = datetime(2026, 11, 23, 14, 0, tzinfo=timezone.utc)
    owed = _owed(held=held, record={"attendance": [], "decisions": []},
                 actions=[{"number": 2, "agency": "health", "due": "2026-11-26T17:00:00+00:00"}])
    action = next(o for o in owed if o["kind"] == "action")
    assert action == {"key": "d:action:2", "kind": "action", "due_at": datetime(2026, 11, 26, 17, 0, tzinfo=timezone.utc),
                      "rule_source": "agreed at the discussion", "owner_agency": "health", "subject_type": "action",
                      "subject_id": "2", "out_of_hours": False}


def test_section_47_starts_the_conference_and_review_clocks_and_a_held_at_night_discussion_is_chased_at_night():
    held = datetime(2026, 11, 23, 14, 0, tzinfo=timezone.utc)  # Monday, in working hours
    s47 = {"attendance": [], "decisions": [{"kind": "s47_joint"}]}
    owed = {o["kind"]: o for o in _owed(held=held, record=s47)}
    # Hackney 9.1 and 4.3: both 15 working days from the discussion (Monday 23 Nov -> Monday 14 Dec), owed by social care.
    assert owed["icpc"]["due_at"].date() == date(2026, 12, 14) and owed["icpc"]["owner_agency"] == "social_care"
    assert owed["s47_review"]["due_at"].date() == date(2026, 12, 14) and owed["icpc"]["rule_source"] == "hackney 9.1"
    assert owed["icpc"]["out_of_hours"] is False and owed["icpc"]["subject_type"] == "discussion"
    nfa = {o["kind"] for o in _owed(held=held, record={"attendance": [], "decisions": [{"kind": "no_further_action"}]})}
    assert "icpc" not in nfa and "s47_review" not in nfa
    night = datetime(2026, 11, 23, 22, 0, tzinfo=timezone.utc)
    assert all(o["out_of_hours"] for o in _owed(held=night, record=s47))


def test_a_review_discussion_agreed_at_the_discussion_is_owed_by_social_care_on_its_date():
    held = datetime(2026, 11, 23, 14, 0, tzinfo=timezone.utc)
    owed = _owed(held=held, record={"attendance": [], "decisions": [], "next": {"next": "2026-12-01T10:00:00+00:00"}})
    review = next(o for o in owed if o["kind"] == "review_discussion")
    assert review["key"] == "d:review_discussion" and review["owner_agency"] == "social_care"
    assert review["due_at"] == datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
    assert review["rule_source"] == "date agreed at the discussion"
    assert not [o for o in _owed(held=held, record={"attendance": [], "decisions": [], "next": {"next": None}})
                if o["kind"] == "review_discussion"]


def test_as_soon_as_practicable_is_not_chased_as_if_it_had_a_deadline():
    held = datetime(2026, 11, 23, 14, 0, tzinfo=timezone.utc)
    kinds = {o["kind"] for o in _owed(held=held, record={"attendance": [], "decisions": []})}
    assert "record_distribution" not in kinds  # Hackney 8.2: "as soon as practicable"


def test_each_person_still_researching_owes_an_update_within_one_working_day():
    held = datetime(2026, 11, 23, 14, 0, tzinfo=timezone.utc)
    record = {"attendance": [{"agency": "police", "email": "a@police.example", "researched": False},
                             {"agency": "police", "email": "b@police.example", "researched": False}], "decisions": []}
    updates = [o for o in _owed(held=held, record=record) if o["kind"] == "information_update"]
    assert [(o["key"], o["owner_agency"], o["due_at"].date()) for o in updates] == [
        ("d:information_update:police:a@police.example", "police", date(2026, 11, 24)),
        ("d:information_update:police:b@police.example", "police", date(2026, 11, 24))]
    assert updates[0]["rule_source"] == "hackney 7.2"


@pytest.mark.parametrize("message, expected", [
    ("  Update  MASH checks done ", {"update": "MASH checks done"}),
    # With a colon, as people write (a walk: `update: ...` and `A3: done` were never recorded).
    ("update: GP records show two A&E attendances", {"update": "GP records show two A&E attendances"}),
    ("Update:MASH checks done", {"update": "MASH checks done"}),
    ("A3: done", {"action": 3, "status": "completed"}),
    ("a3:Done", {"action": 3, "status": "completed"}),
    ("A4: not required: moved away", {"action": 4, "status": "not_required", "reason": "moved away"}),
    ("A7 complete", {"action": 7, "status": "completed"}),
    ("A 6 done", {"action": 6, "status": "completed"}),  # a walk's space got "Type help"
    ("A4 not required - family moved", {"action": 4, "status": "not_required", "reason": "family moved"}),
    ("a12 Needs further discussion", {"action": 12, "status": "needs_discussion"}),
    ("A1 further strategy discussion", {"action": 1, "status": "needs_discussion"}),
    ("A3 by 23/11", {"action": 3, "status": "will_complete_by", "by": "2026-11-23"}),
])
def test_more_ways_agencies_reply(message, expected):
    assert recording.parse_report(message, today=TODAY) == expected


def test_an_unreadable_date_in_a_reply_names_the_action_in_its_example():
    assert recording.parse_report("A3 by next week", today=TODAY) == (
        "I couldn't read that date. Write it the UK way, e.g. `A3 by 14/12` or `A3 by 14/12/2026`.")
    assert recording.parse_report("A3 by 01/01/2020", today=TODAY) == "01/01/2020 has passed: give the date it will be done by."
    assert recording.parse_report("A4 not required", today=TODAY) == (
        "Say why it is no longer required, e.g. `A4 not required: child moved out of area`.")
    assert recording.parse_report("hello", today=TODAY) == f"I didn't understand that. Reply like this: {recording.REPORT_EXAMPLES}"
    # Teams shows a message's text as HTML: anything in angle brackets would vanish (a walk saw "· update" and nothing after).
    assert not re.search(r"<[^>]*>", recording.REPORT_EXAMPLES) and "update, then what your agency found" in recording.REPORT_EXAMPLES


def test_each_part_of_a_decision_refused_says_what_to_do():
    decision, errors = recording.parse_decision({}, ["AB"])
    assert decision is None and errors == {"decision_child": "Choose the child this decision is for.",
                                           "decision_kind": "Choose the decision.",
                                           "decision_reasoning": "Record the reasoning behind the decision (a sentence or more)."}
    # "A sentence or more": ten characters is the least accepted.
    good = {"decision_child": "AB", "decision_kind": "icpc"}
    assert recording.parse_decision({**good, "decision_reasoning": "x" * 10}, ["AB"])[1] == {}
    assert "decision_reasoning" in recording.parse_decision({**good, "decision_reasoning": "x" * 9}, ["AB"])[1]


def test_no_cp_medical_without_a_reason_asks_for_the_reason_and_the_advice():
    assert recording.parse_plan({}, required=set())[1] == {
        "no_medical_reason": "No CP medical: record why, and whether medical advice was given."}


def test_an_action_of_five_letters_is_enough_four_is_not_and_a_date_due_at_this_moment_has_not_passed():
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
    assert recording.parse_action({**ACTION, "action_what": "Visit"}, children=["AB"], start=monday, calendar=LONDON_CALENDAR)[1] == {}
    assert "action_what" in recording.parse_action({**ACTION, "action_what": "Call"}, children=["AB"], start=monday,
                                                   calendar=LONDON_CALENDAR)[1]
    close = datetime(2026, 11, 23, 17, 0, tzinfo=timezone.utc)  # the close of the working day it is due
    assert recording.parse_action({**ACTION, "action_due": "23/11/2026"}, children=["AB"], start=close,
                                  calendar=LONDON_CALENDAR)[1] == {}


def test_checks_ticked_finished_on_the_card_are_recorded_as_finished():
    rows, _ = recording.parse_attendance({"attendance_0": "attended", "researched_0": "true"},
                                         [{"agency": "police", "researched": False}])
    assert rows[0]["researched"] is True


def test_a_record_without_decisions_or_research_marks_owes_no_update_and_starts_no_s47_clock():
    held = datetime(2026, 11, 23, 14, 0, tzinfo=timezone.utc)
    owed = _owed(held=held, record={"attendance": [{"agency": "police", "email": "pat@police.example"}]})
    # Only the national assessment clock, owed whatever was decided (45 working days from the referral).
    assert [o["kind"] for o in owed] == ["assessment"]


def test_an_out_of_hours_discussion_without_quorum_owes_a_quorate_meeting_the_next_working_day():
    # Walsall, "Out of Hours Strategy Meetings": EDT and police talk the same day, then a quorate strategy meeting
    # the next working day. Held Saturday night: owed by the close of Monday.
    night = datetime(2026, 11, 28, 22, 0, tzinfo=timezone.utc)
    facts = {"received_at": night.isoformat()}  # received in the night: out of hours
    not_quorate = _owed("walsall", held=night, record={"attendance": [], "decisions": [], "quorate": False}, facts=facts)
    [owed] = [o for o in not_quorate if o["kind"] == "out_of_hours_not_quorate"]
    assert owed["key"] == "d:out_of_hours_not_quorate" and owed["due_at"].date() == date(2026, 11, 30)
    assert owed["out_of_hours"] is True and owed["rule_source"] == "walsall Out of Hours Strategy Meetings"
    quorate = _owed("walsall", held=night, record={"attendance": [], "decisions": [], "quorate": True}, facts=facts)
    assert not [o for o in quorate if o["kind"] == "out_of_hours_not_quorate"]
    # A record that does not say (made before quorum was recorded) is taken as quorate: nothing owed on a guess.
    unsaid = _owed("walsall", held=night, record={"attendance": [], "decisions": []}, facts=facts)
    assert not [o for o in unsaid if o["kind"] == "out_of_hours_not_quorate"]


def test_a_clocks_obligation_is_keyed_by_the_discussion_and_the_clock():
    held = datetime(2026, 11, 23, 14, 0, tzinfo=timezone.utc)
    owed = _owed(held=held, record={"attendance": [], "decisions": [{"kind": "s47_single"}]})
    # Hackney 9.1 and 4.3, and the national assessment clock (45 working days) its baseline adds.
    assert sorted(o["key"] for o in owed) == ["d:assessment", "d:icpc", "d:s47_review"]


def test_a_reason_beginning_with_x_keeps_its_x():
    assert recording.parse_report("A4 not required: X-ray no longer needed", today=TODAY) == {
        "action": 4, "status": "not_required", "reason": "X-ray no longer needed"}


# equivalent: bot.recording.x_parse_attendance__mutmut_13 `endance") or "XXXX"` -- "" -> "XXXX" for an unmarked row: neither is an
#   attendance word, so both get "Mark attended, apologies or no response."
# equivalent: bot.recording.x_parse_action__mutmut_82 `=calendar) if (due_text) or True else None` -- parsing an empty due date as well: parse_due("") is None,
#   the same as not parsing it
# equivalent: bot.recording.x_default_distribution__mutmut_3 `mail") or "").upper()` -- lower() -> upper(): either folds case, and the
#   fold is used only to see an address twice


def _expected_clocks(name: str) -> dict[str, int]:
    """Read from the profile's YAML and its baseline's, as written (not through the loader): the clocks a
    recorded section 47 discussion held in working hours leaves owed, with their working days, where the
    clock has no condition of its own and a fixed end. A profile's clock replaces the baseline's of that name."""
    from pathlib import Path

    import yaml

    folder = Path(recording.__file__).resolve().parents[1] / "protocol"
    raw = yaml.safe_load((folder / "profiles" / f"{name}.yaml").read_text())
    clocks = {}
    if raw.get("extends"):
        clocks.update({c["clock"]: c for c in yaml.safe_load((folder / "baselines" / f"{raw['extends']}.yaml").read_text())["clocks"]})
    clocks.update({c["clock"]: c for c in raw.get("clocks", [])})
    return {name: c["within"]["working_days"] for name, c in clocks.items()
            if c["owed_when"] in ("always", "s47_started") and not c.get("when") and isinstance(c["within"], dict)}


def _working_days_after(day: date, n: int) -> date:
    """Counted one by one over England's bank holidays as the holidays package lists them (an oracle
    independent of scheduling/calendar.py)."""
    import holidays
    from datetime import timedelta

    england = holidays.country_holidays("GB", subdiv="ENG", years=range(day.year, day.year + 2))
    while n:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in england:
            n -= 1
    return day


@pytest.mark.parametrize("name", ["bristol", "darlington", "hackney", "triborough", "walsall"])
def test_every_profiles_clocks_are_owed_after_a_section_47_discussion_with_their_working_days(name):
    from protocol import profile_names

    assert sorted(profile_names()) == ["bristol", "darlington", "hackney", "triborough", "walsall"]  # every shipped one
    held = datetime(2026, 12, 14, 11, 0, tzinfo=timezone.utc)  # Monday, in working hours; received the same morning
    record = {"attendance": [], "decisions": [{"kind": "s47_joint"}], "quorate": True}
    owed = {o["kind"]: o for o in _owed(name, held=held, record=record,
                                        facts={"received_at": datetime(2026, 12, 14, 9, 0, tzinfo=timezone.utc).isoformat()})}
    expected = _expected_clocks(name)
    assert expected and set(expected) <= set(owed), (name, sorted(owed))
    for clock, days in expected.items():  # starts the same day either way: the referral and the discussion are both 14 Dec
        assert owed[clock]["due_at"].date() == _working_days_after(date(2026, 12, 14), days), (name, clock)


def test_a_part_required_only_out_of_hours_is_required_by_when_the_discussion_is_held():
    from protocol import Facts
    from protocol.conditions import required_parts
    from protocol.profile import Condition, RecordRules, RequiredWhen

    rules = RecordRules(required=(), required_when=(RequiredWhen(field="interpreter", when=Condition(out_of_hours=True), source="x"),))
    facts = Facts(received_at="2026-11-23T10:00:00+00:00")
    assert required_parts(rules, facts, out_of_hours=True) == {"interpreter"}
    assert required_parts(rules, facts, out_of_hours=False) == set()


def test_a_due_time_that_is_this_very_moment_has_not_passed_and_the_first_action_is_a1():
    close = datetime(2026, 11, 23, 17, 0, tzinfo=timezone.utc)  # the close of the working day it is due
    action, errors = recording.parse_action({**ACTION, "action_due": "23/11/2026"}, children=["AB"], start=close, now=close,
                                            calendar=LONDON_CALENDAR)
    assert errors == {} and "due_note" not in action
    assert [a["number"] for a in recording.with_action({"actions": []}, action)["actions"]] == [1]
    # Recorded in a thread where another discussion's actions went up to A5: this one numbers on from A6.
    numbered = recording.with_action(recording.with_action({"actions": [], "numbered_after": 5}, action), action)
    assert [a["number"] for a in numbered["actions"]] == [6, 7]
    assert recording.parse_report("A2 done Please", today=TODAY) == {"action": 2, "status": "completed"}


# equivalent: bot.recording.x_parse_action__mutmut_82 `if (due_text) or True else` -- parse_due("") reads no date: None, as when it is not called
# equivalent: bot.recording.x_without_action__mutmut_40 `(a["number"] >= number)} for` -- the others never include `number` itself: >= and > agree
# equivalent: bot.recording.x_without_action__mutmut_46 `editing - (editing >= number)` -- the action being edited is out of the list, so never the one removed: >= and > agree
# equivalent: bot.recording.x_parse_report__mutmut_30 `(?:PLEASE|THANKS|THANK YOU)` -- matched ignoring case: the same words


def test_a_date_more_than_a_year_away_is_refused_a_year_and_a_day_is_not():
    """The hostile re-check: 01/01/9999 was taken, and the chasing with it."""
    assert recording.parse_report("A2 by 24/11/2027", today=TODAY) == {"action": 2, "status": "will_complete_by", "by": "2027-11-24"}
    assert recording.parse_report("A2 by 25/11/2027", today=TODAY) == (
        "25/11/2027 is more than a year away: give the date it will really be done by.")
    close = datetime(2026, 11, 23, 17, 0, tzinfo=timezone.utc)
    assert recording.parse_action({**ACTION, "action_due": "24/11/2027"}, children=["AB"], start=close, calendar=LONDON_CALENDAR)[1] == {}
    assert recording.parse_action({**ACTION, "action_due": "25/11/2027"}, children=["AB"], start=close, calendar=LONDON_CALENDAR) == (
        None, {"action_due": "That is more than a year away: give the date agreed."})


def test_a_reason_no_longer_required_is_at_most_500_characters():
    """A sentence or two: the reason goes on the action's card and into the audit trail whole."""
    longest, over = "x" * 500, "x" * 501
    assert recording.parse_report(f"A4 not required: {longest}", today=TODAY) == {"action": 4, "status": "not_required", "reason": longest}
    assert recording.parse_report(f"A4 not required: {over}", today=TODAY) == "Keep the reason under 500 characters."
    assert recording.reason_problem(longest) is None and recording.reason_problem("") is None
    assert recording.reason_problem(over) == "Keep the reason under 500 characters."


def test_an_actions_obligation_says_when_its_date_is_no_longer_the_one_agreed():
    """Its chases and `overdue` say why it is owed by when it is: a new date given since names the agreed day,
    in the partnership's own time (23:30 UTC on 3 June is the 4th in London)."""
    from zoneinfo import ZoneInfo

    london, agreed = ZoneInfo("Europe/London"), datetime(2027, 6, 3, 23, 30, tzinfo=timezone.utc)
    assert recording.action_due_source(None, agreed, london) == "agreed at the discussion"  # from before the date was kept
    assert recording.action_due_source(agreed, agreed, london) == "agreed at the discussion"
    moved = recording.action_due_source(agreed, agreed + timedelta(days=7), london)
    assert moved == "a new date given since; agreed at the discussion: 04/06/2027" and len(moved) <= 120


def test_bristols_lado_notification_is_owed_by_the_chair_and_chased_from_the_next_working_days_close():
    """A procedures trial: finalised with s47 and no "Inform the LADO" decision, the LADO was on no list;
    Case clocks lists it now, owed by social care (the chair says when it was done), and it is chased."""
    held = datetime(2027, 6, 8, 13, 0, tzinfo=timezone.utc)  # Tuesday 14:00 BST
    facts = {"received_at": "2027-06-08T09:00:00+01:00", "concerns": ["allegation_against_staff"], "child_age_years": 9}
    [lado] = [o for o in _owed("bristol", held=held, facts=facts, record={"attendance": [], "decisions": [{"kind": "s47_joint"}]})
              if o["kind"] == "lado_notification"]
    assert (lado["due_at"], lado["owner_agency"], lado["rule_source"]) == (
        datetime(2027, 6, 9, 16, 0, tzinfo=timezone.utc), "social_care", "bristol tasks (decisions)")
    assert "lado_notification" in recording.CLOSED_BY_THE_CHAIR  # on Case clocks: met, with the day, or not needed, with why
    reviewed = _owed("bristol", held=held, facts=facts, record={"attendance": [], "decisions": []},
                     already_owed=frozenset({"lado_notification"}))
    assert "lado_notification" not in {o["kind"] for o in reviewed}  # a review of it does not owe it again


@pytest.mark.parametrize("values, expected, problem", [
    ({}, None, set()),  # none
    ({"disagreement_agency": "none", "disagreement_about": ""}, None, set()),  # "No disagreement" chosen
    ({"disagreement_agency": "police", "disagreement_about": "  Police see no s47 threshold  "},
     {"agency": "police", "about": "Police see no s47 threshold"}, set()),
    ({"disagreement_agency": "", "disagreement_about": "Police see no s47 threshold"}, None, {"disagreement_agency"}),
    ({"disagreement_agency": "none", "disagreement_about": "Police see no s47 threshold"}, None, {"disagreement_agency"}),
    ({"disagreement_agency": "martians", "disagreement_about": "Police see no s47 threshold"}, None, {"disagreement_agency"}),
    ({"disagreement_agency": "police", "disagreement_about": ""}, None, {"disagreement_about"}),
    ({"disagreement_agency": "police", "disagreement_about": "no"}, None, {"disagreement_about"}),  # under a sentence
    ({"disagreement_agency": "police", "disagreement_about": "123456789"}, None, {"disagreement_about"}),  # nine: too short
    ({"disagreement_agency": "police", "disagreement_about": "No s47 yet"}, {"agency": "police", "about": "No s47 yet"}, set()),  # ten
    ({"disagreement_agency": "police", "disagreement_about": "x" * 4001}, None, {"disagreement_about"}),
    ({"disagreement_agency": "police", "disagreement_about": "x" * 4000}, {"agency": "police", "about": "x" * 4000}, set()),
])
def test_a_disagreement_is_an_agency_and_what_it_is_about_or_nothing_never_half(values, expected, problem):
    found, errors = recording.parse_disagreement(values)
    assert (found, set(errors)) == (expected, problem)
    said = {"disagreement_agency": "Choose the agency that disagrees (or No disagreement, and clear what is typed below).",
            "disagreement_about": ("Keep it under 4,000 characters." if len(str(values.get("disagreement_about"))) > 4000
                                   else "Record what is disagreed, and each view (a sentence or more).")}
    assert errors == {field: said[field] for field in errors}


@pytest.mark.parametrize("typed, name, args", [
    ("update: GP records show", "update", "GP records show"),
    ("<at>Strategy Bot</at> A2: done", "a2", "done"),
    ("A3:by 14/12", "a3", "by 14/12"),
    ("/record: CR-1", "record", "CR-1"),
    ("record CR-1", "record", "CR-1"),
    ("snooze CR-1 A1 2 days: court date", "snooze", "CR-1 A1 2 days: court date"),  # a colon later on is the command's own
    ("updated: x", "updated", "x"),  # (no command: said so, as any unknown word)
])
def test_a_command_or_report_typed_with_a_colon_after_its_first_word_is_read_as_without(typed, name, args):
    from bot.commands import parse

    assert (parse(typed).name, parse(typed).args) == (name, args)


def test_no_further_action_beside_another_decision_for_the_same_child_is_at_odds():
    decisions = [{"child": "AB", "kind": "s47_joint"}, {"child": "AB", "kind": "no_further_action"},
                 {"child": "CD", "kind": "no_further_action"}, {"child": "EF", "kind": "s47_single"}, {"child": "EF", "kind": "icpc"}]
    assert recording.at_odds(decisions) == ["AB: No further action, and Section 47 enquiries: joint with police"]
    assert recording.at_odds([{"child": "AB", "kind": "no_further_action"}, {"child": "AB", "kind": "no_further_action"}]) == []
    two = [{"child": "AB", "kind": "no_further_action"}, {"child": "AB", "kind": "s47_single"}, {"child": "AB", "kind": "icpc"}]
    assert recording.at_odds(two) == ["AB: No further action, and Section 47 enquiries: single agency, Initial child protection conference"]


@pytest.mark.parametrize("sent", [["a", "b"], {"x": 1}, 12345678901, True, None])
def test_a_box_sent_as_anything_but_text_is_no_answer_not_its_python_spelling(sent):
    """A re-check: `disagreement_about: ["a", "b"]` from a client other than Teams was stored as "['a', 'b']"."""
    assert recording.parse_disagreement({"disagreement_agency": "police", "disagreement_about": sent}) == (
        None, {"disagreement_about": "Record what is disagreed, and each view (a sentence or more)."})
