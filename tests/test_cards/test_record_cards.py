"""The record's cards (README "Recording and actions", PROTOCOL.md §5-6): ten agenda cards in order,
each asking for what the bot reads and keeping what was saved and typed, errors beside their fields;
the summary posted in the thread (reference and initials only); one card per action for its owner."""
import json
from datetime import datetime, timezone, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from bot import recording
from bot.recording import ACTION_FORM
from cards import record as record_cards
from protocol.profile import DisagreementRules

from .reading import (assert_buttons_work_everywhere, assert_error_under, assert_no_error_under, button, buttons, facts_of, inputs, lines, said, text_block,
                      titles)

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)  # Monday
DISCUSSION = SimpleNamespace(id="d-1", case_reference="CR-1", child_initials="AB", chair_user_id="29:chair")
AGENCIES = [("police", "Police"), ("health", "Health")]
HACKNEY_DISAGREEMENT = DisagreementRules(policy="the CHSCP Escalation Policy", source="hackney 5.1")


def attendance_row(agency="police", name="DS A", attendance="", **more):
    return {"invitation_id": "i", "agency": agency, "name": name, "email": "a@x.org", "attendance": attendance, "route": "",
            "researched": True, **more}


def record(step: str, **changes) -> dict:
    return {"step": step, "version": 4, "attendance": [attendance_row(), attendance_row("health", "Dr B", "apologies")],
            "decisions": [], "actions": [], "distribution": "", "errors": {}, **changes}


def step(rec: dict, *, quorate=True) -> dict:
    return record_cards.step_card(discussion=DISCUSSION, record=rec, steps=recording.STEPS, text_fields=recording.TEXT_FIELDS,
                                  decisions=recording.DECISIONS, attendance_words=recording.ATTENDANCE, children=["AB", "CD"],
                                  agencies=AGENCIES, not_quorate_text="not a quorate strategy discussion", quorate=quorate,
                                  disagreement=HACKNEY_DISAGREEMENT)


# ---- every step ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("number, name, title", [
    (1, "attendance", "Introductions and apologies"), (2, "household", "Family and household"),
    (3, "purpose", "Reason and purpose"), (4, "concerns", "Causes of concern and threshold"),
    (5, "background", "Background, risk and protective factors"), (6, "decisions", "Decisions"),
    (7, "plan", "Plan of the enquiries"), (8, "actions", "Action plan"), (9, "distribution", "Distribution"),
    (10, "next", "Next or review discussion")])
def test_each_step_is_titled_in_the_agendas_order_with_the_case_and_its_buttons(number, name, title):
    card = step(record(name))
    assert card["version"] == "1.5"
    assert lines(card)[:2] == ["Record: Strategy discussion CR-1 (AB)", f"{number} of 10 · {title}"]
    assert card["body"][0]["weight"] == "Bolder" and card["body"][1]["isSubtle"] is True
    last, first = number == 10, number == 1
    expected = [("Finalise the record" if last else "Next", "record.finalise" if last else "record.next", "positive")]
    if not first:
        expected.append(("Back", "record.back", None))
    assert [(b["title"], b["verb"], b.get("style")) for b in card["actions"]] == expected
    for b in card["actions"]:
        assert b["data"] == {"verb": b["verb"], "discussion_id": "d-1", "step": name, "version": 4}
    assert_buttons_work_everywhere(card)


@pytest.mark.parametrize("name", recording.STEPS)
def test_a_whole_card_error_is_shown_on_every_step(name):
    card = step(record(name, errors={"_card": "Finish this step first."}))
    problem = text_block(card, "⚠ Finish")
    assert problem["text"] == "⚠ Finish this step first." and problem["color"] == "Attention"
    assert not [line for line in lines(step(record(name))) if line.startswith("⚠")]


# ---- attendance ----------------------------------------------------------------------------------------------------------

def test_attendance_asks_of_each_agency_whether_they_attended_and_researched():
    card = step(record("attendance"))
    boxes = inputs(card)
    assert "**Police**: DS A" in lines(card) and "**Health**: Dr B" in lines(card)
    for i in (0, 1):
        assert boxes[f"attendance_{i}"]["label"] == "Attendance"
        assert boxes[f"attendance_{i}"]["choices"] == [{"title": "Attended", "value": "attended"},
                                                       {"title": "Apologies", "value": "apologies"},
                                                       {"title": "No response", "value": "no_response"}]
        assert (boxes[f"researched_{i}"]["type"], boxes[f"researched_{i}"]["title"]) == ("Input.Toggle", "Records fully researched")
    assert (boxes["attendance_0"]["value"], boxes["attendance_1"]["value"]) == ("", "apologies")
    # Only an agency not there is asked how its information will come
    assert "route_0" not in boxes
    assert boxes["route_1"]["label"] == "Not attended: how their information will be obtained"
    rows = [b for b in card["body"] if b["type"] == "Container"]
    assert len(rows) == 2 and all(r["separator"] for r in rows)
    assert "As things stand" not in said(card)


@pytest.mark.parametrize("row, asked", [
    ({"attendance": "attended"}, False), ({"attendance": None}, False), ({"attendance": "no_response"}, True),
    ({"attendance": "attended", "route": "by email"}, True),  # something typed stays to be corrected
])
def test_how_a_missing_agencys_information_comes_is_asked_only_of_those_not_there(row, asked):
    boxes = inputs(step(record("attendance", attendance=[attendance_row(**row)])))
    assert ("route_0" in boxes) == asked
    if asked:
        assert boxes["route_0"]["value"] == row.get("route", "")


def test_attendance_names_the_delegate_sent_in_the_invitees_place():
    """A walk: the DSL sent a delegate, and the record's attendance named only the DSL."""
    rec = record("attendance", attendance=[attendance_row(delegate="DC Lee", delegate_email="lee@x.org"), attendance_row("health", "Dr B")])
    assert "**Police**: DS A, sending DC Lee in their place" in lines(step(rec))
    assert "**Health**: Dr B" in lines(step(rec))


def test_attendance_keeps_what_was_marked_and_shows_errors_beside_them():
    rows = [attendance_row(attendance="no_response", route="by email", researched=False)]
    card = step(record("attendance", attendance=rows, errors={"attendance_0": "Mark it.", "route_0": "How?"}))
    boxes = inputs(card)
    assert (boxes["attendance_0"]["value"], boxes["route_0"]["value"], boxes["researched_0"]["value"]) == (
        "no_response", "by email", "false")
    assert_error_under(card, "attendance_0", "Mark it.")
    assert_error_under(card, "route_0", "How?")
    refused = inputs(step(record("attendance", attendance=[attendance_row(attendance="attended")], errors={"route_0": "How?"})))
    assert "route_0" in refused
    assert inputs(step(record("attendance", attendance=[{**attendance_row(), "researched": None}])))["researched_0"]["value"] == "false"
    assert inputs(step(record("attendance", attendance=[{k: v for k, v in attendance_row().items() if k != "researched"}])))[
        "researched_0"]["value"] == "true"  # not yet answered: ticked until the chair says otherwise


def test_attendance_says_when_the_discussion_is_not_quorate_in_the_profiles_words():
    warning = text_block(step(record("attendance"), quorate=False), "⚠ As things stand")
    assert warning["text"] == "⚠ As things stand this is not a quorate strategy discussion."
    assert warning["color"] == "Attention"


# ---- the free-text sections ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(recording.TEXT_FIELDS))
def test_a_written_section_asks_each_of_its_parts_and_keeps_them(name):
    fields = recording.TEXT_FIELDS[name]
    saved = {field: f"saved {field}" for field, _ in fields}
    first, _ = fields[0]
    typed = {first: "typed over"}
    card = step(record(name, **{name: saved}, values={name: typed}, errors={first: "Fill it in."}))
    boxes = inputs(card)
    for field, label in fields:
        assert (boxes[field]["type"], boxes[field]["label"], boxes[field]["isMultiline"]) == ("Input.Text", label, True)
        assert boxes[field]["value"] == (typed.get(field) or saved[field])
    assert_error_under(card, first, "Fill it in.")
    empty = inputs(step(record(name)))
    assert all(empty[field]["value"] == "" for field, _ in fields)


@pytest.mark.parametrize("medical, abe", [(True, False), ("true", "True"), (False, "false"), (None, None)])
def test_the_plan_asks_about_the_medical_and_the_interview(medical, abe):
    card = step(record("plan", plan={"cp_medical": medical, "abe_interview": abe, "no_medical_reason": "none needed",
                                     "medical_advice": "Dr C"}, errors={"no_medical_reason": "Why no CP medical?"}))
    boxes = inputs(card)
    assert (boxes["cp_medical"]["title"], boxes["abe_interview"]["title"]) == (
        "CP medical to be arranged", "Achieving-best-evidence interview")
    assert boxes["cp_medical"]["value"] == ("true" if str(medical).lower() == "true" else "false")
    assert boxes["abe_interview"]["value"] == ("true" if str(abe).lower() == "true" else "false")
    assert (boxes["no_medical_reason"]["label"], boxes["no_medical_reason"]["value"]) == ("If no CP medical: why", "none needed")
    assert (boxes["medical_advice"]["label"], boxes["medical_advice"]["value"]) == ("If no CP medical: medical advice given", "Dr C")
    assert_error_under(card, "no_medical_reason", "Why no CP medical?")
    assert "cp_medical" not in inputs(step(record("background")))


# ---- decisions -----------------------------------------------------------------------------------------------------------

def test_decisions_are_listed_per_child_each_removable_and_a_new_one_can_be_added():
    decisions = [{"child": "AB", "kind": "s47_joint", "reasoning": "injury"}, {"child": "CD", "kind": "icpc", "reasoning": "risk"}]
    card = step(record("decisions", decisions=decisions))
    assert "**AB: Section 47 enquiries: joint with police**: injury" in lines(card)
    assert "**CD: Initial child protection conference**: risk" in lines(card)
    removes = [b for b in buttons(card) if b["title"] == "Remove"]
    assert [(b["verb"], b["data"]["index"]) for b in removes] == [("record.remove_decision", 0), ("record.remove_decision", 1)]
    assert all(b["data"] == {"verb": b["verb"], "discussion_id": "d-1", "step": "decisions", "version": 4, "index": b["data"]["index"]}
               for b in removes)
    listed = [b for b in card["body"] if b["type"] == "Container"]
    assert all(b["separator"] for b in listed) and listed[0]["items"][1]["type"] == "ActionSet"
    boxes = inputs(card)
    assert boxes["decision_child"]["label"] == "Child"
    assert boxes["decision_child"]["choices"] == [{"title": "AB", "value": "AB"}, {"title": "CD", "value": "CD"}]
    assert boxes["decision_child"]["value"] == "AB"  # the first child until another is chosen
    assert boxes["decision_kind"]["label"] == "Decision"
    assert boxes["decision_kind"]["choices"] == [{"title": t, "value": v} for v, t in recording.DECISIONS.items()]
    assert boxes["decision_kind"]["value"] == ""
    assert (boxes["decision_reasoning"]["label"], boxes["decision_reasoning"]["isMultiline"]) == ("Reasoning", True)
    add = button(card, "Add decision")
    assert add["data"] == {"verb": "record.add_decision", "discussion_id": "d-1", "step": "decisions", "version": 4}
    assert_buttons_work_everywhere(card)


def test_no_decisions_yet_says_so_and_a_refused_decision_keeps_what_was_typed():
    typed = {"decision_child": "CD", "decision_kind": "other", "decision_reasoning": "because"}
    errors = {"decision_child": "Which child?", "decision_kind": "Which decision?", "decision_reasoning": "Why?"}
    card = step(record("decisions", values={"decisions": typed}, errors=errors))
    assert "Decisions: none yet" in lines(card)
    assert {k: inputs(card)[k]["value"] for k in typed} == typed
    for field, message in errors.items():
        assert_error_under(card, field, message)


# ---- actions -------------------------------------------------------------------------------------------------------------

def test_actions_are_listed_with_owner_and_due_date_each_editable_and_removable():
    actions = [{"number": 1, "child": "AB", "what": "Visit", "agency": "police", "owner": "DS A", "email": "",
                "due": "2026-11-25T17:00:00+00:00"},
               {"number": 2, "child": "CD", "what": "Medical", "agency": "health", "owner": "Dr B", "email": "",
                "due": "2026-12-04T17:00:00+00:00"}]
    card = step(record("actions", actions=actions))
    assert "**A1 (AB)**: Visit: Police, DS A, by 25/11/2026" in lines(card)
    assert "**A2 (CD)**: Medical: Health, Dr B, by 04/12/2026" in lines(card)  # dates day first
    listed = [(b["title"], b["verb"], b["data"]["number"]) for b in buttons(card) if b["title"] in ("Edit", "Remove")]
    assert listed == [("Edit", "record.edit_action", 1), ("Remove", "record.remove_action", 1),
                      ("Edit", "record.edit_action", 2), ("Remove", "record.remove_action", 2)]
    for b in buttons(card):
        if b["title"] in ("Edit", "Remove"):
            assert b["data"] == {"verb": b["verb"], "discussion_id": "d-1", "step": "actions", "version": 4, "number": b["data"]["number"]}
    assert_buttons_work_everywhere(card)


def test_an_action_being_edited_is_said_to_be_and_its_button_saves_it_under_its_number():
    """A walk: Edit took the action out of the list into the form, and the button still said Add action."""
    actions = [{"number": 1, "child": "AB", "what": "Visit", "agency": "police", "owner": "DS A", "email": "",
                "due": "2026-11-25T17:00:00+00:00"}]
    card = step(record("actions", actions=actions, editing=2))
    assert "**Editing A2**: change it below and press Save A2. Clear the form to keep it as it was." in lines(card)
    assert [b["title"] for b in buttons(card) if b["verb"] == "record.add_action"] == ["Save A2"]
    card = step(record("actions", actions=actions))
    assert not [line for line in lines(card) if "Editing" in line]
    assert [b["title"] for b in buttons(card) if b["verb"] == "record.add_action"] == ["Add action"]


def test_an_action_shows_what_was_noted_of_its_due_date_and_its_reach_beside_it():
    actions = [{"number": 1, "child": "AB", "what": "Visit", "agency": "police", "owner": "DS A", "email": "",
                "due": "2026-12-12T17:00:00+00:00", "due_note": "⚠ a Saturday, not a working day",
                "reach_note": "no email: reminders go to DI Lead, the agency's lead in the directory"},
               {"number": 2, "child": "AB", "what": "Medical", "agency": "health", "owner": "Dr B", "email": "b@nhs.example",
                "due": "2026-12-04T17:00:00+00:00"}]
    card = step(record("actions", actions=actions))
    assert ("**A1 (AB)**: Visit: Police, DS A, by 12/12/2026 (⚠ a Saturday, not a working day) "
            "(no email: reminders go to DI Lead, the agency's lead in the directory)") in lines(card)
    assert "**A2 (AB)**: Medical: Health, Dr B, by 04/12/2026" in lines(card)


def test_the_action_form_asks_for_everything_the_bot_reads():
    card = step(record("actions"))
    assert "Actions: none yet" in lines(card)
    boxes = inputs(card)
    assert set(ACTION_FORM) <= set(boxes)
    assert {f: boxes[f]["label"] for f in ACTION_FORM} == {
        "action_child": "Child", "action_what": "Action", "action_agency": "Owning agency",
        "action_owner": "Person and role responsible", "action_email": "Their email (to reach them in Teams)",
        "action_due": "Due: a date (14/12/2026) or working days (3 working days)"}
    assert boxes["action_child"]["choices"] == [{"title": "AB", "value": "AB"}, {"title": "CD", "value": "CD"}]
    assert boxes["action_child"]["value"] == "AB"
    assert boxes["action_agency"]["choices"] == [{"title": "Police", "value": "police"}, {"title": "Health", "value": "health"}]
    assert all(boxes[f]["value"] == "" for f in ACTION_FORM if f != "action_child")
    add = button(card, "Add action")
    assert add["data"] == {"verb": "record.add_action", "discussion_id": "d-1", "step": "actions", "version": 4}


def test_a_refused_action_keeps_all_its_fields_with_each_error_beside_its_field():
    typed = {"action_child": "CD", "action_what": "Visit", "action_agency": "health", "action_owner": "Dr B",
             "action_email": "b@", "action_due": "someday"}
    errors = {f: f"Fix {f}." for f in ACTION_FORM}
    card = step(record("actions", values={"actions": typed}, errors=errors))
    boxes = inputs(card)
    assert {f: boxes[f]["value"] for f in ACTION_FORM} == typed
    for field, message in errors.items():
        assert_error_under(card, field, message)


# ---- distribution, next, review ------------------------------------------------------------------------------------------

def test_distribution_lists_who_receives_the_record_and_keeps_what_was_typed():
    card = step(record("distribution", distribution="Police\nGP", errors={"distribution": "Who?"}))
    box = inputs(card)["distribution"]
    assert (box["label"], box["value"], box["isMultiline"]) == ("Who receives the record (one per line)", "Police\nGP", True)
    assert_error_under(card, "distribution", "Who?")
    typed = step(record("distribution", distribution="Police", values={"distribution": {"distribution": "Police\nDSL"}}))
    assert inputs(typed)["distribution"]["value"] == "Police\nDSL"
    assert inputs(step({k: v for k, v in record("distribution").items() if k != "distribution"}))["distribution"]["value"] == ""


def test_the_next_discussion_is_asked_for_and_kept():
    card = step(record("next", next={"next": "2026-12-07T14:30:00+00:00", "venue": "Room 2"}, errors={"next_date": "Future."}))
    boxes = inputs(card)
    assert (boxes["next_date"]["type"], boxes["next_date"]["label"], boxes["next_date"]["value"]) == (
        "Input.Date", "Next or review discussion: date (leave empty if none)", "2026-12-07")
    assert (boxes["next_time"]["label"], boxes["next_time"]["value"]) == ("Time", "14:30")
    assert (boxes["next_venue"]["label"], boxes["next_venue"]["value"]) == ("Venue", "Room 2")
    assert_error_under(card, "next_date", "Future.")
    none = inputs(step(record("next", next={"next": None})))
    assert (none["next_date"]["value"], none["next_time"]["value"], none["next_venue"]["value"]) == ("", "", "")
    typed = inputs(step(record("next", values={"next": {"next_date": "2026-12-08", "next_time": "09:05", "next_venue": "Online"}})))
    assert (typed["next_date"]["value"], typed["next_time"]["value"], typed["next_venue"]["value"]) == ("2026-12-08", "09:05", "Online")


def test_the_last_card_reviews_the_whole_record_before_it_is_finalised():
    rec = record("next", decisions=[{"child": "AB", "kind": "s47_joint", "reasoning": "r"},
                                    {"child": "CD", "kind": "icpc", "reasoning": "r"}],
                 actions=[{"number": 1, "child": "AB", "what": "Visit", "agency": "police", "owner": "DS A",
                           "due": "2026-11-25T17:00:00+00:00"},
                          {"number": 2, "child": "AB", "what": "Medical", "agency": "health", "owner": "Dr B",
                           "due": "2026-11-25T17:00:00+00:00"}],
                 distribution="Police\n\n  \nGP\nDSL\n", disagreement={"agency": "police", "about": "Police would not start s47"})
    card = step(rec, quorate=False)
    [review] = [b for b in card["body"] if b["type"] == "Container"]
    assert review["style"] == "emphasis" and review["separator"] is True
    assert review["items"][0]["text"] == "**Review before finalising**"
    assert facts_of(card) == {
        "Attendance": "Police: not marked yet, Health: Apologies",  # an unmarked row says so
        "Quorate": "no: not a quorate strategy discussion",
        "Decisions": "AB: Section 47 enquiries: joint with police; CD: Initial child protection conference",
        "Disagreement": "Police",  # whose, not what: the chair reads that on the decisions card
        "Actions": "A1 Visit (Police); A2 Medical (Health)",
        "Distribution": "3 recipients"}  # blank lines are nobody
    empty = facts_of(step({**record("next", attendance=[attendance_row(attendance="attended")]), "distribution": ""}))
    assert (empty["Attendance"], empty["Quorate"], empty["Decisions"], empty["Disagreement"], empty["Actions"], empty["Distribution"]) == (
        "Police: Attended", "yes", "none", "none", "none", "0 recipients")
    assert not [b for b in step(record("distribution"))["body"] if b.get("style") == "emphasis"]


# ---- after finalising: the thread and the owners -------------------------------------------------------------------------

def test_the_summary_in_the_thread_carries_only_the_reference_and_initials():
    card = record_cards.summary_card(DISCUSSION, quorate=True, not_quorate_text="not quorate", action_count=3)
    assert lines(card) == [
        "Record finalised: Strategy discussion CR-1 (AB)", "Quorate strategy discussion.",
        "3 actions agreed, each on its own card below. Report back with the buttons or by replying here, e.g. `A2 done`, "
        "`A3 by 14/12`, `A4 not required: reason`, `A5 further discussion`."]
    # From a Playground walk: "0 action(s) agreed: each owner has a card below" with no cards below.
    assert lines(record_cards.summary_card(DISCUSSION, quorate=True, not_quorate_text="", action_count=0))[2] == "No actions were agreed."
    assert lines(record_cards.summary_card(DISCUSSION, quorate=True, not_quorate_text="", action_count=1))[2].startswith(
        "1 action agreed, each on its own card below.")
    assert card["body"][0]["weight"] == "Bolder" and "color" not in card["body"][1]
    assert [(b["title"], b["verb"], b["data"]) for b in card["actions"]] == [
        ("Open", "discussion.open", {"verb": "discussion.open", "discussion_id": "d-1"}),
        ("Mark the record as distributed", "record.distributed", {"verb": "record.distributed", "discussion_id": "d-1"})]
    assert_buttons_work_everywhere(card)
    not_quorate = record_cards.summary_card(DISCUSSION, quorate=False, not_quorate_text="not a quorate strategy discussion",
                                            action_count=0)
    assert not_quorate["body"][1]["text"] == "⚠ Recorded as not a quorate strategy discussion."
    assert not_quorate["body"][1]["color"] == "Attention"
    # Once distributed: the same card, the note in place of its button (a walk: the warning and the how-to vanished).
    noted = record_cards.summary_card(DISCUSSION, quorate=False, not_quorate_text="not a quorate strategy discussion",
                                      action_count=3, distributed="Record distribution noted: 6 recipients.")
    assert lines(noted)[1:] == ["⚠ Recorded as not a quorate strategy discussion.", lines(card)[2],
                                "Record distribution noted: 6 recipients."]
    assert [(b["title"], b["verb"], b["data"]) for b in noted["actions"]] == [
        ("Open", "discussion.open", {"verb": "discussion.open", "discussion_id": "d-1"})]
    assert noted["body"][-1]["isSubtle"] is True and noted["body"][1]["color"] == "Attention"
    assert_buttons_work_everywhere(noted)


def action(status="open", **more):
    return SimpleNamespace(**{"id": "a-1", "number": 2, "child_initials": "AB", "description": "Visit the school", "owner_name": "DS A",
                              "owner_agency": "police", "due_at": datetime(2026, 11, 24, 17, 0, tzinfo=LONDON), "agreed_due_at": None,
                              "status": status,
                              "updated_at": datetime(2026, 11, 23, 9, 30, tzinfo=LONDON), **more})


def test_the_posted_action_card_never_carries_the_task_the_chair_typed():
    # Channels and chats carry only the reference and initials: the task may name the family.
    posted = record_cards.action_card(DISCUSSION, action(description="Visit Lucy Brown at 3 Example St"), mention=None, now=NOW)
    assert "Lucy Brown" not in json.dumps(posted)
    assert lines(posted)[:2] == ["A2 · CR-1 (AB)", "The task is for its owner, their agency, the chair and the invitees: they press Open to see it."]
    assert [b["title"] for b in posted["actions"]][:2] == ["Open", "Completed"]
    assert posted["body"][1]["isSubtle"] is True
    opening = posted["actions"][0]
    assert (opening["verb"], opening["data"]) == ("action.open", {"verb": "action.open", "discussion_id": "d-1", "action_id": "a-1"})
    closed = record_cards.action_card(DISCUSSION, action("completed", description="Visit Lucy Brown"), mention=None, now=NOW)
    assert "Lucy Brown" not in json.dumps(closed) and [b["title"] for b in closed["actions"]] == ["Open"]


def test_an_action_card_tells_its_owner_what_is_due_and_offers_the_four_reports():
    card = record_cards.action_card(DISCUSSION, action(), mention="<at>DS A</at>", now=NOW, private=True)
    assert lines(card)[:2] == ["A2 · CR-1 (AB)", "Visit the school"]
    assert card["body"][0]["size"] == "Default"
    assert facts_of(card) == {"Owner": "DS A (Police)", "Due": "17:00 tomorrow (Tue 24 Nov)", "Status": "open"}  # as typed: privately
    posted = record_cards.action_card(DISCUSSION, action(), mention="<at>DS A</at>", now=NOW)
    assert facts_of(posted)["Owner"] == "<at>DS A</at> (Police)"  # the directory's name, an @mention
    # A name that already says the agency says it once (a walk: "DS Priya Shah (police) (Police)").
    named = record_cards.action_card(DISCUSSION, action(owner_name="DS Priya Shah (police)"), mention=None, now=NOW, private=True)
    assert facts_of(named)["Owner"] == "DS Priya Shah (police)"
    assert facts_of(record_cards.action_card(DISCUSSION, action(owner_name=""), mention=None, now=NOW, private=True))["Owner"] == "Police"
    data = {"discussion_id": "d-1", "action_id": "a-1"}
    assert [(b["title"], b["verb"], b.get("style")) for b in card["actions"]] == [
        ("Completed", "action.completed", "positive"), ("Will be done by…", "action.will_complete_by", None),
        ("No longer required", "action.not_required", None), ("Needs a further discussion", "action.needs_discussion", None)]
    # Each button carries the state it was drawn from: a double-click's second press finds it changed.
    assert all(b["data"] == {"verb": b["verb"], **data, "seen": "open@2026-11-24T17:00:00+00:00"} for b in card["actions"])
    boxes = inputs(card)
    assert (boxes["by"]["type"], boxes["by"]["label"], boxes["by"]["value"]) == ("Input.Date", "Will be done by (date)", "")
    assert (boxes["reason"]["label"], boxes["reason"]["value"]) == ("No longer required because (agency manager's reason)", "")
    assert card["refresh"] == {"action": {"type": "Action.Execute", "verb": "action.open", "data": data}, "userIds": ["29:chair"]}
    assert_buttons_work_everywhere(card)


def test_an_action_card_without_a_mention_names_only_the_agency_where_it_is_posted_and_keeps_a_refused_report():
    """What the chair typed for the owner may name a relative: a posted card (a walk found it in the channel) shows the agency."""
    card = record_cards.action_card(DISCUSSION, action(), mention=None, now=NOW, typed={"by": "2026-12-01", "reason": "moved"})
    assert facts_of(card)["Owner"] == "Police" and "DS A" not in str(card)
    assert facts_of(record_cards.action_card(DISCUSSION, action(), mention=None, now=NOW, private=True))["Owner"] == "DS A (Police)"
    assert (inputs(card)["by"]["value"], inputs(card)["reason"]["value"]) == ("2026-12-01", "moved")


@pytest.mark.parametrize("status, said_", [
    ("needs_discussion", "needs a further strategy discussion"), ("odd_status", "odd_status")])
def test_an_action_card_says_where_the_action_stands(status, said_):
    assert facts_of(record_cards.action_card(DISCUSSION, action(status), mention=None, now=NOW))["Status"] == said_


def test_an_action_to_be_done_later_says_by_when_day_first():
    # A report "by 4 December" moves the action's due date to the end of that working day, 17:00
    # (PROTOCOL.md §6); the card gives the date as the owner wrote it, in the partnership's time.
    later = action("will_complete_by", due_at=datetime(2026, 12, 4, 17, 0, tzinfo=LONDON))
    assert facts_of(record_cards.action_card(DISCUSSION, later, mention=None, now=NOW))["Status"] == (
        "not completed yet, will be by 04/12/2026")
    late_evening_in_utc = action("will_complete_by", due_at=datetime(2026, 6, 4, 23, 30, tzinfo=timezone.utc))  # 00:30 BST on the 5th
    assert facts_of(record_cards.action_card(DISCUSSION, late_evening_in_utc, mention=None, now=NOW))["Status"] == (
        "not completed yet, will be by 05/06/2026, OVERDUE")  # June, and NOW is November: the new date has passed too


def test_an_action_given_a_new_date_shows_the_one_agreed_at_the_discussion_beside_it():
    """A walk: a CP medical agreed for Thursday, reported "by" the next week, was shown due then as if agreed so."""
    agreed, later = datetime(2026, 11, 26, 17, 0, tzinfo=LONDON), datetime(2026, 12, 3, 17, 0, tzinfo=LONDON)
    moved = action("will_complete_by", due_at=later, agreed_due_at=agreed)
    assert facts_of(record_cards.action_card(DISCUSSION, moved, mention=None, now=NOW))["Due"] == (
        "17:00 Thu 3 Dec (agreed at the discussion: 17:00 Thu 26 Nov)")
    for same in (agreed, None):  # as agreed, or recorded before the agreed date was kept: nothing more to say
        kept = action("open", due_at=agreed, agreed_due_at=same)
        assert facts_of(record_cards.action_card(DISCUSSION, kept, mention=None, now=NOW))["Due"] == "17:00 Thu 26 Nov"


def test_an_action_still_owed_after_its_due_time_says_overdue():
    """A walk: an action escalated to the manager was listed, and its card drawn, as plain "open"."""
    def status(state, due):
        return facts_of(record_cards.action_card(DISCUSSION, action(state, due_at=due), mention=None, now=NOW))["Status"]
    assert status("open", NOW - timedelta(minutes=1)) == "open, OVERDUE"
    assert status("open", NOW) == "open"  # due at this moment: not yet late
    assert status("open", NOW + timedelta(days=1)) == "open"
    assert status("completed", NOW - timedelta(days=9)) == "completed"
    assert status("needs_discussion", NOW - timedelta(days=9)) == "needs a further strategy discussion"
    assert record_cards.status_words(action("open", due_at=NOW - timedelta(days=1)), LONDON) == "open"  # asked without a now


@pytest.mark.parametrize("status, said_", [("completed", "completed"), ("not_required", "not completed and no longer required")])
def test_a_closed_action_offers_nothing_more_but_still_redraws(status, said_):
    card = record_cards.action_card(DISCUSSION, action(status), mention=None, now=NOW, private=True)
    assert facts_of(card)["Status"] == said_
    assert "actions" not in card and inputs(card) == {}
    assert card["refresh"]["action"]["verb"] == "action.open"
    assert card["refresh"]["action"]["data"] == {"discussion_id": "d-1", "action_id": "a-1"}


def test_a_record_as_first_started_draws_every_step_with_version_0_and_empty_boxes():
    # the record's keys appear as steps are saved; a press must carry version 0, which bot/record.py takes as current
    bare = {"step": "attendance", "attendance": [{k: v for k, v in attendance_row(attendance="apologies").items() if k != "route"}]}
    card = step(bare)
    assert {b["data"]["version"] for b in card["actions"]} == {0}
    assert inputs(card)["route_0"]["value"] == ""
    for name in ("decisions", "actions", "plan", "next"):
        card = step({**bare, "step": name})
        assert {b["data"]["version"] for b in buttons(card)} == {0}
        assert all(box["value"] in ("", "false", "AB") for box in inputs(card).values()), name
    assert facts_of(step({**bare, "step": "next"}))["Decisions"] == "none"
    assert facts_of(step({**bare, "step": "next"}))["Actions"] == "none"


# Mutants that change nothing a client could show (bench/mutation.py counts them; see its EQUIVALENT):
# equivalent: cards.record.x_step_card__mutmut_119 `.get("route", None),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.record.x_step_card__mutmut_121 `.get("route", ),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.record.x_step_card__mutmut_175 `ed.get(field, None), multiline=T` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.record.x_step_card__mutmut_177 `ed.get(field, ), multiline=T` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.record.x_step_card__mutmut_242 `ical_reason", None),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.record.x_step_card__mutmut_244 `ical_reason", ),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.record.x_step_card__mutmut_265 `ical_advice", None))` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.record.x_step_card__mutmut_267 `ical_advice", ))` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.record.x_step_card__mutmut_362 `cision_kind", None),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.record.x_step_card__mutmut_364 `cision_kind", ),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.record.x_step_card__mutmut_387 `n_reasoning", None), multiline=T` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.record.x_step_card__mutmut_389 `n_reasoning", ), multiline=T` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.record.x_step_card__mutmut_636 `action_what", None), problem=err` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.record.x_step_card__mutmut_638 `action_what", ), problem=err` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.record.x_step_card__mutmut_661 `tion_agency", None), problem=err` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.record.x_step_card__mutmut_663 `tion_agency", ), problem=err` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.record.x_step_card__mutmut_684 `ction_owner", None),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.record.x_step_card__mutmut_686 `ction_owner", ),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.record.x_step_card__mutmut_707 `ction_email", None),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.record.x_step_card__mutmut_709 `ction_email", ),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.record.x_step_card__mutmut_730 `"action_due", None),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.record.x_step_card__mutmut_732 `"action_due", ),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.record.x_step_card__mutmut_792 `istribution", None)), multiline=` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.record.x_step_card__mutmut_794 `istribution", )), multiline=` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.record.x_step_card__mutmut_837 `.get("venue", None)})` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.record.x_step_card__mutmut_839 `.get("venue", )})` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.record.x_step_card__mutmut_831 `t("next") or "XXXX")[11:16],` -- no next discussion: "XXXX"[11:16], like ""[11:16], is the empty time


def test_the_state_a_card_was_drawn_from_is_in_utc_whatever_the_servers_zone(monkeypatch):
    """The press's `seen` is compared with the action as the database gives it back (UTC): a server in
    London must write the same, or every press would look stale."""
    import time

    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    try:
        summer = action(due_at=datetime(2026, 6, 4, 17, 0, tzinfo=LONDON))
        assert record_cards.seen_state(summer) == "open@2026-06-04T16:00:00+00:00"
    finally:
        monkeypatch.undo()
        time.tzset()


# ---- the case's clocks, closed by the chair (bot/clocks.py) ---------------------------------------------------------------

def owed_clock(n: int, kind: str, state: str = "open", met_at=None):
    return SimpleNamespace(id=f"o-{n}", kind=kind, subject_id="d-1", state=state, due_at=datetime(2026, 12, 14, 17, 0, tzinfo=LONDON),
                           rule_source="hackney 9.1", met_at=met_at)


def test_the_clocks_card_lists_what_is_owed_with_its_due_time_and_the_form_to_close_one():
    owed = [owed_clock(1, "icpc"), owed_clock(2, "assessment", "breached"),
            owed_clock(3, "lado_notification", "satisfied", met_at=datetime(2026, 11, 20, 12, 0, tzinfo=LONDON)),
            owed_clock(4, "s47_review", "cancelled"), owed_clock(5, "review_discussion", "satisfied")]
    card = record_cards.clocks_card(DISCUSSION, owed=owed, now=NOW)
    assert lines(card)[:2] == ["Case clocks: Strategy discussion CR-1 (AB)",
                               "What the record left owed. When one is met, say so here with the day it happened (or that it is "
                               "not needed, and why): its chasing stops."]
    assert card["body"][0]["weight"] == "Bolder" and card["body"][1]["isSubtle"] is True
    assert facts_of(card) == {
        "Initial child protection conference": "due 17:00 Mon 14 Dec (hackney 9.1)",
        "Assessment's decision on next steps": "due 17:00 Mon 14 Dec (hackney 9.1), BREACHED",
        "LADO notification": "met on 20/11/2026", "S47 review discussion": "not needed", "Review discussion": "met"}
    assert "Closed" in lines(card)
    boxes = inputs(card)
    assert [c["value"] for c in boxes["clock"]["choices"]] == ["o-1", "o-2"] and boxes["clock"]["value"] == ""
    # Each with its due day: two of a kind (the review agreed, and one an agency asked for) are told apart (a walk).
    assert [c["title"] for c in boxes["clock"]["choices"]] == ["Initial child protection conference, due 14/12",
                                                               "Assessment's decision on next steps, due 14/12"]
    assert (boxes["met_on"]["type"], boxes["met_on"]["label"], boxes["met_on"]["value"]) == \
        ("Input.Date", "Met on (the day it happened)", "2026-11-23")  # today, as the usual answer
    assert boxes["reason"]["label"] == "If not needed: why (kept in the audit trail, not shown in chats)" and boxes["reason"]["value"] == ""
    assert [(b["title"], b["verb"], b.get("style")) for b in buttons(card)] == [
        ("Back to the discussion", "discussion.open", None), ("Met on that day", "clock.met", "positive"),
        ("Not needed", "clock.not_needed", None)]
    assert all(b["data"] == {"verb": b["verb"], "discussion_id": "d-1"} for b in buttons(card))
    assert_buttons_work_everywhere(card)


def test_the_clocks_card_keeps_what_was_typed_says_what_is_wrong_under_it_and_the_outcome_above():
    owed = [owed_clock(1, "icpc"), owed_clock(2, "assessment")]
    typed = {"clock": "o-2", "met_on": "2027-01-05", "reason": "Concluded"}
    card = record_cards.clocks_card(DISCUSSION, owed=owed, now=NOW, typed=typed,
                                    problem={"met_on": "05/01/2027 is in the future: give the day it was met.", "_card": "Look"})
    assert {k: v["value"] for k, v in inputs(card).items()} == typed
    assert_error_under(card, "met_on", "05/01/2027 is in the future: give the day it was met.")
    assert text_block(card, "⚠ Look")["color"] == "Attention"
    gone = record_cards.clocks_card(DISCUSSION, owed=owed, now=NOW, typed={"clock": "o-9"})  # closed since: not offered as chosen
    assert inputs(gone)["clock"]["value"] == ""
    done = record_cards.clocks_card(DISCUSSION, owed=[owed_clock(1, "icpc", "satisfied")], now=NOW, note="Conference: met.")
    assert text_block(done, "Conference: met.")["color"] == "Good" and "Nothing is owed now." in lines(done)
    assert inputs(done) == {} and [b["title"] for b in buttons(done)] == ["Back to the discussion"]
    assert "Closed" in lines(done)
    assert text_block(record_cards.clocks_card(DISCUSSION, owed=owed, now=NOW, note="⚠ Already closed"), "⚠ Already")["color"] == "Attention"
    assert "Closed" not in lines(record_cards.clocks_card(DISCUSSION, owed=owed, now=NOW))


def test_the_clocks_card_draws_its_parts_as_a_person_reads_them():
    owed = [owed_clock(1, "icpc"), owed_clock(2, "lado_notification", "satisfied",
                                                  met_at=datetime(2027, 6, 30, 23, 30, tzinfo=timezone.utc))]  # 00:30 BST, 1 July
    card = record_cards.clocks_card(DISCUSSION, owed=owed, now=NOW)
    assert lines(card) == [
        "Case clocks: Strategy discussion CR-1 (AB)",
        "What the record left owed. When one is met, say so here with the day it happened (or that it is not needed, and why): "
        "its chasing stops.",
        "Initial child protection conference: due 17:00 Mon 14 Dec (hackney 9.1)",
        "Closed", "LADO notification: met on 01/07/2027"]  # the day in London, whatever the server's zone
    assert text_block(card, "Closed")["size"] == "Default"
    form = card["body"][-1]
    assert form["type"] == "Container" and form["separator"] is True
    assert inputs(card)["clock"]["label"] == "Which"
    wrong = record_cards.clocks_card(DISCUSSION, owed=owed, now=NOW, typed={"clock": "o-1"},
                                     problem={"clock": "Choose which clock.", "reason": "Say why it is not needed."})
    assert_error_under(wrong, "clock", "Choose which clock.")
    assert_error_under(wrong, "reason", "Say why it is not needed.")


# equivalent: cards.record.x_clocks_card__mutmut_54 `words.owed(o.kind, None)` -- the clocks are never actions, whose name alone reads subject_id
# equivalent: cards.record.x_clocks_card__mutmut_89 `words.owed(o.kind, None)` -- the same, for the closed ones
# equivalent: cards.record.x_clocks_card__mutmut_134 `words.owed(o.kind, None)` -- the same, for the choices
# equivalent: cards.record.x_clocks_card__mutmut_141 `typed.get("clock", None) if` -- the default is read only when "clock" is in typed and among those still owed
# equivalent: cards.record.x_clocks_card__mutmut_143 `typed.get("clock", ) if` -- the same
# equivalent: cards.record.x_clocks_card__mutmut_146 `typed.get("clock", "XXXX") if` -- the same
# equivalent: cards.record.x_clocks_card__mutmut_191 `typed.get("reason", None),` -- text_input shows a missing value (None) as ""
# equivalent: cards.record.x_clocks_card__mutmut_193 `typed.get("reason", ),` -- the same


def test_an_action_due_on_a_closed_day_says_so_on_its_card():
    """A procedures expert's trial: the record card said "(⚠ a bank holiday (New Year's Day), not a working day)"
    beside an action agreed for 1 January; the cards posted in the thread after finalising did not."""
    closed = "a bank holiday (New Year's Day), not a working day"
    due = record_cards.action_card(DISCUSSION, action(), mention=None, now=NOW, closed=closed)
    assert facts_of(due)["Due"] == f"17:00 tomorrow (Tue 24 Nov) (⚠ {closed})"
    assert facts_of(record_cards.action_card(DISCUSSION, action(), mention=None, now=NOW))["Due"] == "17:00 tomorrow (Tue 24 Nov)"


def test_what_people_typed_is_shown_as_words_never_as_a_link():
    """A privacy trial: a task typed as `[click here](https://evil.example.net/x)` was a clickable link on the owner's card."""
    typed = "[click here](https://evil.example.net/x)"
    card = record_cards.action_card(DISCUSSION, action(description=typed, owner_name=typed), mention=None, now=NOW, private=True)
    shown = json.dumps(card, ensure_ascii=False)
    assert "](" not in shown and "[click here]\u200b(https://evil.example.net/x)" in shown  # the same words, no link


# ---- professional disagreement (PROTOCOL.md §7) --------------------------------------------------------------------------

def test_the_decisions_card_takes_a_disagreement_says_where_it_goes_and_keeps_what_was_typed():
    card = step(record("decisions"))
    boxes = inputs(card)
    assert boxes["disagreement_agency"]["label"] == "Agency that disagrees" and boxes["disagreement_agency"]["value"] == ""
    assert boxes["disagreement_agency"]["choices"] == [{"title": "No disagreement", "value": "none"},
                                                       {"title": "Police", "value": "police"}, {"title": "Health", "value": "health"}]
    assert (boxes["disagreement_about"]["label"], boxes["disagreement_about"]["value"], boxes["disagreement_about"]["isMultiline"]) == (
        "What is disagreed, and each view (on the record only)", "", True)
    assert ("**Professional disagreement**, if an agency disagrees with a decision: it is recorded and does not stop the "
            "discussion. It goes to the CHSCP Escalation Policy (hackney 5.1); the agency's lead and the chair's manager are "
            "told once the record is finalised.") in lines(card)
    section = next(b for b in card["body"] if b["type"] == "Container" and "disagreement_agency" in json.dumps(b))
    assert section["separator"] is True
    # Saved, it comes back; typed since (and refused), what was typed comes back, each refusal under its box.
    saved = step(record("decisions", disagreement={"agency": "police", "about": "Police see no s47"}))
    assert (inputs(saved)["disagreement_agency"]["value"], inputs(saved)["disagreement_about"]["value"]) == ("police", "Police see no s47")
    typed = {"disagreement_agency": "health", "disagreement_about": "x"}
    refused = step(record("decisions", disagreement={"agency": "police", "about": "Police see no s47"}, values={"decisions": typed},
                          errors={"disagreement_agency": "Which agency?", "disagreement_about": "Say more."}))
    assert {k: inputs(refused)[k]["value"] for k in typed} == typed
    assert_error_under(refused, "disagreement_agency", "Which agency?")
    assert_error_under(refused, "disagreement_about", "Say more.")


@pytest.mark.parametrize("policy, source, tell, said", [
    ("the CHSCP Escalation Policy", "hackney 5.1", ("agency_lead", "chair_manager"),
     "It goes to the CHSCP Escalation Policy (hackney 5.1); the agency's lead and the chair's manager are told once the record "
     "is finalised."),
    (None, "", ("chair_manager",),
     "These procedures name no escalation policy: follow your safeguarding partnership's; the chair's manager is told once "
     "the record is finalised."),
    ("FAST", "walsall FAST", (), "It goes to FAST (walsall FAST)."),
])
def test_where_a_disagreement_goes_and_who_is_told_in_words(policy, source, tell, said):
    from cards import words

    assert words.escalation(policy, source, tell) == said


@pytest.mark.parametrize("noted, said", [
    ({"agency": "police", "policy": "the CHSCP Escalation Policy", "source": "hackney 5.1", "told": ["the agency's lead", "the chair's manager"]},
     "⚠ Professional disagreement recorded (Police): it goes to the CHSCP Escalation Policy (hackney 5.1). The agency's lead and the "
     "chair's manager have been told."),
    ({"agency": "health", "policy": None, "source": "", "told": ["the agency's lead"]},
     "⚠ Professional disagreement recorded (Health): these procedures name no escalation policy: it goes to the safeguarding "
     "partnership's. The agency's lead has been told."),
    ({"agency": "social_care", "policy": "FAST", "source": "walsall FAST", "told": []},
     "⚠ Professional disagreement recorded (Children's social care): it goes to FAST (walsall FAST). Nobody in the directory to "
     "tell: the chair raises it."),
])
def test_the_summary_and_the_chairs_card_say_whose_disagreement_where_it_goes_and_who_was_told_never_what(noted, said):
    from cards import discussion as discussion_cards

    with_record = SimpleNamespace(**vars(DISCUSSION), record={"disagreement": {**noted, "about": "SECRET WORDS"}})
    summary = record_cards.summary_card(with_record, quorate=True, not_quorate_text="", action_count=0)
    assert lines(summary)[2] == said and summary["body"][2]["color"] == "Attention"
    assert "SECRET" not in json.dumps(summary)
    # Not yet finalised (no "told"): nothing said of it.
    draft = SimpleNamespace(**vars(DISCUSSION), record={"disagreement": {"agency": "police", "about": "SECRET"}})
    assert lines(record_cards.summary_card(draft, quorate=True, not_quorate_text="", action_count=0))[2] == "No actions were agreed."
    from .test_discussion_cards import discussion

    recorded = discussion(status="recorded", record={"disagreement": {**noted, "about": "SECRET WORDS"}, "quorate": True}, actions=[])
    chair = discussion_cards.chair_card(recorded, now=NOW, quorum=[], provider_sends=False, next_contacts={}, attendance_words={})
    assert said in lines(chair) and "SECRET" not in json.dumps(chair)
    assert text_block(chair, "⚠ Professional disagreement")["color"] == "Attention"


def test_an_actions_refusal_sits_under_the_box_it_is_about():
    """A walk read "Choose the date it will be done by" under the reason's box."""
    by = record_cards.action_card(DISCUSSION, action(), mention=None, now=NOW, private=True, problem={"by": "Choose the date."})
    assert_error_under(by, "by", "Choose the date.")
    assert_no_error_under(by, "reason")
    reason = record_cards.action_card(DISCUSSION, action(), mention=None, now=NOW, private=True, problem={"reason": "Say why."})
    assert_error_under(reason, "reason", "Say why.")
    assert_no_error_under(reason, "by")


def test_a_date_given_since_carries_the_one_agreed_beside_it_in_the_lists():
    agreed = datetime(2026, 12, 7, 17, 0, tzinfo=LONDON)
    moved = action(due_at=datetime(2026, 12, 14, 17, 0, tzinfo=LONDON), agreed_due_at=agreed)
    assert record_cards.agreed_beside(moved, LONDON) == " (agreed at the discussion: 07/12/2026)"
    assert record_cards.agreed_beside(action(due_at=agreed, agreed_due_at=agreed), LONDON) == ""  # as agreed
    assert record_cards.agreed_beside(action(agreed_due_at=None), LONDON) == ""  # from before the agreed date was kept
    # In the service's zone: 23:30 UTC on 6 June is 00:30 on the 7th in London.
    summer = action(due_at=datetime(2027, 6, 14, 16, 0, tzinfo=timezone.utc), agreed_due_at=datetime(2027, 6, 6, 23, 30, tzinfo=timezone.utc))
    assert record_cards.agreed_beside(summer, LONDON) == " (agreed at the discussion: 07/06/2027)"


def test_the_clocks_cards_which_list_says_each_due_day_in_the_services_zone():
    late_evening = SimpleNamespace(id="o-9", kind="icpc", subject_id="d-1", state="open", rule_source="hackney 9.1",
                                   due_at=datetime(2027, 6, 6, 23, 30, tzinfo=timezone.utc), met_at=None)
    card = record_cards.clocks_card(DISCUSSION, owed=[late_evening], now=datetime(2027, 6, 1, 9, 0, tzinfo=LONDON))
    assert [c["title"] for c in inputs(card)["clock"]["choices"]] == ["Initial child protection conference, due 07/06"]


# equivalent: cards.record.x_step_card__mutmut_436 `saved.get("agency", None),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.record.x_step_card__mutmut_438 `saved.get("agency", ),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.record.x_step_card__mutmut_445 `saved.get("about", None)})` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.record.x_step_card__mutmut_447 `saved.get("about", )})` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box


def test_the_not_held_yet_card_asks_when_it_began_if_earlier_and_keeps_what_was_typed():
    """A walk: "Not held yet" pointed at a move the bot refuses for a time passed; the card now takes the time it began."""
    card = record_cards.not_held_yet_card("d-1", "CR-1 (AB): the meeting is 14:00 today.")
    assert lines(card)[:2] == ["Not held yet", "CR-1 (AB): the meeting is 14:00 today."]
    assert list(inputs(card)) == ["held_at"] and inputs(card)["held_at"].get("value", "") == ""
    assert inputs(card)["held_at"]["label"] == "If it was held earlier today: when it began (HH:MM)"
    assert [(b["title"], b["verb"], b["data"]) for b in card["actions"]] == [
        ("It was held then: write the record", "record.held_earlier", {"verb": "record.held_earlier", "discussion_id": "d-1"}),
        ("Open the discussion", "discussion.open", {"verb": "discussion.open", "discussion_id": "d-1"})]
    refused = record_cards.not_held_yet_card("d-1", "words", typed="25:00", problem="Enter the start as HH:MM")
    assert inputs(refused)["held_at"]["value"] == "25:00"
    assert_error_under(refused, "held_at", "Enter the start as HH:MM")
    assert_buttons_work_everywhere(card)
