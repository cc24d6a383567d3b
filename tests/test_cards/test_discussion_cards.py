"""A convened discussion's cards (README "Convening", invitees and the chair): the message in the
channel carries the case reference and initials only; the chair's card tells replies, the quorum,
the deadline and lets the meeting be changed; an invitee's card takes their answer and keeps what
they typed."""
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from cards import discussion as discussion_cards
from protocol.vocabulary import AGENCIES, AGENCY_NAMES

from .reading import (assert_buttons_work_everywhere, assert_error_under, button, buttons, facts_of, inputs, lines, said, text_block,
                      titles)

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)  # Monday
DEADLINE = datetime(2026, 11, 23, 17, 0, tzinfo=LONDON)
QUORUM = ["social_care", "police", "health"]


def invitation(agency="police", rsvp="none", **more):
    fields = {"id": f"inv-{agency}", "agency": agency, "name": "DS A", "email": "a@x.org", "rsvp": rsvp, "delegate_name": "",
              "delegate_email": "", "apologies": "", "information_route": "", "record_check": "none", **more}
    return SimpleNamespace(**fields)


def discussion(*invitations, **more):
    fields = {"id": "d-1", "case_reference": "CR-1", "child_initials": "AB", "deadline": DEADLINE,
              "meeting_start": datetime(2026, 11, 23, 14, 0, tzinfo=LONDON), "meeting_end": datetime(2026, 11, 23, 15, 0, tzinfo=LONDON),
              "meeting_join_url": "https://teams.example/join", "invitations": list(invitations), "linked_discussion_id": None,
              "chair_user_id": "29:chair", "facts": {"concerns": []}, "status": "convened", "version": 3, **more}
    return SimpleNamespace(**fields)


# ---- the message in the channel ------------------------------------------------------------------------------------------

def test_the_channel_message_carries_only_the_reference_and_initials_and_opens_per_person():
    card = discussion_cards.base_card(discussion_id="d-1", case_reference="CR-1", initials="AB", status_line="Convened for 14:00",
                                      viewers=["29:chair", "29:inv"])
    assert card["version"] == "1.5"
    assert lines(card) == ["Strategy discussion CR-1 (AB)", "Convened for 14:00",
                           "Only the chair and the people invited can open the details."]
    assert card["body"][0]["weight"] == "Bolder"
    assert card["body"][2]["isSubtle"] is True and card["body"][2]["size"] == "Small"
    assert [(b["title"], b["verb"], b["data"]) for b in card["actions"]] == [
        ("Open", "discussion.open", {"verb": "discussion.open", "discussion_id": "d-1"})]
    assert card["refresh"] == {"action": {"type": "Action.Execute", "verb": "discussion.open", "data": {"discussion_id": "d-1"}},
                               "userIds": ["29:chair", "29:inv"]}
    assert inputs(card) == {}  # nothing typed, nothing detailed, in a channel
    assert_buttons_work_everywhere(card)


# ---- the quorum ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("police, state", [
    ([], "missing"), (["none"], "invited"), (["tentativelyAccepted"], "invited"), (["accepted"], "confirmed"),
    (["delegated"], "confirmed"), (["declined"], "declined"),
    (["declined", "declined"], "declined"), (["declined", "none"], "invited"), (["declined", "accepted"], "confirmed"),
    # Sharing information only is coming, but not to decide for the agency (a walk saw it confirm the quorum).
    (["share_only"], "information only"), (["declined", "share_only"], "information only"), (["share_only", "accepted"], "confirmed"),
])
def test_the_quorum_state_of_an_agency_follows_its_replies(police, state):
    invitations = [invitation("police", rsvp) for rsvp in police] + [invitation("health", "accepted")]
    assert discussion_cards.quorum_state(invitations, QUORUM) == {"social_care": "confirmed", "police": state, "health": "confirmed"}


def test_a_confirmed_paediatrician_stands_for_health_where_the_profile_counts_them_as_health():
    invitations = [invitation("police", "accepted"), invitation("health", "declined"), invitation("paediatrician", "accepted")]
    counts_as = {"paediatrician": "health"}
    assert discussion_cards.quorum_state(invitations, QUORUM, counts_as)["health"] == "confirmed"
    assert discussion_cards.quorum_state(invitations, QUORUM)["health"] == "declined"
    assert discussion_cards.quorum_state([invitation("police", "accepted"), invitation("paediatrician", "none")], QUORUM,
                                         counts_as)["health"] == "invited"
    # A walk: the health nurse declined and the paediatrician came to share information only: health is not confirmed.
    sharing = [invitation("police", "accepted"), invitation("health", "declined"), invitation("paediatrician", "share_only")]
    assert discussion_cards.quorum_state(sharing, QUORUM, counts_as)["health"] == "information only"


def test_social_care_is_there_because_the_chair_is():
    assert discussion_cards.quorum_state([invitation("social_care", "declined")], ["social_care"]) == {"social_care": "confirmed"}


# ---- the chair's card ----------------------------------------------------------------------------------------------------

def chair(d, *, provider_sends=True, next_contacts=None, problem=None, typed=None) -> dict:
    return discussion_cards.chair_card(d, now=NOW, quorum=QUORUM, provider_sends=provider_sends, next_contacts=next_contacts or {},
                                       problem=problem, typed=typed)


def test_the_chairs_card_tells_the_deadline_the_meeting_and_the_invitations():
    card = chair(discussion(invitation("police", "accepted"), invitation("health", "accepted")))
    assert lines(card)[:4] == ["Strategy discussion CR-1 (AB)", "Deadline: by 17:00 today", "**Meeting: 14:00 today** (60 min)",
                               "Teams invitations sent."]
    assert card["body"][3]["isSubtle"] is True
    quorum = text_block(card, "**Quorum")
    assert (quorum["text"], quorum["color"]) == ("**Quorum confirmed**", "Good")
    assert facts_of(card)["Children's social care"] == "✓ confirmed"
    assert "Invitees" in lines(card)
    assert_buttons_work_everywhere(card)
    assert [(b["title"], b.get("verb"), b.get("url")) for b in card["actions"]] == [
        ("Join the meeting", None, "https://teams.example/join"), ("Refresh", "discussion.open", None),
        ("Write the record", "record.open", None)]
    assert card["actions"][0]["type"] == "Action.OpenUrl"
    assert all(b["data"] == {"verb": b["verb"], "discussion_id": "d-1"} for b in card["actions"][1:])


def test_the_chair_sees_who_is_missing_declined_or_still_to_reply():
    card = chair(discussion(invitation("health", "declined")))
    quorum = text_block(card, "**Not quorate")
    assert (quorum["text"], quorum["color"]) == ("**Not quorate**: Police not invited", "Attention")
    waiting = chair(discussion(invitation("police"), invitation("health", "accepted")))
    assert text_block(waiting, "**Quorum")["text"] == "**Quorum not yet confirmed**"
    assert text_block(waiting, "**Quorum")["color"] == "Attention"
    assert facts_of(waiting)["Police"] == "DS A: no reply yet; records check not yet answered"  # the invitee row, after the marks
    marks = [b for b in card["body"] if b["type"] == "FactSet"][0]
    assert [f["value"] for f in marks["facts"]] == ["✓ confirmed", "✗ not invited", "✗ declined"]


def test_each_invitees_reply_and_records_check_is_told():
    invitations = [invitation("police", "delegated", delegate_name="DC B", record_check="shared"),
                   invitation("health", "declined", apologies="on leave", information_route="by email", record_check="nothing_known"),
                   invitation("lado", "accepted", name="", email="lado@x.org", record_check="researching"),
                   invitation("sarc", "declined", name="", email="s@x.org"),
                   invitation("education_dsl", "organizer", record_check="odd")]
    card = chair(discussion(*invitations))
    [_, rows] = [b for b in card["body"] if b["type"] == "FactSet"]
    assert [(f["title"], f["value"]) for f in rows["facts"]] == [
        ("Police", "DS A: sending a delegate: DC B; records checked and shared"),
        ("Health", "DS A: declined (on leave); information: by email; records checked: nothing known"),
        ("Local Authority Designated Officer", "lado@x.org: accepted; still researching records"),
        ("Sexual Assault Referral Centre", "s@x.org: declined; records check not yet answered"),
        ("Designated Safeguarding Lead (education setting)", "DS A: organiser; records check not yet answered")]


def test_a_reply_the_bot_has_no_words_for_is_shown_as_it_came_and_apologies_only_with_a_decline():
    card = chair(discussion(invitation("police", "maybe", apologies="x", information_route="y", delegate_name="Z")))
    [_, rows] = [b for b in card["body"] if b["type"] == "FactSet"]
    assert rows["facts"][0]["value"] == "DS A: maybe; records check not yet answered"
    no_record_check = SimpleNamespace(**{k: v for k, v in vars(invitation("police", "accepted")).items() if k != "record_check"})
    [_, rows] = [b for b in chair(discussion(no_record_check))["body"] if b["type"] == "FactSet"]
    assert rows["facts"][0]["value"] == "DS A: accepted; records check not yet answered"


def test_a_decline_names_the_next_contact_to_try():
    card = chair(discussion(invitation("police", "declined")), next_contacts={"police": "Next to try: DI B (01234 567890)."})
    warning = text_block(card, "⚠ Police declined")
    assert (warning["text"], warning["color"]) == ("⚠ Police declined. Next to try: DI B (01234 567890).", "Attention")


def test_a_meeting_after_the_deadline_is_flagged_and_one_before_is_not():
    late = discussion(meeting_start=DEADLINE - timedelta(minutes=30), meeting_end=DEADLINE + timedelta(minutes=30))
    warning = text_block(chair(late), "⚠ The meeting")
    assert warning["text"] == "⚠ The meeting is after the statutory deadline (the reason is in the audit trail)."
    assert warning["color"] == "Attention"
    assert "**Meeting: 16:30 today** (60 min)" in lines(chair(late))
    on_time = discussion(meeting_start=DEADLINE - timedelta(minutes=45), meeting_end=DEADLINE)
    assert "statutory deadline" not in said(chair(on_time))
    assert "**Meeting: 16:15 today** (45 min)" in lines(chair(on_time))
    no_deadline = chair(discussion(deadline=None, meeting_end=DEADLINE + timedelta(hours=1)))
    assert "statutory deadline" not in said(no_deadline) and not any(b.get("text", "").startswith("Deadline") for b in no_deadline["body"])  # no empty line for it either


def test_a_meeting_with_no_end_has_no_length_and_no_meeting_has_no_time():
    no_end = SimpleNamespace(**{k: v for k, v in vars(discussion()).items() if k != "meeting_end"})
    assert "**Meeting: 14:00 today**" in lines(chair(no_end))
    none = chair(discussion(meeting_start=None, meeting_join_url=None))
    assert not [line for line in lines(none) if line.startswith("**Meeting")]
    assert "Join the meeting" not in titles(none)
    assert not [b for b in none["body"] if b.get("style") == "warning"]  # no meeting yet: nothing to warn of


def test_local_mode_and_a_calendar_event_without_a_teams_meeting_are_told_plainly():
    local = chair(discussion(), provider_sends=False)
    [band] = [b for b in local["body"] if b.get("style") == "warning"]
    assert band["items"][0]["text"] == "Local mode: invitation written as an .ics file; **nothing was sent**."
    assert "Teams invitations sent." not in lines(local)
    no_teams = chair(discussion(meeting_join_url=None))
    [band] = [b for b in no_teams["body"] if b.get("style") == "warning"]
    assert band["items"][0]["text"] == (
        "Calendar invitations were sent, but **no Teams meeting was created**: the organiser mailbox cannot host Teams meetings "
        "(it needs a Teams licence). Add a join link or a room, or meet by phone.")
    assert "Teams invitations sent." not in lines(no_teams)


def test_the_chair_can_change_the_meeting_while_it_is_convened():
    card = chair(discussion())
    boxes = inputs(card)
    assert boxes["add_agency"]["label"] == "Invite someone else: agency"
    assert boxes["add_agency"]["choices"] == [{"title": AGENCY_NAMES.get(a, a.replace("_", " ")), "value": a} for a in AGENCIES]
    assert {k: boxes[k]["label"] for k in ("add_name", "add_email", "move_date", "move_time", "move_reason", "cancel_reason")} == {
        "add_name": "Name", "add_email": "Email", "move_date": "Move to: date", "move_time": "Move to: time",
        "move_reason": "If after the deadline: why it cannot be sooner",
        "cancel_reason": "Cancel: why (kept on the record; invitees are told only that it is cancelled)"}
    assert boxes["move_date"]["type"] == "Input.Date"
    assert all(box["value"] == "" for box in boxes.values())
    assert [(b["title"], b["verb"], b.get("style"), b["data"]) for b in buttons(card)[len(card["actions"]):]] == [
        ("Invite", "discussion.invite", None, {"verb": "discussion.invite", "discussion_id": "d-1", "version": 3}),
        ("Move the meeting", "discussion.move", None, {"verb": "discussion.move", "discussion_id": "d-1", "version": 3}),
        ("Cancel the meeting", "discussion.cancel", "destructive", {"verb": "discussion.cancel", "discussion_id": "d-1", "version": 3})]
    [panel] = [b for b in card["body"] if b["type"] == "Container" and b["items"][0].get("text") == "**Change the meeting**"]
    assert panel["separator"] is True and panel["items"][0]["size"] == "Small"


def test_a_refused_change_comes_back_with_everything_typed_and_its_errors_beside_it():
    typed = {"add_agency": "lado", "add_name": "Jo", "add_email": "jo@", "move_date": "2026-11-24", "move_time": "18:00",
             "move_reason": "police", "cancel_reason": "withdrawn"}
    problem = {"add_agency": "Choose.", "add_name": "Name?", "add_email": "Not an email.", "move_date": "Future.",
               "move_time": "A time?", "move_reason": "Why?", "cancel_reason": "Say why.", "_card": "Nothing was changed."}
    card = chair(discussion(), problem=problem, typed=typed)
    assert {k: v["value"] for k, v in inputs(card).items()} == typed
    for field, message in problem.items():
        if field != "_card":
            assert_error_under(card, field, message)
    assert text_block(card, "⚠ Nothing was changed.")["color"] == "Attention"
    # without a refusal too: the caller (bot/meetings.py) has left out what the change it made used
    assert {k: v["value"] for k, v in inputs(chair(discussion(), typed=typed)).items()} == typed


def test_after_the_record_the_chair_sees_the_actions_and_can_export():
    actions = [SimpleNamespace(number=2, description="Medical", owner_name="", owner_agency="health",
                               due_at=datetime(2026, 11, 24, 17, 0, tzinfo=LONDON), status="open",
                               agreed_due_at=datetime(2026, 11, 24, 17, 0, tzinfo=LONDON)),
               SimpleNamespace(number=1, description="Visit", owner_name="DS A", owner_agency="police",  # moved: 20 Nov agreed
                               due_at=datetime(2026, 11, 23, 17, 0, tzinfo=LONDON), status="will_complete_by",
                               agreed_due_at=datetime(2026, 11, 20, 17, 0, tzinfo=LONDON))]
    card = chair(discussion(status="recorded", actions=actions))
    assert inputs(card) == {}  # nothing more to change about the meeting
    assert [(b["title"], b.get("verb")) for b in card["actions"]] == [
        ("Join the meeting", None), ("Refresh", "discussion.open"), ("Export the record", "record.export"),
        ("Case clocks", "clock.open"),  # what only the chair can say is met (bot/clocks.py)
        ("Start a review discussion", "convene.review")]  # the one agreed, or one needed since, keeping to the case's clocks
    assert card["actions"][2]["data"] == {"verb": "record.export", "discussion_id": "d-1"}
    assert card["actions"][3]["data"] == {"verb": "clock.open", "discussion_id": "d-1"}
    assert card["actions"][4]["data"] == {"verb": "convene.review", "discussion_id": "d-1"}
    assert "Actions" in lines(card)
    [*_, listed] = [b for b in card["body"] if b["type"] == "FactSet"]
    assert [(f["title"], f["value"]) for f in listed["facts"]] == [
        ("A1", "Visit: DS A, due 17:00 today (agreed at the discussion: 17:00 Fri 20 Nov), not completed yet, will be by 23/11/2026"),
        ("A2", "Medical: Health, due 17:00 tomorrow (Tue 24 Nov), open")]
    none = chair(discussion(status="recorded"))
    [*_, listed] = [b for b in none["body"] if b["type"] == "FactSet"]
    assert listed["facts"] == [{"title": "Actions", "value": "none agreed"}]
    assert_buttons_work_everywhere(card)


def test_once_recorded_the_chairs_card_tells_who_came_as_the_record_says():
    """A walk: a quorate, recorded discussion's card still read "Quorum not yet confirmed", each invitee "awaiting reply"."""
    words_ = {"attended": "Attended", "apologies": "Apologies", "no_response": "No response"}
    police, health, dsl = (invitation("police", attendance="attended"), invitation("paediatrician", attendance="attended"),
                           invitation("education_dsl", attendance="apologies"))
    unrecorded = SimpleNamespace(**{k: v for k, v in vars(invitation("lado", attendance=None)).items() if k != "attendance"})
    late = SimpleNamespace(number=1, description="Visit", owner_name="DS A", owner_agency="police", status="open",
                           due_at=NOW - timedelta(days=1), agreed_due_at=None)  # (None: an action from before 0013)

    def drawn(*invitations, **more):
        held = discussion(*invitations, status="recorded", actions=[late], **more)
        card = discussion_cards.chair_card(held, now=NOW, quorum=QUORUM, provider_sends=True, next_contacts={},
                                           counts_as={"paediatrician": "health"}, attendance_words=words_)
        quorum_, *rest = [{f["title"]: f["value"] for f in b["facts"]} for b in card["body"] if b["type"] == "FactSet"]
        return card, {**{k: v for r in rest for k, v in r.items()}, **{f"quorum {k}": v for k, v in quorum_.items()}}, \
            {b["text"]: b.get("color") for b in card["body"] if b["type"] == "TextBlock"}

    card, facts_, said = drawn(police, health, dsl, unrecorded, record={"quorate": True})
    assert said["**Quorate**, as recorded"] == "Good" and "**Quorum not yet confirmed**" not in said
    # Social care is the chair, and there; a paediatrician stands for health; police came in person.
    assert (facts_["quorum Children's social care"], facts_["quorum Police"], facts_["quorum Health"]) == ("✓ attended",) * 3
    assert facts_["Police"] == "DS A: attended"
    assert facts_["Designated Safeguarding Lead (education setting)"] == "DS A: apologies"
    assert facts_["Local Authority Designated Officer"] == "DS A: not recorded"  # an invitation the record says nothing of
    assert facts_["A1"].endswith("open, OVERDUE")  # the actions, where they stand today
    _, facts_, said = drawn(police, dsl, record={"quorate": False})
    assert said["**Not quorate**, as recorded"] == "Attention" and facts_["quorum Health"] == "✗ not there"
    _, _, said = drawn(police, health, record={})  # a record from before quorate was kept: taken as quorate
    assert "**Quorate**, as recorded" in said
    # Not recorded yet, the replies still tell: the attendance words alone change nothing.
    convened = discussion(invitation("police", "accepted", attendance="attended"), status="convened")
    card = discussion_cards.chair_card(convened, now=NOW, quorum=QUORUM, provider_sends=True, next_contacts={}, attendance_words=words_)
    assert "**Not quorate**: Health not invited" in lines(card) and "as recorded" not in " ".join(lines(card))


def test_in_other_states_the_chair_can_only_refresh():
    card = chair(discussion(status="cancelled", meeting_join_url=None))
    assert [b["title"] for b in card["actions"]] == ["Refresh"] and inputs(card) == {}
    no_status = SimpleNamespace(**{k: v for k, v in vars(discussion(meeting_join_url=None)).items() if k != "status"})
    assert "Write the record" in titles(chair(no_status))  # an older row without a status is convened


def test_information_updates_after_the_discussion_are_shown_to_the_chair_in_the_agencies_words():
    record = {"updates": [{"from": "Police", "text": "no trace", "at": "2026-11-23T09:00:00+00:00"}]}
    card = chair(discussion(record=record))
    assert "Information updates" in lines(card)
    assert facts_of(card)["Police"] == "no trace (received 09:00 today)"
    assert "Information updates" not in lines(chair(discussion(record={})))
    assert "Information updates" not in lines(chair(discussion(record=None)))


def test_a_child_on_child_concern_offers_the_other_childs_discussion_until_it_is_started():
    card = chair(discussion(facts={"concerns": ["child_on_child"]}))
    bands = [b["items"][0]["text"] for b in card["body"] if b.get("style") == "warning"]
    assert bands == ["Child-on-child concern: the other child needs a separate discussion."]
    other = button(card, "Start the other child's discussion")
    assert other["verb"] == "convene.link" and other["data"] == {"verb": "convene.link", "discussion_id": "d-1"}
    assert card["actions"][-1] is other
    linked = chair(discussion(facts={"concerns": ["child_on_child"]}, linked_discussion_id="d-2"))
    assert "Start the other child's discussion" not in titles(linked)
    assert "Start the other child's discussion" not in titles(chair(discussion(facts=None)))


# ---- an invitee's card ---------------------------------------------------------------------------------------------------

def walk_blocks(card: dict) -> list[dict]:
    """Every element of a card's body, containers opened."""
    found, todo = [], list(card["body"])
    while todo:
        item = todo.pop(0)
        found.append(item)
        todo[:0] = item.get("items", [])
    return found


def rsvp(inv=None, d=None, **kw) -> dict:
    inv = inv or invitation("police")
    return discussion_cards.rsvp_card(d or discussion(inv), inv, now=NOW, **kw)


def test_an_invitation_with_nothing_left_to_answer_has_no_buttons_and_says_why():
    """A walk: a cancelled meeting's card, redrawn, still offered Accept."""
    inv = invitation("police")
    cancelled = rsvp(inv, discussion(inv, status="cancelled"))
    assert lines(cancelled) == ["Cancelled: Strategy discussion CR-1 (AB)", "this strategy discussion was cancelled, so there is nothing to answer."]
    for status in ("recording", "recorded"):
        held = rsvp(inv, discussion(inv, status=status))
        assert lines(held)[0] == "Already held: Strategy discussion CR-1 (AB)"
        assert "reply `update` and what it is in the discussion's thread" in lines(held)[1]
    for card in (cancelled, held):
        assert not card.get("actions") and inputs(card) == {} and card["refresh"]["action"]["verb"] == "discussion.open"
    assert titles(rsvp(inv, discussion(inv, status="convened")))[:3] == ["Join", "Accept", "Decline"]
    # Convened, its meeting over, the record not started: nothing to answer either (a hostile trial); until its last minute, answerable.
    ended = discussion(inv, meeting_end=NOW)
    assert lines(rsvp(inv, ended))[0] == "Meeting over: Strategy discussion CR-1 (AB)" and not rsvp(inv, ended).get("actions")
    assert "Accept" in titles(rsvp(inv, discussion(inv, meeting_end=NOW + timedelta(minutes=1))))
    assert rsvp(inv, cancelled_card := discussion(inv, status="cancelled"))["refresh"]["action"]["data"] == {"discussion_id": cancelled_card.id}


def test_an_invitation_says_whether_its_records_check_was_sent():
    """A walk: a check chosen on the card looked the same whether it had been sent or not."""
    inv = invitation("police")
    assert "Not sent to the chair yet: choose, then press Send records check (or answer: it goes with your answer)." in lines(rsvp(inv))
    [said] = [b for b in walk_blocks(rsvp(inv)) if b.get("text", "").startswith("Not sent to the chair yet")]
    assert said["size"] == "Small"  # beside the check's own small print, not a heading
    for check, words in (("shared", "records checked and shared"), ("nothing_known", "records checked: nothing known"),
                         ("researching", "still researching records")):
        inv.record_check = check
        said = lines(rsvp(inv))
        assert f"Sent to the chair: **{words}**." in said and not any(line.startswith("Not sent") for line in said)


def test_a_cards_meeting_time_is_the_instant_in_utc_and_compared_as_an_instant(monkeypatch):
    """A re-check, in summer: the card sent at convening carried 15:00+01:00, the database 14:00+00:00, compared as
    text: every answer was refused as if the meeting had moved."""
    import time as clock
    from zoneinfo import ZoneInfo

    monkeypatch.setenv("TZ", "Europe/London")  # a machine on the UK's clock: UTC must be said, not the machine's zone
    clock.tzset()
    try:
        summer = SimpleNamespace(meeting_start=datetime(2027, 6, 15, 15, 0, tzinfo=ZoneInfo("Europe/London")))
        assert discussion_cards.drawn_for(summer) == "2027-06-15T14:00:00+00:00"
    finally:
        monkeypatch.delenv("TZ")
        clock.tzset()
    assert discussion_cards.drawn_for(SimpleNamespace(meeting_start=None)) == ""
    same = discussion_cards.same_time
    assert same("2027-06-15T15:00:00+01:00", "2027-06-15T14:00:00+00:00")  # one instant, two offsets
    assert same("2027-06-15T14:00:00+00:00", "2027-06-15T14:00:00+00:00") and same("", "") and same(None, "")
    assert not same("2027-06-15T14:00:00+01:00", "2027-06-15T14:00:00+00:00")  # moved an hour
    assert not same("not a time", "2027-06-15T14:00:00+00:00") and not same("", "2027-06-15T14:00:00+00:00")
    assert not same("2027-06-15T14:00:00", "2027-06-15T14:00:00+00:00")  # no offset: not this meeting's time


def test_an_invitee_is_told_the_meeting_and_can_answer_four_ways():
    card = rsvp()
    assert card["version"] == "1.5"
    assert lines(card)[:4] == ["Strategy discussion CR-1 (AB)", "You are invited for **Police**.", "Meeting: **14:00 today**",
                               "Your reply: **no reply yet**"]
    # The answer, and the meeting's time, the card was drawn with (a press from before a move answers nothing).
    drawn_for = discussion(invitation("police")).meeting_start.isoformat()
    data = {"discussion_id": "d-1", "invitation_id": "inv-police", "seen": "none", "at": drawn_for}
    assert [(b["title"], b.get("verb"), b.get("style")) for b in card["actions"]] == [
        ("Join", None, None), ("Accept", "rsvp.accept", "positive"), ("Decline", "rsvp.decline", "destructive"),
        ("Send a delegate", "rsvp.delegate", None), ("Attend to share information only", "rsvp.share_only", None)]
    assert card["actions"][0] == {"type": "Action.OpenUrl", "title": "Join", "url": "https://teams.example/join"}
    assert all(b["data"] == {"verb": b["verb"], **data} for b in card["actions"][1:])
    records = button(card, "Send records check")
    assert records["verb"] == "rsvp.records" and records["data"] == {"verb": "rsvp.records", **data}
    assert card["refresh"] == {"action": {"type": "Action.Execute", "verb": "discussion.open", "data": {"discussion_id": "d-1"}}}
    assert_buttons_work_everywhere(card)


def test_an_invitee_before_the_time_is_set_and_without_a_join_link():
    card = rsvp(d=discussion(meeting_start=None, meeting_join_url=None))
    assert "Time to be confirmed" in lines(card)
    assert "Join" not in titles(card)


@pytest.mark.parametrize("reply, said_", [("accepted", "accepted"), ("tentativelyAccepted", "tentative"), ("declined", "declined"),
                                          ("delegated", "sending a delegate"),
                                          ("share_only", "attending to share information only"), ("notResponded", "no reply yet"),
                                          ("tentative", "tentative"), ("odd", "odd")])
def test_an_invitee_sees_their_reply(reply, said_):
    assert f"Your reply: **{said_}**" in lines(rsvp(invitation("police", reply)))


def test_an_invitee_is_asked_what_each_answer_needs_and_their_records_check():
    card = rsvp(invitation("police", apologies="on leave", information_route="by email", delegate_name="DC B",
                           delegate_email="b@x.org", record_check="nothing_known"))
    boxes = inputs(card)
    assert {k: (v["label"], v["value"]) for k, v in boxes.items()} == {
        "apologies": ("If declining: apologies", "on leave"),
        "information_route": ("If declining: how your agency's information will reach the chair", "by email"),
        "delegate_name": ("Delegate's name", "DC B"), "delegate_email": ("Delegate's email", "b@x.org"),
        "record_check": ("What your agency holds", "nothing_known")}
    assert boxes["record_check"]["choices"] == [{"title": "Checks done and shared with the chair", "value": "shared"},
                                                {"title": "Nothing known", "value": "nothing_known"},
                                                {"title": "Still researching", "value": "researching"}]
    assert text_block(card, "**Records check**")["text"] == (
        "**Records check**: research your agency's records on the case before the meeting.")
    assert text_block(card, "**Records check**")["size"] == "Small"
    assert inputs(rsvp())["record_check"]["value"] == ""  # not answered: nothing chosen
    sections = [b for b in card["body"] if b["type"] == "Container"]
    assert len(sections) == 2 and all(s["separator"] for s in sections)


def test_a_refused_answer_comes_back_with_what_was_typed_and_the_errors_beside_it():
    typed = {"apologies": "sorry", "information_route": "", "delegate_name": "DC B", "delegate_email": "b@", "record_check": "shared",
             "verb": "rsvp.delegate", "discussion_id": "d-1"}
    problem = {"apologies": "Say sorry.", "information_route": "How?", "delegate_name": "Name?", "delegate_email": "Email?",
               "record_check": "Choose.", "_card": "Nothing was sent."}
    card = rsvp(problem=problem, typed=typed)
    assert {k: v["value"] for k, v in inputs(card).items()} == {k: typed[k] for k in
                                                                ("apologies", "information_route", "delegate_name",
                                                                 "delegate_email", "record_check")}
    for field, message in problem.items():
        if field != "_card":
            assert_error_under(card, field, message)
    top = text_block(card, "⚠ Nothing was sent.")
    assert top["color"] == "Attention"
    assert not [line for line in lines(rsvp()) if line.startswith("⚠")]


def test_the_chair_sees_each_quorum_agencys_mark():
    card = chair(discussion(invitation("police"), invitation("health", "declined")))
    marks = [b for b in card["body"] if b["type"] == "FactSet"][0]
    assert [(f["title"], f["value"]) for f in marks["facts"]] == [
        ("Children's social care", "✓ confirmed"), ("Police", "… awaiting reply"), ("Health", "✗ declined")]
    none = chair(discussion())
    assert text_block(none, "**Not quorate")["text"] == "**Not quorate**: Police, Health not invited"
    sharing = chair(discussion(invitation("police", "accepted"), invitation("health", "share_only")))
    marks = [b for b in sharing["body"] if b["type"] == "FactSet"][0]
    assert ("Health", "⚠ sharing information only, not deciding for it") in [(f["title"], f["value"]) for f in marks["facts"]]


def test_the_chairs_card_keeps_everything_above_its_later_sections_which_have_sub_headings():
    actions = [SimpleNamespace(number=1, description="Visit", owner_name="DS A", owner_agency="police",
                               due_at=datetime(2026, 11, 23, 17, 0, tzinfo=LONDON), status="odd", agreed_due_at=None)]
    record = {"updates": [{"from": "Police", "text": "no trace", "at": "2026-11-23T09:00:00+00:00"}]}
    card = chair(discussion(status="recorded", actions=actions, record=record))
    assert lines(card)[0] == "Strategy discussion CR-1 (AB)"  # the later sections are added, not put in its place
    subheadings = {b["text"]: b for b in card["body"] if b.get("weight") == "Bolder" and b.get("size") == "Default"}
    assert set(subheadings) == {"Invitees", "Information updates", "Actions"}
    assert facts_of(card)["A1"] == "Visit: DS A, due 17:00 today, odd"  # a state without words is shown as it is


def test_an_invitation_from_before_records_checks_existed_shows_nothing_chosen():
    old = SimpleNamespace(**{k: v for k, v in vars(invitation("police")).items() if k != "record_check"})
    assert inputs(rsvp(old))["record_check"]["value"] == ""


# Mutants that change nothing a client could show (bench/mutation.py counts them; see its EQUIVALENT):
# equivalent: cards.discussion.x__change_meeting__mutmut_41 `"add_agency", None),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.discussion.x__change_meeting__mutmut_43 `"add_agency", ),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.discussion.x__change_meeting__mutmut_64 `t("add_name", None), problem=pro` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.discussion.x__change_meeting__mutmut_66 `t("add_name", ), problem=pro` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.discussion.x__change_meeting__mutmut_87 `("add_email", None), problem=pro` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.discussion.x__change_meeting__mutmut_89 `("add_email", ), problem=pro` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.discussion.x__change_meeting__mutmut_128 `("move_date", None), problem=pro` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.discussion.x__change_meeting__mutmut_130 `("move_date", ), problem=pro` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.discussion.x__change_meeting__mutmut_151 `("move_time", None), problem=pro` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.discussion.x__change_meeting__mutmut_153 `("move_time", ), problem=pro` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.discussion.x__change_meeting__mutmut_174 `move_reason", None),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.discussion.x__change_meeting__mutmut_176 `move_reason", ),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.discussion.x__change_meeting__mutmut_215 `ncel_reason", None),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.discussion.x__change_meeting__mutmut_217 `ncel_reason", ),` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.discussion.x_rsvp_card__mutmut_31 `ecord_check", None)` -- a missing key's default None (or no default) reaches an input builder, which shows `value or ""`: the same empty box
# equivalent: cards.discussion.x_chair_card__mutmut_111 `al_seconds() / 60)} min)" if` -- int(seconds / 60) and int(seconds // 60) are the same whole minutes for a meeting that ends after it starts
# equivalent: cards.discussion.x_chair_card__mutmut_276 `ecord_check', None), 'records ch` -- an invitation without record_check: any default other than a CHECK_WORDS key gives the fallback, the same words as "none"
# equivalent: cards.discussion.x_chair_card__mutmut_282 `cord_check', 'XXnoneXX'), 'records c` -- an invitation without record_check: any default other than a CHECK_WORDS key gives the fallback, the same words as "none"
# equivalent: cards.discussion.x_chair_card__mutmut_283 `cord_check', 'NONE'), 'records c` -- an invitation without record_check: any default other than a CHECK_WORDS key gives the fallback, the same words as "none"
# equivalent: cards.discussion.x_chair_card__mutmut_304 `et("updates", None)` -- a record without updates: None, like [], is falsy and shows no updates section
# equivalent: cards.discussion.x_chair_card__mutmut_306 `et("updates", )` -- a record without updates: None, like [], is falsy and shows no updates section
# equivalent: cards.discussion.x_chair_card__mutmut_76 `getattr(discussion, "record", )` -- only a recorded discussion reads it, and a Discussion always has its record column: the default is never used
# equivalent: cards.discussion.x_chair_card__mutmut_242 `or 'XXXX', 'not recorded')` -- an attendance the words do not name, '' or 'XXXX', gives the same fallback, 'not recorded'
# equivalent: cards.discussion.x_chair_card__mutmut_244 `'NOT RECORDED').lower()` -- lowered either way: the same words
# equivalent: cards.discussion.x_drawn_for__mutmut_4 `start else "XXXX"` -- with no meeting time the card's value and the discussion's are the one constant, compared with itself: no press is taken as from before a move


def test_when_the_directory_has_nobody_else_the_chair_is_told_so_in_a_sentence_that_reads():
    # A Playground walk read "⚠ Police declined: try nobody else from Police is in the contacts directory...".
    from bot.meetings import next_contact

    services = SimpleNamespace(calendar=SimpleNamespace(in_working_hours=lambda at: True),
                               directory=SimpleNamespace(next_to_try=lambda agency, in_hours, tried: None,
                                                         by_aad_object_id=lambda aad: []),
                               profile=SimpleNamespace(quorum=SimpleNamespace(counts_as={})))
    said = next_contact(services, discussion(invitation("police", "declined"), meeting_start=None, chair_aad_id="aad-chair"), "police")
    card = chair(discussion(invitation("police", "declined")), next_contacts={"police": said})
    assert text_block(card, "⚠ Police declined")["text"] == (
        "⚠ Police declined. Nobody else from Police is in the contacts directory: ask their duty desk, and add them to it.")


def test_a_date_promised_is_the_partnerships_date_not_the_servers():
    # 23:30 UTC on 4 June is 00:30 on the 5th in London (BST): the chair reads the 5th (the server here runs in UTC).
    late = SimpleNamespace(number=1, description="Visit", owner_name="DS A", owner_agency="police",
                           due_at=datetime(2026, 6, 4, 23, 30, tzinfo=timezone.utc), status="will_complete_by", agreed_due_at=None)
    card = discussion_cards.chair_card(discussion(status="recorded", actions=[late]), now=datetime(2026, 6, 1, 10, 0, tzinfo=LONDON),
                                       quorum=QUORUM, provider_sends=True, next_contacts={})
    [*_, listed] = [b for b in card["body"] if b["type"] == "FactSet"]
    assert listed["facts"][0]["value"].endswith("not completed yet, will be by 05/06/2026")


def test_an_invitation_never_answered_is_drawn_with_no_answer_as_the_one_seen():
    # The press is checked against the answer the card was drawn with (bot/rsvp.py): none, for a new invitation.
    card = rsvp(invitation("police", None))
    assert {b["data"]["seen"] for b in card["actions"][1:]} == {""}


def test_a_meeting_set_or_moved_to_a_day_the_offices_are_closed_says_so_on_the_chairs_card():
    """A walk: a meeting moved to Boxing Day showed only "09:00 Sat 26 Dec"."""
    card = discussion_cards.chair_card(discussion(invitation("police", "accepted")), now=NOW, quorum=QUORUM, provider_sends=True,
                                       next_contacts={}, meeting_closed="a bank holiday (Boxing Day)")
    assert [line for line in lines(card) if line.startswith("**Meeting")][0].endswith("(⚠ a bank holiday (Boxing Day), not a working day)")
    assert not [line for line in lines(chair(discussion(invitation("police", "accepted")))) if "not a working day" in line]


def test_the_chairs_card_counts_a_confirmed_paediatrician_as_the_health_in_the_quorum_where_the_profile_does():
    invitations = (invitation("police", "accepted"), invitation("paediatrician", "accepted"))
    card = discussion_cards.chair_card(discussion(*invitations), now=NOW, quorum=QUORUM, provider_sends=True, next_contacts={},
                                       counts_as={"paediatrician": "health"})
    assert facts_of(card)["Health"] == "✓ confirmed"
    assert facts_of(chair(discussion(*invitations)))["Health"] != "✓ confirmed"
