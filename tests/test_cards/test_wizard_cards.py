"""The convene wizard's five cards, as the chair meets them (README "Convening"): each step asks for
what the bot reads (bot/wizard.py), keeps what was saved and what was typed, shows each error beside
its field, and offers Next / Back / Cancel with the card's step and version."""
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.wizard import CHILD_FLAGS, CONCERN_FLAGS
from cards import wizard as cards
from protocol.vocabulary import AGENCIES, AGENCY_NAMES, CONCERN_LABELS

from .reading import (assert_buttons_work_everywhere, assert_error_under, assert_no_error_under, button, buttons, facts_of, inputs,
                      lines, said, text_block, titles, under)

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)  # Monday
TODAY_17 = "2026-11-23T17:00:00+00:00"


def assessment(**changes) -> dict:
    return {"deadline": TODAY_17, "deadline_rule": {"text": "same day as the referral", "source": "hackney 4.2"},
            "format": "meeting", "format_rule": {"text": "child on child: face to face", "source": "hackney 3.1"},
            "out_of_hours": False, "convened_by": "day team", "clocks": [], **changes}


def row(agency: str, *, required=True, invite=True, name="A Person", email="a@x.org", role="DS", source="hackney 6.1", **more):
    return {"agency": agency, "required": required, "invite": invite, "name": name, "email": email, "role": role,
            "reason": f"{agency} reason", "source": source, "removal_reason": "", **more}


def draft(step: str, **changes) -> dict:
    return {"step": step, "version": 7, "assessment": assessment(),
            "invitees": [row("social_care"), row("police"), row("referrer", required=False, name="", email="", role="")],
            "child": {"case_reference": "CR-1", "initials": "AB", "dob": "2016-05-04", "unborn": False, "education_setting": "X",
                      "not_in_education": False, "looked_after": True, "in_hospital": False, "inpatient": False,
                      "other_children": [{"initials": "CD", "dob": "2018-01-01"}, {"initials": "EF", "dob": "2020-02-03"}]},
            "slots": [{"start": "2026-11-23T14:00:00+00:00", "end": "2026-11-23T15:00:00+00:00"},
                      {"start": "2026-11-24T10:00:00+00:00", "end": "2026-11-24T11:00:00+00:00", "suits_paediatrician": False}],
            "slot": {"start": "2026-11-23T14:00:00+00:00", "end": "2026-11-23T15:00:00+00:00"}, **changes}


def frame_is_the_wizards(card: dict, step_title: str, *, back=True, next_title="Next", next_verb="convene.next", step=None):
    assert card["version"] == "1.5"
    assert lines(card)[:2] == ["Convene a strategy discussion", step_title]
    assert card["body"][0]["weight"] == "Bolder" and card["body"][1].get("isSubtle") is True
    data = {"discussion_id": "d-1", "step": step, "version": 7}
    expected = [(next_title, next_verb, "positive")] + ([("Back", "convene.back", None)] if back else []) + [
        ("Cancel", "convene.cancel", "destructive")]
    assert [(b["title"], b["verb"], b.get("style")) for b in card["actions"]] == expected
    for b in card["actions"]:
        assert b["data"] == {"verb": b["verb"], **data}  # the step and version: a stale press changes nothing
    assert_buttons_work_everywhere(card)


# ---- 1 · the child -------------------------------------------------------------------------------------------------------

def test_the_child_step_asks_for_everything_the_bot_reads_and_has_no_back():
    card = cards.child_card(draft("child"), "d-1")
    frame_is_the_wizards(card, "1 of 5 · The child", back=False, step="child")
    boxes = inputs(card)
    assert set(boxes) == {"case_reference", "initials", "dob", "education_setting", "other_children", *CHILD_FLAGS}
    assert boxes["case_reference"]["label"] == "Case reference"
    # No box is cut short by the client: a 40-character reference was cut to 20 and saved (a Playground walk).
    assert not [name for name, box in boxes.items() if "maxLength" in box]
    assert boxes["case_reference"]["placeholder"] == "e.g. CR-104233"
    assert boxes["initials"]["label"] == "Child's initials (never the name)" and boxes["initials"]["placeholder"] == "e.g. JS"
    assert boxes["dob"]["type"] == "Input.Date" and boxes["dob"]["label"] == "Date of birth"
    assert boxes["education_setting"]["label"] == "Education setting (school, college, nursery)"
    assert boxes["other_children"]["isMultiline"] is True and boxes["other_children"]["placeholder"] == "CD 02/04/2017"
    assert boxes["other_children"]["label"] == ("Siblings or other children in the household: one per line, initials and "
                                                "date of birth")
    assert {f: boxes[f]["title"] for f in CHILD_FLAGS} == {
        "unborn": "Unborn", "not_in_education": "Not in education", "looked_after": "Looked after", "in_hospital": "In hospital",
        "inpatient": "In-patient"}
    assert all(boxes[f]["type"] == "Input.Toggle" for f in CHILD_FLAGS)


def test_the_child_step_shows_what_was_saved():
    boxes = inputs(cards.child_card(draft("child"), "d-1"))
    assert {k: boxes[k]["value"] for k in ("case_reference", "initials", "dob", "education_setting")} == {
        "case_reference": "CR-1", "initials": "AB", "dob": "2016-05-04", "education_setting": "X"}
    assert boxes["other_children"]["value"] == "CD 01/01/2018\nEF 03/02/2020"  # one per line, day first, as the placeholder shows
    assert {f: boxes[f]["value"] for f in CHILD_FLAGS} == {"unborn": "false", "not_in_education": "false", "looked_after": "true",
                                                           "in_hospital": "false", "inpatient": "false"}


@pytest.mark.parametrize("flag", CHILD_FLAGS)
def test_each_of_the_childs_ticks_comes_back_ticked(flag):
    child = {**draft("child")["child"], **{f: f == flag for f in CHILD_FLAGS}}
    boxes = inputs(cards.child_card(draft("child", child=child), "d-1"))
    assert {f: boxes[f]["value"] for f in CHILD_FLAGS} == {f: "true" if f == flag else "false" for f in CHILD_FLAGS}


def test_the_child_step_without_a_saved_child_is_empty_and_an_unborn_child_has_no_date():
    boxes = inputs(cards.child_card(draft("child", child=None), "d-1"))
    assert all(boxes[k]["value"] == "" for k in ("case_reference", "initials", "dob", "education_setting", "other_children"))
    assert all(boxes[f]["value"] == "false" for f in CHILD_FLAGS)
    unborn = {"case_reference": "CR-2", "initials": "AB", "dob": None, "unborn": True}
    boxes = inputs(cards.child_card(draft("child", child=unborn), "d-1"))
    assert (boxes["dob"]["value"], boxes["unborn"]["value"], boxes["education_setting"]["value"],
            boxes["other_children"]["value"]) == ("", "true", "", "")


def test_what_was_typed_on_the_child_card_comes_back_over_what_was_saved():
    typed = {"case_reference": "CR-9", "initials": "John Smith", "dob": "", "unborn": "true", "education_setting": "Y",
             "not_in_education": "true", "looked_after": "false", "in_hospital": "true", "inpatient": "true", "other_children": "GH 1/1/2019"}
    boxes = inputs(cards.child_card(draft("child", values={"child": typed}), "d-1"))
    assert {k: boxes[k]["value"] for k in typed} == typed


def test_the_childs_errors_appear_beside_their_fields_and_a_whole_card_error_at_the_top():
    errors = {"case_reference": "Enter the case reference.", "initials": "Initials only.", "dob": "A date.",
              "education_setting": "Too long.", "other_children": "Line 1: …", "_card": "Something went wrong."}
    card = cards.child_card(draft("child", errors=errors), "d-1")
    for field, message in errors.items():
        if field != "_card":
            assert_error_under(card, field, message)
    assert card["body"][2]["text"] == "⚠ Something went wrong." and card["body"][2]["color"] == "Attention"
    clean = cards.child_card(draft("child"), "d-1")
    assert all(not line.startswith("⚠") for line in lines(clean))


# ---- 2 · the concern -----------------------------------------------------------------------------------------------------

def test_the_concern_step_asks_for_everything_the_bot_reads():
    card = cards.concern_card(draft("concern"), "d-1", now=NOW)
    frame_is_the_wizards(card, "2 of 5 · The concern", step="concern")
    boxes = inputs(card)
    assert set(boxes) == {"received_date", "received_time", "concerns", "referrer_agency", *CONCERN_FLAGS}
    assert boxes["received_date"]["type"] == "Input.Date" and boxes["received_date"]["label"] == "Concern received: date"
    assert boxes["received_time"]["type"] == "Input.Text"  # typed: any minute
    assert boxes["received_time"]["label"] == "Concern received: time (24-hour, e.g. 09:05)"
    concerns = boxes["concerns"]
    assert concerns["label"] == "Concerns (choose all that apply)" and concerns["isMultiSelect"] is True
    assert concerns["choices"] == [{"title": t, "value": v} for v, t in CONCERN_LABELS.items()]
    assert boxes["referrer_agency"]["label"] == "Referring agency (no personal names)"
    assert "maxLength" not in boxes["referrer_agency"] and boxes["referrer_agency"]["placeholder"] == "e.g. school, GP, police"
    assert {f: boxes[f]["title"] for f in CONCERN_FLAGS} == {
        "forensic_evidence_needed": "Forensic evidence needs securing",
        "immediate_protective_action": "Immediate protective action taken (police protection, EPO)",
        "medical_implications": "Significant medical implications / paediatric examination may be needed",
        "complex_disability_or_medical": "Complex disability or medical background",
        "adult_services_involved": "Adult services support the parents or carers",
        "allegation_against_staff": "Allegation against someone who works with children",
        "other_authority_involved": "Another local authority or health trust is involved",
        "sarc_referral": "Referred to the Sexual Assault Referral Centre (SARC)"}


def test_a_new_concern_is_received_now_and_nothing_else_is_set():
    boxes = inputs(cards.concern_card(draft("concern"), "d-1", now=NOW))
    assert (boxes["received_date"]["value"], boxes["received_time"]["value"]) == ("2026-11-23", "10:00")
    assert boxes["concerns"]["value"] == "" and boxes["referrer_agency"]["value"] == ""
    assert all(boxes[f]["value"] == "false" for f in CONCERN_FLAGS)


@pytest.mark.parametrize("flag", CONCERN_FLAGS)
def test_the_saved_concern_comes_back(flag):
    saved = {"received_date": "2026-11-22", "received_time": "09:05", "concerns": ["sexual_abuse", "child_on_child"],
             "referrer_agency": "school", **{f: f == flag for f in CONCERN_FLAGS}}
    boxes = inputs(cards.concern_card(draft("concern", concern=saved), "d-1", now=NOW))
    assert (boxes["received_date"]["value"], boxes["received_time"]["value"]) == ("2026-11-22", "09:05")  # the default does not move
    assert boxes["concerns"]["value"] == "sexual_abuse,child_on_child"  # a multi-select sends its values comma-separated
    assert boxes["referrer_agency"]["value"] == "school"
    assert {f: boxes[f]["value"] for f in CONCERN_FLAGS} == {f: "true" if f == flag else "false" for f in CONCERN_FLAGS}


def test_a_received_time_emptied_on_the_card_comes_back_empty_not_as_the_time_now():
    """A Playground walk: the box emptied came back as the time of the redraw, and a second Next took it."""
    typed = {"received_date": "", "received_time": ""}
    card = cards.concern_card(draft("concern", values={"concern": typed}, errors={"received_time": "Enter it."}), "d-1", now=NOW)
    assert (inputs(card)["received_date"]["value"], inputs(card)["received_time"]["value"]) == ("", "")
    assert_error_under(card, "received_time", "Enter it.")


def test_what_was_typed_on_the_concern_card_comes_back_with_its_errors_beside_it():
    typed = {"received_date": "2026-11-20", "received_time": "9.5", "concerns": "risk_to_life", "referrer_agency": "GP",
             **{f: "true" for f in CONCERN_FLAGS}}
    errors = {"received_date": "A date.", "received_time": "HH:MM.", "concerns": "Choose one.", "referrer_agency": "No names."}
    card = cards.concern_card(draft("concern", values={"concern": typed}, errors=errors), "d-1", now=NOW)
    assert {k: v["value"] for k, v in inputs(card).items()} == typed
    for field, message in errors.items():
        assert_error_under(card, field, message)


# ---- 3 · assessment and invitees -----------------------------------------------------------------------------------------

def invitees(d=None, missing_quorum=()) -> dict:
    return cards.invitees_card(d or draft("invitees"), "d-1", now=NOW, missing_quorum=list(missing_quorum))


def test_the_assessment_tells_the_deadline_its_rule_and_source_and_the_format():
    card = invitees()
    frame_is_the_wizards(card, "3 of 5 · Assessment and invitees", step="invitees")
    deadline = text_block(card, "**Deadline")
    assert deadline["text"] == "**Deadline: by 17:00 today**: same day as the referral (hackney 4.2)"
    assert deadline["color"] == "Attention"  # due today
    assert "**Meeting required** (face to face or video): child on child: face to face (hackney 3.1)" in lines(card)
    phone = invitees(draft("invitees", assessment=assessment(format="either", deadline="2026-11-25T17:00:00+00:00")))
    assert "**Meeting or telephone**: child on child: face to face (hackney 3.1)" in lines(phone)
    assert "color" not in text_block(phone, "**Deadline")  # not today: no alarm
    assert text_block(phone, "**Deadline")["text"].startswith("**Deadline: by 17:00 Wed 25 Nov**")


def test_the_assessment_tells_the_aim_the_out_of_hours_team_and_what_is_owed_before_the_discussion():
    a = assessment(target={"due": "2026-11-23T12:00:00+00:00", "text": "within two hours", "source": "hackney 4.1"},
                   clocks=[{"applies_when": "before the discussion", "due": "2026-11-23T13:00:00+00:00", "text": "records checked",
                            "source": "triborough 6"},
                           {"applies_when": "before the discussion", "text": "no time", "source": "x"},
                           {"applies_when": "after the discussion", "due": "2026-11-24T13:00:00+00:00", "text": "later", "source": "y"}],
                   convened_by="Emergency Duty Team")
    block = cards.assessment_block(a, now=NOW)
    said_ = [b["text"] if b["type"] == "TextBlock" else b["items"][0]["text"] for b in block]
    assert "Aim: by 12:00 today: within two hours (hackney 4.1)" in said_
    assert [b for b in block if b["type"] == "TextBlock" and b["text"].startswith("Aim")][0]["isSubtle"] is True
    assert "Also by 13:00 today: records checked (triborough 6)" in said_
    assert not any("no time" in s or "later" in s for s in said_)  # only what is owed before, with a time
    [band] = [b for b in block if b["type"] == "Container"]
    assert band["style"] == "warning"
    assert band["items"][0]["text"] == "Too late today to convene in working hours: the Emergency Duty Team convenes, by 23:59."
    night = cards.assessment_block(assessment(out_of_hours=True, convened_by="Emergency Duty Team"), now=NOW)
    assert [b["items"][0]["text"] for b in night if b["type"] == "Container"] == [
        "Received out of hours, and due before the working day: the Emergency Duty Team convenes."]
    weekend = cards.assessment_block(assessment(out_of_hours=True), now=NOW)  # days to run: the day team's, no warning
    assert not [b for b in weekend if b["type"] == "Container"]
    [said] = [b for b in weekend if b["type"] == "TextBlock" and b["text"].startswith("Received out of hours")]
    assert said["text"] == "Received out of hours, with working days to run: the day team convenes, in working hours."
    assert said["isSubtle"] is True  # a note, not a warning
    assert not [b for b in cards.assessment_block(assessment(), now=NOW) if b["type"] == "Container"]
    assert len(cards.assessment_block(assessment(), now=NOW)) == 2
    # A review agreed for an evening: the EDT's, said as such, not "too late today" (a hostile trial: a week ahead).
    review = cards.assessment_block(assessment(convened_by="Emergency Duty Team", deadline_rule={
        "rule": "review", "text": "agreed for 18:00 Tue 8 Dec, outside working hours", "source": "agreed at the discussion"}), now=NOW)
    assert [b["items"][0]["text"] for b in review if b["type"] == "Container"] == [
        "The review was agreed for a time outside working hours: the Emergency Duty Team convenes it."]


def test_every_invitee_is_listed_with_why_and_an_invite_tick():
    card = invitees()
    rows = [b for b in card["body"] if b["type"] == "Container" and b.get("separator") and b.get("style") != "emphasis"]
    assert [r["items"][0]["text"] for r in rows] == [
        "**Children's social care** (required): A Person, DS, a@x.org\n\nsocial_care reason (hackney 6.1)",
        "**Police** (required): A Person, DS, a@x.org\n\npolice reason (hackney 6.1)",
        "**Referrer** (recommended): the referring agency: not invited until you enter an email address and tick Invite"
        "\n\nreferrer reason (hackney 6.1)"]
    assert all(r["items"][0]["size"] == "Small" for r in rows)
    boxes = inputs(card)
    assert [(boxes[f"invite_{i}"]["title"], boxes[f"invite_{i}"]["value"]) for i in range(3)] == [("Invite", "true")] * 3
    assert "Remove" not in titles(card)  # the profile's invitees stay; only people the chair added can go
    added = invitees(draft("invitees", invitees=[row("specialist", required=False, source="chair", reason="added by the chair")]))
    [added_row] = [b for b in added["body"] if b["type"] == "Container" and b.get("separator") and b.get("style") != "emphasis"]
    assert added_row["items"][0]["text"].endswith("\n\nadded by the chair")  # the source is not repeated after it


def test_a_row_with_no_contact_asks_for_an_address_and_one_with_an_address_does_not():
    d = draft("invitees", invitees=[row("police"), row("health", name="", email="", role=""),
                                    row("referrer", required=False, name="", email="", role="")])
    card = invitees(d)
    boxes = inputs(card)
    assert "email_0" not in boxes and "name_0" not in boxes
    assert (boxes["email_1"]["label"], boxes["name_1"]["label"]) == ("Email address", "Name")
    assert "**Health** (required): no contact on duty in the directory" in said(card)
    assert "email_2" in boxes and "name_2" in boxes


def test_an_address_the_chair_typed_stays_there_to_correct_with_its_error():
    typed = {"email_0": "wrong@", "name_0": "Jo"}
    card = invitees(draft("invitees", values={"invitees": typed}, errors={"email_0": "Not an email address."}))
    boxes = inputs(card)
    assert (boxes["email_0"]["value"], boxes["name_0"]["value"]) == ("wrong@", "Jo")
    assert_error_under(card, "email_0", "Not an email address.")


def test_an_error_on_a_listed_address_is_shown_on_its_row():
    card = invitees(draft("invitees", errors={"email_1": "That address bounced."}))
    rows = [b for b in card["body"] if b["type"] == "Container" and b.get("separator") and b.get("style") != "emphasis"]
    assert "⚠ That address bounced." in [i.get("text") for i in rows[1]["items"]]
    assert "⚠ That address bounced." not in [i.get("text") for i in rows[0]["items"]]


def test_a_required_agency_left_out_asks_why_and_keeps_the_reason():
    d = draft("invitees", invitees=[row("police", invite=False, removal_reason="on leave"), row("health"),
                                    row("lado", required=False, invite=False)])
    boxes = inputs(invitees(d))
    assert boxes["invite_0"]["value"] == "false"
    assert (boxes["reason_0"]["label"], boxes["reason_0"]["value"]) == ("Not invited: why (required)", "on leave")
    assert "reason_1" not in boxes and "reason_2" not in boxes  # invited, or only recommended: no box
    typed = inputs(invitees({**d, "values": {"invitees": {"reason_0": "typed"}}}))
    assert typed["reason_0"]["value"] == "typed"


def test_a_refused_reason_stays_with_its_error_even_once_ticked_again():
    d = draft("invitees", invitees=[row("police")], errors={"reason_0": "Say why."})
    card = invitees(d)
    assert_error_under(card, "reason_0", "Say why.")


def test_someone_the_chair_added_can_be_removed_by_their_row():
    d = draft("invitees", invitees=[row("police"), row("police", source="chair", name="B", email="b@x.org")])
    card = invitees(d)
    [remove] = [b for b in buttons(card) if b["title"] == "Remove"]
    assert remove["verb"] == "convene.remove_person"
    assert remove["data"] == {"verb": "convene.remove_person", "discussion_id": "d-1", "step": "invitees", "version": 7, "index": 1}
    assert "fallback" not in remove  # repeated on every row: kept small for Teams' size limit
    assert_buttons_work_everywhere(card)


def test_without_the_quorum_the_card_says_it_will_not_be_quorate():
    card = invitees(missing_quorum=["police", "health"])
    warning = text_block(card, "⚠ Without")
    assert warning["text"] == "⚠ Without Police, Health this will **not be a quorate strategy discussion**."
    assert warning["color"] == "Attention"
    assert "quorate" not in said(invitees())


def test_add_someone_offers_every_agency_and_keeps_what_was_typed():
    typed = {"add_agency": "lado", "add_name": "Jo Bloggs", "add_email": "jo@"}
    errors = {"add_agency": "Choose.", "add_name": "Name?", "add_email": "Not an email."}
    card = invitees(draft("invitees", values={"invitees": typed}, errors=errors))
    boxes = inputs(card)
    assert boxes["add_agency"]["label"] == "Agency"
    assert boxes["add_agency"]["choices"] == [{"title": AGENCY_NAMES.get(a, a.replace("_", " ")), "value": a} for a in AGENCIES]
    assert (boxes["add_name"]["label"], boxes["add_email"]["label"]) == ("Name", "Email")
    assert {k: boxes[k]["value"] for k in typed} == typed
    for field, message in errors.items():
        assert_error_under(card, field, message)
    add = button(card, "Add person")
    assert add["data"] == {"verb": "convene.add_person", "discussion_id": "d-1", "step": "invitees", "version": 7}
    [panel] = [b for b in card["body"] if b["type"] == "Container" and b.get("style") == "emphasis"]
    assert panel["separator"] is True and panel["items"][0]["text"] == "Add someone" and panel["items"][0]["weight"] == "Bolder"
    assert "Invitees" in lines(card)
    empty = inputs(invitees())
    assert (empty["add_agency"]["value"], empty["add_name"]["value"], empty["add_email"]["value"]) == ("", "", "")


# ---- 4 · when ------------------------------------------------------------------------------------------------------------

def test_the_when_step_offers_the_times_before_the_deadline_and_another_time():
    card = cards.when_card(draft("when"), "d-1", now=NOW)
    frame_is_the_wizards(card, "4 of 5 · When", step="when")
    assert "Deadline: by **17:00 today**." in lines(card)
    boxes = inputs(card)
    assert set(boxes) == {"slot", "other_date", "other_time", "late_reason"}
    assert boxes["slot"]["label"] == "Proposed times" and boxes["slot"]["style"] == "expanded"
    assert boxes["slot"]["choices"] == [
        {"title": "14:00 today", "value": "2026-11-23T14:00:00+00:00"},
        {"title": "10:00 tomorrow (Tue 24 Nov) (short notice for the paediatrician)", "value": "2026-11-24T10:00:00+00:00"},
        {"title": "Another time (below)", "value": "other"}]
    assert boxes["slot"]["value"] == "2026-11-23T14:00:00+00:00"  # the chosen one
    assert (boxes["other_date"]["type"], boxes["other_date"]["label"]) == ("Input.Date", "Another time: date")
    assert boxes["other_time"]["label"] == "Another time: start"
    assert boxes["late_reason"]["label"] == "If after the deadline: why it cannot be sooner"
    assert not [b for b in card["body"] if b["type"] == "Container"]  # times exist: no notice


@pytest.mark.parametrize("chosen, slots, shown", [
    (None, "two", "2026-11-23T14:00:00+00:00"),  # nothing chosen yet: the first (soonest) time
    ({"start": "2026-11-24T10:00:00+00:00"}, "two", "2026-11-24T10:00:00+00:00"),
    ({"start": "2026-11-30T10:00:00+00:00"}, "two", "other"),  # a time of the chair's own
    (None, "none", "other"),
])
def test_the_time_shown_chosen(chosen, slots, shown):
    d = draft("when", slot=chosen)
    if slots == "none":
        d["slots"] = []
    assert inputs(cards.when_card(d, "d-1", now=NOW))["slot"]["value"] == shown


def test_with_no_time_left_in_hours_the_card_says_so_and_keeps_what_was_typed():
    typed = {"slot": "other", "other_date": "2026-11-24", "other_time": "18:30", "late_reason": "police unavailable"}
    errors = {"slot": "Choose.", "other_date": "A date.", "other_time": "A time.", "late_reason": "Why?"}
    card = cards.when_card(draft("when", slots=[], values={"when": typed}, errors=errors), "d-1", now=NOW)
    [band] = [b for b in card["body"] if b["type"] == "Container"]
    assert band["style"] == "warning"
    assert band["items"][0]["text"] == "No time is left before the deadline inside working hours: choose your own time below."
    boxes = inputs(card)
    assert boxes["slot"]["choices"] == [{"title": "Another time (below)", "value": "other"}]
    assert {k: boxes[k]["value"] for k in typed} == typed
    for field, message in errors.items():
        assert_error_under(card, field, message)


# ---- 5 · confirm ---------------------------------------------------------------------------------------------------------

def confirm(d=None, **kw) -> dict:
    options = {"provider_sends": True, "missing_quorum": [], **kw}
    return cards.confirm_card(d or draft("confirm"), "d-1", now=NOW, **options)


def test_the_confirm_step_reads_everything_back_before_anything_is_sent():
    card = confirm()
    frame_is_the_wizards(card, "5 of 5 · Confirm", next_title="Create the meeting", next_verb="convene.confirm", step="confirm")
    assert facts_of(card) == {
        "Case": "CR-1 (AB)", "Born": "04/05/2016, 10 years old",
        "Other children": "CD (01/01/2018, 8 years old), EF (03/02/2020, 6 years old)",
        "Meeting": "14:00 today", "Format": "meeting (face to face or video)",
        "Invitees": "Children's social care: A Person; Police: A Person",
        "Not invited: no contact": "Referrer",
        "Your calendar": "you are invited too"}
    assert list(facts_of(card))[-1] == "Your calendar"
    assert "Creating the meeting sends Teams invitations to everyone above." in lines(card)
    assert not [line for line in lines(card) if line.startswith("⚠")]
    assert text_block(card, "**Deadline")  # the rule again, beside what is about to be sent


def test_the_confirm_step_says_a_meeting_on_a_day_the_offices_are_closed_is_one():
    """A walk: a meeting set for Christmas Day, or moved to a Saturday, went through without a word."""
    d = draft("confirm")
    d["slot"] = {**d["slot"], "closed": "a bank holiday (Christmas Day)"}
    assert facts_of(confirm(d))["Meeting"] == "14:00 today (⚠ a bank holiday (Christmas Day), not a working day)"


def test_a_deadline_already_passed_is_said_when_the_concern_is_entered():
    late = cards.assessment_block(assessment(deadline="2026-11-23T09:00:00+00:00"), now=NOW)
    warning = [b for b in late if b["type"] == "TextBlock"][1]
    assert (warning["text"], warning["color"]) == (
        "⚠ This deadline has already passed: convene as soon as you can, and record why it was missed.", "Attention")
    assert not [b for b in cards.assessment_block(assessment(deadline=NOW.isoformat()), now=NOW) if "already passed" in str(b)]
    assert not [b for b in cards.assessment_block(assessment(), now=NOW) if "already passed" in str(b)]


def test_the_confirm_step_says_who_is_left_out_and_every_departure_from_the_rules():
    d = draft("confirm", invitees=[row("police", invite=False, removal_reason="on leave"), row("health", email="", name=""),
                                   row("lado", required=False, invite=False), row("sarc", required=False, invite=False),
                                   row("education_dsl", name="", email="e@x.org")],
              child={**draft("confirm")["child"], "dob": None, "other_children": []},
              assessment=assessment(format="either"),
              slot={"start": "2026-11-24T10:00:00+00:00", "end": "2026-11-24T11:00:00+00:00", "late_reason": "no police"})
    card = confirm(d, missing_quorum=["police", "health"], chair_invited=False)
    facts = facts_of(card)
    assert (facts["Born"], facts["Other children"], facts["Format"]) == ("unborn", "none", "meeting or telephone")
    assert facts["Invitees"] == "Designated Safeguarding Lead (education setting): e@x.org"  # no name: the address
    assert facts["Not invited: no contact"] == "Health"
    assert facts["Not invited"] == "Local Authority Designated Officer, Sexual Assault Referral Centre"
    assert facts["Your calendar"] == "you are not on the invitation: your email is not in the contacts directory"
    warnings = [b for b in card["body"] if b["type"] == "TextBlock" and b["text"].startswith("⚠")]
    assert [w["text"] for w in warnings] == [
        "⚠ Not quorate: Police, Health not invited.",
        "⚠ Police (required) not invited: on leave",
        "⚠ After the statutory deadline (17:00 today): no police"]
    assert all(w["color"] == "Attention" for w in warnings)


def test_a_meeting_ending_at_the_deadline_is_not_late():
    d = draft("confirm", slot={"start": "2026-11-23T16:00:00+00:00", "end": TODAY_17})
    assert "After the statutory deadline" not in said(confirm(d))


def test_in_local_mode_the_confirm_step_says_no_invitation_is_sent():
    card = confirm(provider_sends=False)
    [band] = [b for b in card["body"] if b["type"] == "Container"]
    assert band["style"] == "warning"
    assert band["items"][0]["text"] == "Local mode: the meeting is written as an .ics file and **no invitation is sent**."
    assert "Creating the meeting sends Teams invitations to everyone above." not in lines(card)


def test_a_meeting_that_could_not_be_created_is_told_and_offered_again():
    card = confirm(draft("confirm", meeting_error="Microsoft Graph answered 503"))
    problem = text_block(card, "⚠ The meeting could not be created")
    assert problem["text"] == ("⚠ The meeting could not be created: Microsoft Graph answered 503. Nothing you entered is lost; "
                               "try again.")
    assert problem["color"] == "Attention"
    assert titles(card)[0] == "Retry creating the meeting" and card["actions"][0]["verb"] == "convene.confirm"



def test_a_meeting_the_calendar_refused_sends_the_chair_to_it_before_a_retry():
    card = confirm(draft("confirm", meeting_error="Microsoft Graph answered 403", meeting_refused=True))
    problem = text_block(card, "⚠ The calendar refused the meeting")
    assert problem["text"] == ("⚠ The calendar refused the meeting: Microsoft Graph answered 403. Retry will be refused the same "
                               "way until your IT team has fixed this. Nothing you entered is lost.")
    assert problem["color"] == "Attention"
    assert not [line for line in lines(card) if "try again" in line]
    assert titles(card)[0] == "Retry creating the meeting" and card["actions"][0]["verb"] == "convene.confirm"


# ---- cancel, messages, ages ----------------------------------------------------------------------------------------------

def test_cancel_asks_first_and_no_goes_back_to_the_card():
    card = cards.cancel_card("d-1", version=3, step="when")
    assert lines(card) == ["Cancel this draft?", "Everything entered so far is discarded. Nothing has been sent to anyone."]
    assert card["body"][0]["weight"] == "Bolder"
    data = {"discussion_id": "d-1", "step": "when", "version": 3}
    assert [(b["title"], b["verb"], b.get("style"), b["data"]) for b in card["actions"]] == [
        ("Yes, cancel the draft", "convene.cancel_confirmed", "destructive", {"verb": "convene.cancel_confirmed", **data}),
        ("No, go back to it", "convene.open", None, {"verb": "convene.open", **data})]
    assert_buttons_work_everywhere(card)


def test_cancel_of_a_draft_whose_meeting_may_exist_says_so_never_that_nothing_was_sent():
    """A Graph trial: the first try made the meeting, its answer lost; Cancel said "Nothing has been sent to anyone"."""
    card = cards.cancel_card("d-1", version=3, step="confirm", in_doubt=True)
    assert lines(card) == ["Cancel this draft?", "Everything entered so far is discarded. The meeting an earlier try asked for may "
                           "have been made and its invitations sent (the calendar's answer never came back): cancelling cancels "
                           "it too, and anyone it invited is told."]


def test_a_message_card_has_its_title_words_and_buttons():
    card = cards.message_card("Not found", "This strategy discussion no longer exists.", color="Attention")
    assert card["version"] == "1.5"
    assert card["body"][0] == {"type": "TextBlock", "text": "Not found", "weight": "Bolder", "size": "Medium", "wrap": True}
    assert card["body"][1] == {"type": "TextBlock", "text": "This strategy discussion no longer exists.", "wrap": True,
                               "color": "Attention"}
    assert "actions" not in cards.message_card("a", "b")
    open_ = [cards.execute("Open", "discussion.open", {})]
    assert cards.message_card("a", "b", actions=open_)["actions"] == open_


def test_a_press_on_a_discussion_that_does_not_exist_is_told_so_in_one_set_of_words():
    card = cards.no_such_discussion()
    assert [b["text"] for b in card["body"]] == ["Not found", "This strategy discussion no longer exists."]
    assert "actions" not in card


@pytest.mark.parametrize("dob, said_", [
    ("2016-05-04", "04/05/2016, 10 years old"),
    ("2016-11-23", "23/11/2016, 10 years old"),  # birthday today
    ("2016-11-24", "24/11/2016, 9 years old"),  # birthday tomorrow
    ("2016-12-01", "01/12/2016, 9 years old"),  # later in the year
    ("2025-11-23", "23/11/2025, 1 year old"),
    ("2026-01-01", "01/01/2026, under a year old"),
])
def test_a_date_of_birth_is_read_back_day_first_with_the_age(dob, said_):
    assert cards.born(dob, NOW.date()) == said_


# ---- a draft as first saved: no version yet, nothing typed, keys not yet there ------------------------------------------

def test_a_draft_not_yet_versioned_sends_version_0_which_the_bot_takes_as_current():
    # bot/convene.py stale_press compares the card's version with draft.get("version", 0): anything else is "stale"
    d = {k: v for k, v in draft("invitees", invitees=[row("police", source="chair")]).items() if k != "version"}
    card = invitees(d)
    assert {b["title"]: b["data"]["version"] for b in buttons(card)} == {"Next": 0, "Back": 0, "Cancel": 0, "Remove": 0,
                                                                         "Add person": 0}


def test_an_assessment_without_clocks_and_a_draft_without_slots_still_draw():
    a = {k: v for k, v in assessment().items() if k != "clocks"}
    assert len(cards.assessment_block(a, now=NOW)) == 2
    d = {k: v for k, v in draft("when", slot=None).items() if k != "slots"}
    boxes = inputs(cards.when_card(d, "d-1", now=NOW))
    assert boxes["slot"]["choices"] == [{"title": "Another time (below)", "value": "other"}]
    assert all(boxes[k]["value"] == "" for k in ("other_date", "other_time", "late_reason"))


def test_boxes_for_a_contact_or_a_reason_not_yet_typed_are_empty():
    bare = {k: v for k, v in row("police", invite=False, name="", email="").items() if k != "removal_reason"}
    boxes = inputs(invitees(draft("invitees", invitees=[bare])))
    assert (boxes["email_0"]["value"], boxes["name_0"]["value"], boxes["reason_0"]["value"]) == ("", "", "")


def test_the_invitees_heading_is_a_sub_heading():
    [heading] = [b for b in invitees()["body"] if b.get("text") == "Invitees"]
    assert (heading["weight"], heading["size"]) == ("Bolder", "Default")


def test_with_everyone_invited_reachable_no_one_is_listed_as_without_a_contact():
    d = draft("confirm", invitees=[row("police"), row("health")])
    assert "Not invited: no contact" not in facts_of(confirm(d))
    assert "Not invited" not in facts_of(confirm(d))
    two = draft("confirm", invitees=[row("police", email=""), row("health", email="")])
    assert facts_of(confirm(two))["Not invited: no contact"] == "Police, Health"


def test_a_departure_without_a_reason_yet_shows_no_made_up_reason():
    bare = {k: v for k, v in row("police", invite=False).items() if k != "removal_reason"}
    d = draft("confirm", invitees=[bare], slot={"start": "2026-11-24T10:00:00+00:00", "end": "2026-11-24T11:00:00+00:00"})
    warnings = [line for line in lines(confirm(d)) if line.startswith("⚠")]
    assert warnings == ["⚠ Police (required) not invited: ", "⚠ After the statutory deadline (17:00 today): "]


# Mutants that change nothing a client could show (bench/mutation.py counts them; see its EQUIVALENT):
# equivalent: cards.wizard.x_child_card__mutmut_38 `e_reference", None), placeholder` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_child_card__mutmut_40 `e_reference", ), placeholder` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_child_card__mutmut_66 `t("initials", None), placeholder` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_child_card__mutmut_68 `t("initials", ), placeholder` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_child_card__mutmut_92 `es.get("dob", None), problem=err` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_child_card__mutmut_94 `es.get("dob", ), problem=err` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_child_card__mutmut_132 `ion_setting", None),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_child_card__mutmut_134 `ion_setting", ),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_child_card__mutmut_224 `er_children", None), placeholder` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_child_card__mutmut_226 `er_children", ), placeholder` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x__child_values__mutmut_56 `ion_setting", None), "other_chil` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x__child_values__mutmut_58 `ion_setting", ), "other_chil` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_concern_card__mutmut_111 `t("concerns", None),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_concern_card__mutmut_113 `t("concerns", ),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_concern_card__mutmut_266 `rrer_agency", None),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_concern_card__mutmut_268 `rrer_agency", ),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_invitees_card__mutmut_155 `ail_{index}", None), problem=err` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_invitees_card__mutmut_157 `ail_{index}", ), problem=err` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_invitees_card__mutmut_172 `ame_{index}", None))` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_invitees_card__mutmut_174 `ame_{index}", ))` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_invitees_card__mutmut_206 `oval_reason", None)),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_invitees_card__mutmut_208 `oval_reason", )),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_invitees_card__mutmut_280 `"add_agency", None),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_invitees_card__mutmut_282 `"add_agency", ),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_invitees_card__mutmut_303 `t("add_name", None), problem=err` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_invitees_card__mutmut_305 `t("add_name", ), problem=err` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_invitees_card__mutmut_326 `("add_email", None), problem=err` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_invitees_card__mutmut_328 `("add_email", ), problem=err` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_when_card__mutmut_137 `"other_date", None), problem=err` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_when_card__mutmut_139 `"other_date", ), problem=err` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_when_card__mutmut_160 `"other_time", None), problem=` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_when_card__mutmut_162 `"other_time", ), problem=` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_when_card__mutmut_183 `late_reason", None),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_when_card__mutmut_185 `late_reason", ),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.wizard.x_child_card__mutmut_239 `d, body, back=None)` -- False -> None: the flag is only tested for truth, None is as false
# equivalent: cards.wizard.x_invitees_card__mutmut_108 `fallback=None)]})` -- False -> None: the flag is only tested for truth, None is as false
# equivalent: cards.wizard.x__child_values__mutmut_8 `.get(k) else "XXfalseXX" for k in ("u` -- an unticked flag spelt other than "false": the card only tests `== "true"`, so the toggle shows "false" either way
# equivalent: cards.wizard.x__child_values__mutmut_9 `.get(k) else "FALSE" for k in ("u` -- an unticked flag spelt other than "false": the card only tests `== "true"`, so the toggle shows "false" either way
# equivalent: cards.wizard.x_concern_card__mutmut_21 `e" if v else "XXfalseXX") if isinstan` -- an unticked flag spelt other than "false": the card only tests `== "true"`, so the toggle shows "false" either way
# equivalent: cards.wizard.x_concern_card__mutmut_22 `e" if v else "FALSE") if isinstan` -- an unticked flag spelt other than "false": the card only tests `== "true"`, so the toggle shows "false" either way
# equivalent: cards.wizard.x_concern_card__mutmut_24 `ms() if k != "XXconcernsXX"},` -- the saved list let through under "concerns" is overwritten by the comma-joined "concerns" later in the same dict
# equivalent: cards.wizard.x_concern_card__mutmut_25 `ms() if k != "CONCERNS"},` -- the saved list let through under "concerns" is overwritten by the comma-joined "concerns" later in the same dict
# equivalent: cards.wizard.x_concern_card__mutmut_116 `("concerns", "XXXX"),` -- a default for a key the card itself always puts in the values ("concerns", "slot"): never used
# equivalent: cards.wizard.x_when_card__mutmut_113 `d.get("slot", None), expanded=Tr` -- a default for a key the card itself always puts in the values ("concerns", "slot"): never used
# equivalent: cards.wizard.x_when_card__mutmut_115 `d.get("slot", ), expanded=Tr` -- a default for a key the card itself always puts in the values ("concerns", "slot"): never used
# equivalent: cards.wizard.x_when_card__mutmut_118 `.get("slot", "XXXX"), expanded=T` -- a default for a key the card itself always puts in the values ("concerns", "slot"): never used
# equivalent: cards.wizard.x_assessment_block__mutmut_150 `plies_when", "XXXX").startswith(` -- a clock without applies_when: "XXXX", like "", does not start with "before the discussion"


def test_another_child_saved_without_a_date_of_birth_comes_back_as_just_the_initials():
    values = cards._child_values({"case_reference": "CR-1", "initials": "AB",
                                  "other_children": [{"initials": "CD", "dob": ""}, {"initials": "EF", "dob": "2020-02-03"}]})
    assert values["other_children"] == "CD\nEF 03/02/2020"


def test_the_concern_card_says_when_the_case_already_has_a_discussion_and_says_nothing_otherwise():
    one = [{"created": "02/11/2026", "status": "recorded", "chair": "Sam Chair"}]
    card = cards.concern_card(draft("concern", same_case=one), "d-1", now=NOW)
    assert ("⚠ CR-1 already has a strategy discussion (started 02/11/2026 by Sam Chair, now recorded). Carry on if this "
            "is a new concern. For a review, cancel this draft and press Start a review discussion on that discussion's card: "
            "a review keeps to the case's clocks, where this counts as a new referral.") in lines(card)
    notice = next(b for b in card["body"] if b.get("style") == "warning" and "already has" in str(b))
    assert notice["type"] == "Container"  # a notice to heed, not an error under a box
    two = [*one, {"created": "20/11/2026", "status": "convened", "chair": ""}]
    card = cards.concern_card(draft("concern", same_case=two, child={}), "d-1", now=NOW)
    assert ("⚠ This case already has strategy discussions (started 02/11/2026 by Sam Chair, now recorded; started "
            "20/11/2026 by another chair, now convened). Carry on if this is a new concern. For a review, cancel this "
            "draft and press Start a review discussion on that discussion's card: a review keeps to the case's clocks, "
            "where this counts as a new referral.") in lines(card)
    for nothing in ([], None):
        assert not [line for line in lines(cards.concern_card(draft("concern", same_case=nothing), "d-1", now=NOW))
                    if "already has" in line]


def test_a_tick_no_rule_asks_about_is_said_on_the_invitees_card_in_the_ticks_own_words():
    """A procedures trial ticked "another local authority is involved" where the procedures ask nothing of it."""
    one = invitees(draft("invitees", unheeded=["other_authority_involved"]))
    [band] = [b for b in one["body"] if b.get("style") == "warning"]
    assert band["items"][0]["text"] == ("You said: Another local authority or health trust is involved. These procedures do not "
                                        "ask about it, so it changed nothing here: add anyone it calls for below.")
    two = invitees(draft("invitees", unheeded=["other_authority_involved", "sarc_referral"]))
    assert ("You said: Another local authority or health trust is involved; Referred to the Sexual Assault Referral Centre "
            "(SARC). These procedures do not ask about them, so it changed nothing here: add anyone it calls for below.") in lines(two)
    # A fact no box on the cards ticks (in_education comes of the setting) is never said; nor is anything when none is unheeded.
    assert not [b for b in invitees(draft("invitees", unheeded=["in_education"]))["body"] if b.get("style") == "warning"]
    assert not [b for b in invitees()["body"] if b.get("style") == "warning"]
    # The boxes say the same words (cards.wizard.TICKED): the concern card's toggle for it.
    assert "Another local authority or health trust is involved" in json.dumps(cards.concern_card(draft("concern"), "d-1", now=NOW))
