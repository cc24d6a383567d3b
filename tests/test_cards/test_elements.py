"""The building blocks every card is made of, checked against what Teams renders (Adaptive Cards 1.5)
and the product's rules (nothing typed is lost, errors beside their input, readable notices), and
the words dates and agencies are told in."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from cards import elements as e
from cards import words

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)  # a Monday


def test_a_card_is_adaptive_card_1_5_with_its_body():
    body = [e.text("hello")]
    built = e.card(body)
    assert built == {"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                     "version": "1.5", "body": body}  # Teams renders bot cards up to 1.5; no buttons: no bar


def test_a_card_keeps_its_buttons_and_asks_for_per_user_views_only_with_a_verb_and_viewers():
    buttons = [e.execute("Open", "discussion.open")]
    assert e.card([], buttons)["actions"] == buttons
    assert "refresh" not in e.card([], refresh_verb="discussion.open")
    assert "refresh" not in e.card([], refresh_verb="discussion.open", user_ids=[])
    assert "refresh" not in e.card([], user_ids=["29:a"])
    built = e.card([], refresh_verb="discussion.open", refresh_data={"discussion_id": "d"}, user_ids=["29:a", "29:b"])
    assert built["refresh"] == {"action": {"type": "Action.Execute", "verb": "discussion.open", "data": {"discussion_id": "d"}},
                                "userIds": ["29:a", "29:b"]}
    assert e.card([], refresh_verb="v", user_ids=["29:a"])["refresh"]["action"]["data"] == {}


def test_teams_refreshes_for_at_most_60_people():
    many = [f"29:{i}" for i in range(70)]
    assert e.card([], refresh_verb="v", user_ids=many)["refresh"]["userIds"] == many[:60]
    assert e.refreshing(e.card([]), "v", {}, many)["refresh"]["userIds"] == many[:60]


def test_refreshing_lists_only_the_known_viewers_and_otherwise_everyone_refreshes():
    built = e.refreshing(e.card([]), "action.open", {"action_id": "a"}, [None, "29:chair", ""])
    assert built["refresh"] == {"action": {"type": "Action.Execute", "verb": "action.open", "data": {"action_id": "a"}},
                                "userIds": ["29:chair"]}
    assert "userIds" not in e.refreshing(e.card([]), "action.open", {}, [None])["refresh"]


def test_a_button_sends_its_verb_with_its_data_and_falls_back_to_submit_for_older_clients():
    button = e.execute("Next", "convene.next", {"step": "child"}, style="positive")
    assert button == {"type": "Action.Execute", "title": "Next", "verb": "convene.next",
                      "data": {"verb": "convene.next", "step": "child"}, "style": "positive",
                      "fallback": {"type": "Action.Submit", "title": "Next", "data": {"verb": "convene.next", "step": "child"}}}
    plain = e.execute("Open", "discussion.open")
    assert plain["data"] == {"verb": "discussion.open"} and "style" not in plain
    assert "fallback" not in e.execute("Remove", "convene.remove_person", {"index": 1}, fallback=False)


def test_headings_and_text_wrap_and_are_plain_unless_asked():
    assert e.heading("Title") == {"type": "TextBlock", "text": "Title", "weight": "Bolder", "size": "Medium", "wrap": True}
    assert e.heading("Sub", size="Default")["size"] == "Default"
    assert e.text("words") == {"type": "TextBlock", "text": "words", "wrap": True}
    assert e.text("w", subtle=True, color="Attention", weight="Bolder", size="Small") == {
        "type": "TextBlock", "text": "w", "wrap": True, "isSubtle": True, "color": "Attention", "weight": "Bolder", "size": "Small"}


def test_an_error_is_small_attention_text_with_a_warning_sign_and_nothing_without_one():
    assert e.error("Enter the date.") == [{"type": "TextBlock", "text": "⚠ Enter the date.", "wrap": True, "color": "Attention",
                                          "size": "Small"}]
    assert e.error(None) == [] and e.error("") == []


def test_a_notice_is_dark_text_on_a_tinted_band():
    assert e.notice("Local mode") == {"type": "Container", "style": "warning",
                                      "items": [{"type": "TextBlock", "text": "Local mode", "wrap": True}]}


def test_facts_are_title_and_value_pairs_in_order():
    assert e.facts([("Case", "CR-1 (AB)"), ("Born", "unborn")]) == {
        "type": "FactSet", "facts": [{"title": "Case", "value": "CR-1 (AB)"}, {"title": "Born", "value": "unborn"}]}


def test_a_text_input_keeps_its_value_and_shows_its_error_under_it():
    box, problem = e.text_input("case_reference", "Case reference", "CR-1", placeholder="e.g. CR-104233", multiline=True,
                                problem="Enter the case reference.")
    assert box == {"type": "Input.Text", "id": "case_reference", "label": "Case reference", "value": "CR-1",
                   "placeholder": "e.g. CR-104233", "isMultiline": True}
    assert problem["text"] == "⚠ Enter the case reference."
    assert e.text_input("x", "X") == [{"type": "Input.Text", "id": "x", "label": "X", "value": ""}]
    assert e.text_input("x", "X", None) == [{"type": "Input.Text", "id": "x", "label": "X", "value": ""}]


def test_a_date_input_and_a_typed_time():
    assert e.date_input("dob", "Date of birth", "2016-05-04", problem="Bad") == [
        {"type": "Input.Date", "id": "dob", "label": "Date of birth", "value": "2016-05-04"}, *e.error("Bad")]
    assert e.date_input("dob", "Date of birth", None)[0]["value"] == ""
    # Typed, not Input.Time: Teams' picker offers half hours only, and 09:05 must be enterable.
    assert e.time_input("t", "Time", "09:05", problem="Bad") == [
        {"type": "Input.Text", "id": "t", "label": "Time", "value": "09:05", "placeholder": "HH:MM, e.g. 09:05"}, *e.error("Bad")]
    assert e.time_input("t", "Time", None)[0]["value"] == ""
    assert e.date_input("dob", "Date of birth")[0]["value"] == "" and e.time_input("t", "Time")[0]["value"] == ""  # nothing yet


@pytest.mark.parametrize("value, shown", [(True, "true"), (False, "false")])
def test_a_toggle_sends_true_or_false(value, shown):
    assert e.toggle("unborn", "Unborn", value, problem="Bad") == [
        {"type": "Input.Toggle", "id": "unborn", "title": "Unborn", "value": shown, "valueOn": "true", "valueOff": "false"},
        *e.error("Bad")]
    assert e.toggle("unborn", "Unborn")[0]["value"] == "false"


def test_choices_show_titles_and_send_values():
    [single] = e.choices("kind", "Decision", [("icpc", "Initial child protection conference")], "icpc")
    assert single == {"type": "Input.ChoiceSet", "id": "kind", "label": "Decision", "value": "icpc",
                      "choices": [{"title": "Initial child protection conference", "value": "icpc"}]}
    many, problem = e.choices("c", "C", [("a", "A")], None, multi=True, expanded=True, problem="Choose one.")
    assert many["isMultiSelect"] is True and many["style"] == "expanded" and many["value"] == ""
    assert problem["text"] == "⚠ Choose one."
    assert e.choices("c", "C", [("a", "A")])[0]["value"] == ""  # nothing chosen yet


def test_a_container_holds_its_items_with_its_style_and_a_line_above_when_asked():
    assert e.container([e.text("a")]) == {"type": "Container", "items": [e.text("a")]}
    assert e.container([], style="emphasis", separator=True) == {"type": "Container", "items": [], "style": "emphasis",
                                                                 "separator": True}


def test_what_was_typed_last_shows_over_what_was_saved():
    draft = {"values": {"child": {"initials": "XY", "dob": ""}, "concern": {"x": "1"}}}
    assert e.shown(draft, "child", {"initials": "AB", "case_reference": "CR-1"}) == {"initials": "XY", "dob": "",
                                                                                     "case_reference": "CR-1"}
    assert e.shown({}, "child", {"a": "1"}) == {"a": "1"}
    assert e.shown({"values": None}, "child", {"a": "1"}) == {"a": "1"}
    assert e.shown({"values": {"child": None}}, "child", {"a": "1"}) == {"a": "1"}


# ---- words ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("moment, said", [
    (datetime(2026, 11, 23, 17, 0, tzinfo=LONDON), "17:00 today"),
    (datetime(2026, 11, 24, 9, 5, tzinfo=LONDON), "09:05 tomorrow (Tue 24 Nov)"),
    (datetime(2026, 11, 26, 17, 0, tzinfo=LONDON), "17:00 Thu 26 Nov"),
    (datetime(2026, 12, 1, 17, 0, tzinfo=LONDON), "17:00 Tue 1 Dec"),  # no leading zero on the day
    (datetime(2026, 11, 20, 17, 0, tzinfo=LONDON), "17:00 Fri 20 Nov"),  # already past
    (datetime(2027, 1, 4, 9, 0, tzinfo=LONDON), "09:00 Mon 4 Jan 2027"),  # another year says which
])
def test_deadlines_in_a_managers_words(moment, said):
    assert words.when(moment, now=NOW) == said


@pytest.mark.parametrize("moment, said", [
    (datetime(2027, 12, 14, 17, 0, tzinfo=LONDON), "17:00 Tue 14 Dec 2027"),  # 11 months on, the same year: said, not "14 Dec"
    (datetime(2027, 7, 14, 17, 0, tzinfo=LONDON), "17:00 Wed 14 Jul 2027"),  # half a year on
    (datetime(2027, 5, 14, 17, 0, tzinfo=LONDON), "17:00 Fri 14 May"),  # four months on
    (datetime(2027, 6, 11, 17, 0, tzinfo=LONDON), "17:00 Fri 11 Jun"),  # 150 days on: not yet
    (datetime(2027, 6, 12, 17, 0, tzinfo=LONDON), "17:00 Sat 12 Jun 2027"),  # 151 days on: the year
])
def test_a_day_five_months_off_or_more_says_its_year(moment, said):
    # A Playground walk, on 12 January: "A1 by 14/12" read back as "Due 17:00 Tue 14 Dec", which looked past.
    assert words.when(moment, now=datetime(2027, 1, 12, 9, 0, tzinfo=LONDON)) == said


def test_times_are_told_on_the_clock_where_the_reader_is():
    summer_now = datetime(2026, 6, 1, 9, 0, tzinfo=LONDON)
    assert words.when(datetime(2026, 6, 1, 16, 0, tzinfo=timezone.utc), now=summer_now) == "17:00 today"  # BST
    # 23:30 UTC on the Monday is 00:30 on Tuesday in London: tomorrow, not today
    assert words.when(datetime(2026, 6, 1, 23, 30, tzinfo=timezone.utc), now=summer_now) == "00:30 tomorrow (Tue 2 Jun)"


def test_agencies_by_their_names():
    assert words.agency("police") == "Police"
    assert words.agency("education_dsl") == "Designated Safeguarding Lead (education setting)"
    assert words.agency("youth_offending_team") == "youth offending team"  # not in the vocabulary: readable anyway


def test_a_listing_reads_as_a_sentence():
    assert words.listing(["chair"]) == "chair"
    assert words.listing(["agency lead", "chair"]) == "agency lead and chair"
    assert words.listing(["agency lead", "chair", "manager"]) == "agency lead, chair and manager"


def test_the_subject_carries_only_the_reference_and_initials():
    assert words.subject("CR-104233", "JS") == "Strategy discussion CR-104233 (JS)"
    assert words.subject("", "") == "Strategy discussion (no case reference yet)"  # a draft before its child card


def test_what_is_owed_is_named_as_the_thread_names_it():
    # An agreed action by its number, as agencies reply ("A3 done"); anything else by its kind in words.
    assert words.owed("action", "3") == "A3"
    assert words.owed("information_update", "d1") == "information update"
    assert words.owed("icpc", "d1") == "initial child protection conference"  # a walk read the bare "icpc"


def test_input_ids_finds_every_input_that_can_be_emptied_in_containers_and_columns():
    assert e.input_ids({"type": "AdaptiveCard"}) == frozenset()  # no body: no inputs
    odd = {"body": ["not an element", {"type": "Input.Text"}, {"type": "Container", "items": [{"type": "Input.Date", "id": "after"}]}]}
    assert e.input_ids(odd) == {"after"}  # what is not an input with an id is passed over, not stopped at
    built = e.card([e.text("hello"), {"type": "Input.Text", "id": "top"},
                    {"type": "Container", "items": [{"type": "Input.Toggle", "id": "ticked"}, {"type": "Input.ChoiceSet", "id": "in_container"}]},
                    {"type": "ColumnSet", "columns": [{"type": "Column", "items": [{"type": "Input.Date", "id": "in_column"}]}]}],
                   [e.execute("Next", "x.next", {"not_an_input": 1})])
    assert e.input_ids(built) == {"top", "in_container", "in_column"}  # a toggle always sends on or off: never "emptied"


def test_a_box_the_press_left_out_is_empty_on_the_card_and_kept_so_and_what_is_not_on_the_card_stays():
    from bot.wizard import as_on_card, keep

    draft = {"step": "child", "values": {"child": {"initials": "AB", "school": "Example Primary", "elsewhere": "kept"},
                                         "concern": {"referrer": "GP"}}}
    pressed = as_on_card({"verb": "convene.next", "step": "child", "initials": "CD"}, frozenset({"initials", "school"}))
    assert pressed == {"verb": "convene.next", "step": "child", "initials": "CD", "school": ""}
    kept = keep(draft, pressed)
    assert kept["values"]["child"] == {"initials": "CD", "school": "", "elsewhere": "kept"}
    assert kept["values"]["concern"] == {"referrer": "GP"}  # another step's card is not touched
