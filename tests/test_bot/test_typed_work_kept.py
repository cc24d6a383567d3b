"""Nothing typed is lost (issue 12, items 1-4): every press first keeps everything on its card, then
validates, and the card comes back drawn from the draft with its errors. Through the real HTTP
surface, as a tired chair would press: Back, Add, a refused Next, a refused Add."""
import pytest

from tests.conftest import make_settings, start_bot, stop_bot
from tests.test_cards.reading import assert_error_under

from .chair import Chair, body_actions, inputs_of, invitee_rows, texts_of
from .test_convene import CHILD
from .test_durable_effects import walk_to, recording
from .test_record import FRIDAY_NOON


@pytest.fixture
async def bot(tmp_path, clock):
    clock.set(FRIDAY_NOON)  # Friday 12:00 BST
    running = await start_bot(make_settings(tmp_path), clock)
    yield running
    await stop_bot(running)


def values(card: dict) -> dict:
    return inputs_of(card)


async def at_invitees(bot) -> tuple[Chair, dict]:
    """A chair at the invitees card (step 3), the referrer a GP."""
    chair = Chair(bot)
    await chair.strategy()
    await chair.press("convene.next", CHILD)
    card = await chair.press("convene.next", {"concerns": "physical_abuse", "received_time": "10:00", "referrer_agency": "GP"})
    return chair, card


def row_of(card: dict, label: str) -> int:
    """The number of the invitee card's row for an agency, e.g. "Police" (its inputs end _N)."""
    return next(i for i, c in enumerate(invitee_rows(card)) if f"**{label}**" in texts_of({"body": [c]}))


async def test_back_from_the_concern_keeps_what_was_typed_on_it_and_on_the_child(bot):
    chair = Chair(bot)
    await chair.strategy()
    await chair.press("convene.next", {**CHILD, "other_children": "CD 2017-04-02"})
    typed = {"referrer_agency": "school nurse", "received_time": "09:05", "concerns": "physical_abuse"}
    card = await chair.press("convene.back", typed)
    assert "1 of 5 · The child" in texts_of(card)
    assert values(card)["case_reference"] == CHILD["case_reference"] and values(card)["other_children"] == "CD 2017-04-02"
    card = await chair.press("convene.next")  # the child card as it came back, unchanged
    assert "2 of 5 · The concern" in texts_of(card)
    assert {k: values(card)[k] for k in typed} == typed


async def test_add_person_keeps_the_ticks_and_a_refused_add_keeps_the_person(bot):
    chair, card = await at_invitees(bot)
    police, referrer = row_of(card, "Police"), row_of(card, "Referrer")
    edits = {f"invite_{police}": "false", f"reason_{police}": "DS on leave; PPU briefed by phone", f"invite_{referrer}": "true"}  # both differ from how they started
    card = await chair.press("convene.add_person", {**edits, "add_agency": "specialist", "add_name": "Dr Expert",
                                                    "add_email": "expert@nhs.example.org"})
    assert "Enter the person's" not in texts_of(card) and "Dr Expert" in texts_of(card)
    assert "⚠ Without Police this will **not be a quorate strategy discussion**." in texts_of(card)  # the untick counted
    kept = values(card)
    assert kept[f"invite_{police}"] == "false" and kept[f"invite_{referrer}"] == "true"
    assert kept[f"reason_{police}"] == "DS on leave; PPU briefed by phone"
    assert (kept["add_agency"], kept["add_name"], kept["add_email"]) == ("", "", "")  # added: ready for the next person

    card = await chair.press("convene.add_person", {"add_agency": "other", "add_name": "Kim Lee", "add_email": "kim.lee@council"})
    assert "That is not an email address: check it (e.g. name@agency.gov.uk)." in texts_of(card)
    kept = values(card)
    assert (kept["add_agency"], kept["add_name"], kept["add_email"]) == ("other", "Kim Lee", "kim.lee@council")
    assert kept[f"invite_{police}"] == "false" and kept[f"reason_{police}"] == "DS on leave; PPU briefed by phone"


async def test_another_time_after_the_deadline_without_a_reason_keeps_the_choice_and_books_it(bot):
    chair = Chair(bot)
    await chair.strategy()
    await chair.press("convene.next", CHILD)
    await chair.press("convene.next", {"concerns": "physical_abuse", "received_time": "10:00"})
    card = await chair.press("convene.next")
    assert "4 of 5 · When" in texts_of(card)
    late = {"slot": "other", "other_date": "2027-06-09", "other_time": "11:15"}  # well after the deadline
    card = await chair.press("convene.next", late)
    assert "That is after the statutory deadline: record why it cannot be sooner." in texts_of(card)
    assert {k: values(card)[k] for k in late} == late
    card = await chair.press("convene.next", {"late_reason": "The family's solicitor is only free then"})
    assert "5 of 5 · Confirm" in texts_of(card)
    assert "Meeting: 11:15 Wed 9 Jun" in texts_of(card), texts_of(card)


async def test_a_start_time_that_is_not_a_time_is_named_beside_it_on_the_when_step_and_the_chairs_card(bot):
    """From a Playground walk: '25:00' and '9am' were answered 'Choose a proposed time, or enter a
    date and time of your own', under another box, though both had been entered."""
    chair = Chair(bot)
    await chair.strategy()
    await chair.press("convene.next", CHILD)
    await chair.press("convene.next", {"concerns": "physical_abuse", "received_time": "10:00"})
    await chair.press("convene.next")
    typed = {"slot": "other", "other_date": "2027-05-28", "other_time": "25:00"}
    card = await chair.press("convene.next", typed)
    assert_error_under(card, "other_time", "Enter the start as HH:MM on the 24-hour clock, e.g. 14:30.")
    assert {k: values(card)[k] for k in typed} == typed
    card = await chair.press("convene.next", {"other_time": "15:00"})
    assert "5 of 5 · Confirm" in texts_of(card)
    await chair.press("convene.confirm")
    await bot.services.drain()
    await chair.press("discussion.open", keep_inputs=False)
    move = {"move_date": "2027-05-28", "move_time": "9am"}
    card = await chair.press("discussion.move", move, keep_inputs=False)
    assert_error_under(card, "move_time", "Enter the start as HH:MM on the 24-hour clock, e.g. 14:30.")
    assert {k: values(card)[k] for k in move} == move


async def test_back_on_the_record_keeps_the_threshold_and_a_refused_next_keeps_the_decision(bot):
    chair = await recording(bot)
    await walk_to(chair, "4 of 10")
    threshold = {"concerns": "Bruising to the face", "duration": "Two weeks", "frequency": "Twice", "severity": "Significant",
                 "intent": "Unclear", "impact": "Pain and fear"}
    card = await chair.press("record.back", threshold)
    assert "3 of 10" in texts_of(card)
    card = await chair.press("record.next")
    assert "4 of 10" in texts_of(card)
    assert {k: values(card)[k] for k in threshold} == threshold

    await walk_to(chair, "6 of 10")
    decision = {"decision_child": "AB", "decision_kind": "s47_joint", "decision_reasoning": "Unexplained injury; joint with police"}
    card = await chair.press("record.next", decision)  # filled in, not added
    assert "⚠ You have typed a decision that is not added yet: press Add decision, or clear it, first." in texts_of(card)
    assert {k: values(card)[k] for k in decision} == decision
    card = await chair.press("record.add_decision")  # the same card, as it came back
    assert "Unexplained injury; joint with police" in texts_of(card)
    assert values(card)["decision_reasoning"] == ""  # added: ready for the next decision


async def test_a_refused_add_action_keeps_all_five_fields(bot):
    chair = await recording(bot)
    await walk_to(chair, "8 of 10")
    action = {"action_child": "AB", "action_what": "Police checks on the household", "action_agency": "police",
              "action_owner": "DS Pat, CAIT", "action_email": "cait.ds@hackney.example.org", "action_due": "01/01/2027"}
    card = await chair.press("record.add_action", action)
    assert "That date has passed." in texts_of(card)
    assert {k: values(card)[k] for k in action} == action
    card = await chair.press("record.add_action", {"action_due": "3 working days"})
    assert "A1 (AB)" in texts_of(card) and "⚠" not in texts_of(card)


async def test_every_wizard_card_survives_back_and_next_unchanged(bot):
    """Round trip: on each card after the first, Back then Next brings the card back with every value
    it had. (The child card has no Back; its values are checked coming back from the concern.)"""
    chair = Chair(bot)
    await chair.strategy()
    card = await chair.press("convene.next", CHILD)
    for answers in ({"concerns": "physical_abuse", "received_time": "10:00", "referrer_agency": "school"}, {}, {}):
        card = await chair.press("convene.next", answers)
        assert "⚠" not in texts_of(card), texts_of(card)
        before = values(card)
        await chair.press("convene.back", keep_inputs=True)
        back = await chair.press("convene.next")
        assert values(back) == before, texts_of(back)


async def test_every_record_card_survives_back_and_next_unchanged(bot):
    """Round trip on the record: on each card from the second on, whatever was typed, Back then Next
    brings it back with every value it had."""
    chair = await recording(bot)
    typed = {"2 of 10": {"household": "Mother\nMother's partner", "other_children": "None"},
             "3 of 10": {"reason": "Injury seen at school", "purpose": "Decide on s47"},
             "4 of 10": {"concerns": "Bruising", "duration": "A week", "frequency": "Once", "severity": "Significant",
                         "intent": "Unclear", "impact": "Pain"},
             "5 of 10": {"background": "Known", "risk": "Injury", "protective": "Gran", "whereabouts": "School"},
             "6 of 10": {"decision_child": "AB", "decision_kind": "s47_joint", "decision_reasoning": "Typed, not yet added"},
             "7 of 10": {"seen_alone": "Tomorrow", "shared_with_family": "The decision", "legal_action": "None", "cp_medical": "true"},
             "8 of 10": {"action_what": "Typed, not yet added", "action_owner": "DS Pat", "action_due": "3 working days"},
             "9 of 10": {"distribution": "Everyone invited\nChild's GP"},
             "10 of 10": {"next_date": "2027-06-10", "next_time": "10:30", "next_venue": "MASH room 2"}}
    for step, answers in typed.items():
        await walk_to(chair, step)
        await chair.press("record.back", answers)
        back = await chair.press("record.next")
        if step == "6 of 10":  # Next from 5 lands on 6 again; its typed decision is still there
            assert {k: inputs_of(back)[k] for k in answers} == answers
            await chair.press("record.add_decision")
            continue
        if step == "8 of 10":
            assert {k: inputs_of(back)[k] for k in answers} == answers
            await chair.press("record.add_action", {"action_agency": "police", "action_child": "AB"})
            continue
        assert step in texts_of(back), texts_of(back)
        assert {k: inputs_of(back)[k] for k in answers} == answers, step


async def test_back_to_the_concern_and_next_again_keeps_the_invitee_list_as_the_chair_left_it(bot):
    chair = Chair(bot)
    await chair.strategy()
    await chair.press("convene.next", CHILD)
    card = await chair.press("convene.next", {"concerns": "physical_abuse", "received_time": "10:00"})
    police = row_of(card, "Police")
    await chair.press("convene.add_person", {"add_agency": "specialist", "add_name": "Dr Expert",
                                             "add_email": "expert@nhs.example.org"})
    edits = {f"invite_{police}": "false", f"reason_{police}": "DS on leave; PPU briefed by phone", "add_name": "Half typed"}
    await chair.press("convene.back", edits)
    card = await chair.press("convene.next", {"concerns": "physical_abuse", "received_time": "10:00"})  # the same concern
    assert "3 of 5" in texts_of(card) and "Dr Expert" in texts_of(card)
    assert {k: values(card)[k] for k in edits} == edits


async def test_edit_an_action_while_another_is_half_typed_asks_first_and_loses_neither(bot):
    chair = await recording(bot)
    await walk_to(chair, "8 of 10")
    await chair.press("record.add_action", {"action_child": "AB", "action_what": "Police checks", "action_agency": "police",
                                            "action_owner": "DS Pat", "action_email": "", "action_due": "3 working days"})
    card = await chair.press("record.edit_action", {"action_what": "Health visitor to visit", "number": 1})
    assert "You have typed an action that is not added yet: press Add action, or clear it, first." in texts_of(card)
    assert "Police checks" in texts_of(card) and values(card)["action_what"] == "Health visitor to visit"
    card = await chair.press("record.edit_action", {"action_what": "", "number": 1})  # cleared: now the edit goes ahead
    assert values(card)["action_what"] == "Police checks" and "Actions: none yet" in texts_of(card)


async def test_an_action_taken_out_to_edit_and_cleared_as_the_card_asks_is_kept_not_dropped(bot):
    """A walk: Edit on A5, Next ("press Add action, or clear it, first"), the form cleared as asked, Next: A5
    was gone, without a word. Only Remove removes an agreed action."""
    chair = await recording(bot)
    await walk_to(chair, "8 of 10")
    for what in ("Police checks", "Health records"):
        await chair.press("record.add_action", {"action_child": "AB", "action_what": what, "action_agency": "police",
                                                "action_owner": "DS Pat", "action_email": "", "action_due": "3 working days"})
    await chair.press("record.edit_action", {"number": 1})
    cleared = {k: "" for k in ("action_what", "action_owner", "action_email", "action_due")}
    card = await chair.press("record.next", cleared)
    assert "9 of 10" in texts_of(card)
    card = await chair.press("record.back")
    assert "**A1 (AB)**: Police checks" in texts_of(card) and "**A2 (AB)**: Health records" in texts_of(card), texts_of(card)
    await chair.press("record.edit_action", {"number": 2})
    card = await chair.press("record.back", cleared)  # Back, the same
    card = await chair.press("record.next")
    assert "**A2 (AB)**: Health records" in texts_of(card), texts_of(card)


async def test_next_with_an_action_or_a_decision_in_the_form_but_not_added_asks_first(bot):
    """An action taken out to edit and not added again must not be left out of the record silently."""
    chair = await recording(bot)
    await walk_to(chair, "8 of 10")
    await chair.press("record.add_action", {"action_child": "AB", "action_what": "Police checks", "action_agency": "police",
                                            "action_owner": "DS Pat", "action_email": "", "action_due": "3 working days"})
    await chair.press("record.edit_action", {"number": 1})
    card = await chair.press("record.next")
    # The button it names is the card's own while A1 is being edited (a walk was told to press Add action).
    assert "8 of 10" in texts_of(card) and "A1 is in the form, not saved: press Save A1, or clear the form to keep it as it was." \
        in texts_of(card)
    assert values(card)["action_what"] == "Police checks"
    await chair.press("record.add_action")
    card = await chair.press("record.back")
    card = await chair.press("record.back")
    assert "6 of 10" in texts_of(card)
    card = await chair.press("record.next", {"decision_kind": "s47_single", "decision_reasoning": "And a second thought"})
    assert "6 of 10" in texts_of(card) and "press Add decision, or clear it, first." in texts_of(card)


async def test_a_box_emptied_by_the_chair_stays_empty_after_a_refusal_and_after_back(bot):
    """From a Playground walk: a client leaves an empty box out of what a press sends (the Chair
    helper does the same). Emptying a box must not let the old text, or the saved value, come back."""
    chair = Chair(bot)
    await chair.strategy()
    card = await chair.press("convene.next", {**CHILD, "dob": "", "unborn": "true"})
    assert "⚠ An unborn child has no education setting" in texts_of(card)
    card = await chair.press("convene.next", {"education_setting": ""})  # the school cleared, as the refusal asked
    assert "2 of 5" in texts_of(card)
    card = await chair.press("convene.back")
    assert values(card)["education_setting"] == "" and values(card)["unborn"] == "true"
    card = await chair.press("convene.next")  # the child card as it came back: not refused again
    assert "2 of 5" in texts_of(card), texts_of(card)

    # A saved answer emptied on a refused Next stays empty; the refusal names the box.
    card = await chair.press("convene.back")
    card = await chair.press("convene.next", {"case_reference": ""})
    assert "1 of 5" in texts_of(card) and values(card)["case_reference"] == ""
    assert values(card)["initials"] == CHILD["initials"]  # the boxes not emptied keep their text


async def test_a_record_box_emptied_after_back_stays_empty(bot):
    chair = await recording(bot)
    await walk_to(chair, "4 of 10")
    threshold = {"concerns": "Bruising", "duration": "A week", "frequency": "Once", "severity": "Significant",
                 "intent": "Unclear", "impact": "Pain"}
    await chair.press("record.back", threshold)
    card = await chair.press("record.next")
    assert values(card)["duration"] == "A week"
    await chair.press("record.back", {"duration": ""})  # typed in error, emptied, then Back
    card = await chair.press("record.next")
    assert values(card)["duration"] == "" and values(card)["concerns"] == "Bruising"


async def test_an_emptied_referrer_email_is_not_used_the_card_asks_for_one_or_an_untick(bot):
    """From a Playground walk: the emptied address came back, was invited and went on the record's list."""
    chair, card = await at_invitees(bot)
    referrer = row_of(card, "Referrer")
    card = await chair.press("convene.next", {f"invite_{referrer}": "true", f"email_{referrer}": "surgery@gp.example.org",
                                              f"name_{referrer}": "Dr Patel"})
    assert "4 of 5" in texts_of(card)
    card = await chair.press("convene.back")
    assert values(card)[f"email_{referrer}"] == "surgery@gp.example.org"
    card = await chair.press("convene.next", {f"email_{referrer}": ""})  # emptied, Invite left ticked
    assert "3 of 5" in texts_of(card) and "Enter the referrer's email address to invite them, or untick." in texts_of(card)
    assert values(card)[f"email_{referrer}"] == ""
    card = await chair.press("convene.next", {f"invite_{referrer}": "false"})
    assert "4 of 5" in texts_of(card)
    async with bot.services.uow() as uow:
        draft = (await uow.discussions.get(chair.discussion_id, load=())).draft
    assert all(row["email"] != "surgery@gp.example.org" or not row["invite"] for row in draft["invitees"])


async def test_finalise_refuses_a_next_discussion_time_and_venue_without_a_date_instead_of_dropping_them(bot):
    """From a Playground walk: the record was finalised with "next": null and the typed time and venue lost."""
    chair = await recording(bot)
    await walk_to(chair, "10 of 10")
    card = await chair.press("record.finalise", {"next_time": "10:00", "next_venue": "MASH room 4"})
    assert "10 of 10" in texts_of(card)
    assert_error_under(card, "next_date", "Give the date of the next discussion, or clear its time and venue.")
    assert (values(card)["next_time"], values(card)["next_venue"]) == ("10:00", "MASH room 4")
    card = await chair.press("record.finalise", {"next_date": "2027-06-10", "next_time": "25:00"})
    assert_error_under(card, "next_time", "Enter the time as HH:MM on the 24-hour clock, e.g. 14:30.")
    card = await chair.press("record.finalise", {"next_time": "10:30"})
    assert "Record finalised" in texts_of(card)
    async with bot.services.uow() as uow:
        record = (await uow.discussions.get(chair.discussion_id, load=())).record
    assert record["next"] == {"next": "2027-06-10T10:30:00+01:00", "venue": "MASH room 4"}


async def test_removing_someone_clears_warnings_that_may_no_longer_hold_and_keeps_what_was_typed(bot):
    """From a Playground walk: "Say why..." stayed under a reason already typed, after a Remove (and the
    rows' numbers, which the warnings are keyed by, move when someone is removed)."""
    chair, card = await at_invitees(bot)
    police = row_of(card, "Police")
    card = await chair.press("convene.add_person", {"add_agency": "specialist", "add_name": "Kim Lee", "add_email": "kim.lee@nhs.example.org"})
    card = await chair.press("convene.next", {f"invite_{police}": "false"})
    assert "⚠ Say why this required agency is not invited." in texts_of(card)
    remove = next(a for a in body_actions(card) if a.get("verb") == "convene.remove_person")
    card = await chair.press("convene.remove_person", {"index": remove["data"]["index"], f"reason_{police}": "DS on leave"})
    assert "Kim Lee" not in texts_of(card) and "Say why" not in texts_of(card)
    assert values(card)[f"reason_{police}"] == "DS on leave"


async def test_on_the_discussion_card_an_invite_keeps_a_move_typed_but_not_yet_pressed(bot):
    """From a Playground walk: a successful Invite emptied the "Move to: time" typed for the next change."""
    from .test_cards_tell_the_truth import convened_here

    chair = await convened_here(bot)
    chair.card = None
    pressed = {"add_agency": "specialist", "add_name": "Dr Expert", "add_email": "expert@nhs.example.org", "move_time": "15:30"}
    card = await chair.press("discussion.invite", pressed, keep_inputs=False)
    assert "Dr Expert" in texts_of(card) and "⚠" not in texts_of(card)
    # A double-click's second press (the card it came from is older): the time typed for the move is kept too.
    again = await chair.answer(await bot.post(chair.invoke("discussion.invite", {**pressed, "version": -1}, keep_inputs=False)))
    assert values(again)["move_time"] == "15:30" and "already invited" not in texts_of(again)
    assert values(card)["move_time"] == "15:30"  # typed for the next change: still there
    assert (values(card)["add_name"], values(card)["add_email"]) == ("", "")  # the invite's own boxes: done with


async def test_typing_on_an_older_copy_of_a_record_card_is_kept_under_its_own_part_and_said(bot):
    """A walk: on card 9 (Distribution) Next, then on the older copy of card 9 typed a line and pressed Back:
    the current card came back, 10 of 10, with no word, and the line was gone."""
    chair = await recording(bot)
    nine = await walk_to(chair, "9 of 10")
    await chair.press("record.next")
    assert "10 of 10" in texts_of(chair.card)
    chair.card = nine  # the older copy, still in the chat
    card = await chair.press("record.back", {"distribution": "GP\nTYPED ON THE OLD CARD"})
    assert "10 of 10" in texts_of(card) and "⚠ That card (9 of 10) was out of date: this is where the record is now." in texts_of(card)
    card = await chair.press("record.back")
    assert "9 of 10" in texts_of(card) and inputs_of(card)["distribution"] == "GP\nTYPED ON THE OLD CARD"
    # A double-click's second press, carrying what its first did, is no news: the card as it stands, no warning.
    card = await chair.press("record.next")
    assert "10 of 10" in texts_of(card)
    chair.card = nine
    again = await chair.press("record.next", {"distribution": "GP\nTYPED ON THE OLD CARD"})
    assert "10 of 10" in texts_of(again) and "out of date" not in texts_of(again)


async def test_typing_on_an_older_copy_of_a_wizard_card_is_kept_under_its_own_step_and_said(bot):
    """A walk: on the first card (the child) of a draft already at the second, the school was changed and Next
    pressed: the second card came back with no word, and Back showed the old school."""
    chair = Chair(bot)
    first = await chair.strategy()
    card = await chair.press("convene.next", {**CHILD, "education_setting": "Example Primary School"})
    assert "2 of 5 · The concern" in texts_of(card)
    chair.card = first  # the older copy, still in the chat
    card = await chair.press("convene.next", {**CHILD, "education_setting": "Example Secondary Academy"})
    assert "2 of 5 · The concern" in texts_of(card)
    assert "⚠ That card (1 of 5) was out of date: this is where the draft is now." in texts_of(card)
    card = await chair.press("convene.back")
    assert "1 of 5 · The child" in texts_of(card) and values(card)["education_setting"] == "Example Secondary Academy"
    # A double-click's second press, carrying what its first did, is no news: the card as it stands, no warning.
    card = await chair.press("convene.next")
    assert "2 of 5 · The concern" in texts_of(card)
    chair.card = first
    again = await chair.press("convene.next", {**CHILD, "education_setting": "Example Secondary Academy"})
    assert "2 of 5 · The concern" in texts_of(again) and "out of date" not in texts_of(again)


async def test_typing_on_an_older_copy_of_the_same_wizard_card_is_kept_and_said(bot):
    """A re-check: two copies of the first card (`strategy` typed again, on a client that does not refresh the older);
    a refused Next on the newer, then the school typed on the older and Next pressed: the card came back as the newer
    had left it, with no word, and the school was gone."""
    chair = Chair(bot)
    older = await chair.strategy()
    card = await chair.press("convene.next", {**CHILD, "initials": "A1"})  # refused: initials are letters
    assert "1 of 5 · The child" in texts_of(card) and values(card)["case_reference"] == CHILD["case_reference"]
    chair.card = older
    card = await chair.press("convene.next", {"initials": "AB", "education_setting": "Example Secondary Academy"})
    assert "1 of 5 · The child" in texts_of(card)  # nothing it asked was done: the newer copy's Next is what counts
    assert "⚠ That was an older copy of this card: nothing it asked was done. What you typed on it is kept here" in texts_of(card)
    typed = values(card)
    assert (typed["initials"], typed["education_setting"]) == ("AB", "Example Secondary Academy")
    assert typed["case_reference"] == CHILD["case_reference"]  # empty on the older copy: what the newer saved stays
    card = await chair.press("convene.next")
    assert "2 of 5 · The concern" in texts_of(card)


async def test_a_second_add_from_a_double_click_does_not_fill_the_boxes_again(bot):
    chair, before = await at_invitees(bot)
    person = {"add_agency": "specialist", "add_name": "Dr Expert", "add_email": "expert@nhs.example.org"}
    card = await chair.press("convene.add_person", person)
    assert "Dr Expert" in texts_of(card) and (values(card)["add_name"], values(card)["add_email"]) == ("", "")
    chair.card = before  # the second press of the double-click: from the same card, with the same boxes
    again = await chair.answer(await bot.post(chair.invoke("convene.add_person", person)))
    assert (values(again)["add_name"], values(again)["add_email"]) == ("", "") and "⚠" not in texts_of(again)
    assert texts_of(again).count("Dr Expert") == texts_of(card).count("Dr Expert")


async def test_an_add_on_an_older_copy_of_the_card_with_someone_else_keeps_them_and_says_so(bot):
    """A re-check: a person added from the newer copy of step 3, then another typed on the older copy and Add pressed
    there: the card came back without a word, and the second person was gone."""
    chair, older = await at_invitees(bot)
    first = {"add_agency": "specialist", "add_name": "Dr Expert", "add_email": "expert@nhs.example.org"}
    card = await chair.press("convene.add_person", first)
    assert "Dr Expert" in texts_of(card)
    chair.card = older
    second = {"add_agency": "specialist", "add_name": "Pat Lee", "add_email": "pat.lee@nhs.example.org"}
    card = await chair.press("convene.add_person", second)
    assert "⚠ That was an older copy of this card: nothing it asked was done." in texts_of(card), texts_of(card)
    assert (values(card)["add_name"], values(card)["add_email"]) == ("Pat Lee", "pat.lee@nhs.example.org")
    card = await chair.press("convene.add_person")
    assert "Pat Lee" in texts_of(card) and "Dr Expert" in texts_of(card) and "⚠" not in texts_of(card)


async def test_an_add_action_on_an_older_copy_of_the_action_card_keeps_the_action_and_says_so(bot):
    """A re-check: A6 added from the newer copy of card 8, then another action typed on the older copy and Add
    pressed there: the card came back with empty boxes, and the action was gone."""
    from .test_durable_effects import add_action

    chair = await recording(bot)
    older = await walk_to(chair, "8 of 10")
    card = await add_action(chair, "Police checks")
    assert "A1: Police checks" in texts_of(card) or "Police checks" in texts_of(card)
    chair.card = older
    card = await add_action(chair, "Speak to the GP TYPED ON THE OLD COPY", agency="health", owner="Nurse Harper",
                            email="mash.health@hackney.example.org")
    assert "⚠ That was an older copy of this card" in texts_of(card)
    assert inputs_of(card)["action_what"] == "Speak to the GP TYPED ON THE OLD COPY" and inputs_of(card)["action_agency"] == "health"
    card = await chair.press("record.add_action")
    assert "Speak to the GP TYPED ON THE OLD COPY" in texts_of(card) and "Police checks" in texts_of(card)


async def test_an_action_typed_on_an_older_copy_is_kept_whole_never_mixed_with_the_newer_copys(bot):
    """A Playground walk: two copies of card 8; an action typed on one and Next pressed (kept, "not added yet");
    another task typed on the other copy: the form then held that task under the first one's owner and date."""
    chair = await recording(bot)
    older = await walk_to(chair, "8 of 10")
    first = {"action_child": "AB", "action_what": "Health visitor home visit", "action_agency": "health",
             "action_owner": "Nurse Tom Evans, HV", "action_email": "tom.evans@nhs.example.org", "action_due": "3 working days"}
    card = await chair.press("record.next", first)
    assert inputs_of(card)["action_owner"] == "Nurse Tom Evans, HV"  # kept, and asked about: not added yet
    chair.card = older
    card = await chair.press("record.next", {"action_what": "School to share attendance record"})
    assert "⚠ That was an older copy of this card" in texts_of(card)
    typed = inputs_of(card)
    assert typed["action_what"] == "School to share attendance record"
    assert (typed["action_owner"], typed["action_email"], typed["action_due"]) == ("", "", ""), typed  # not the other task's


async def test_typing_on_an_older_copy_of_the_same_record_card_is_kept_and_said(bot):
    chair = await recording(bot)
    nine = await walk_to(chair, "9 of 10")
    card = await chair.press("record.next", {"distribution": "GP"})
    assert "10 of 10" in texts_of(card)
    card = await chair.press("record.back")
    assert "9 of 10" in texts_of(card)
    chair.card = nine  # an older copy of card 9, before the Next and Back
    card = await chair.press("record.next", {"distribution": "GP\nSchool nurse TYPED ON THE OLD COPY"})
    assert "9 of 10" in texts_of(card) and "⚠ That was an older copy of this card" in texts_of(card)
    assert inputs_of(card)["distribution"] == "GP\nSchool nurse TYPED ON THE OLD COPY"


async def test_no_further_action_beside_s47_for_the_same_child_is_said_once_and_kept_if_pressed_again(bot):
    """A walk added "s47 joint" and "No further action" for one child; the record finalised, and the s47 clocks ran."""
    chair = await recording(bot)
    await walk_to(chair, "6 of 10")
    for kind in ("s47_joint", "no_further_action"):
        await chair.press("record.add_decision", {"decision_child": "AB", "decision_kind": kind, "decision_reasoning": "As discussed at length"})
    card = await chair.press("record.next")
    assert "6 of 10" in texts_of(card) and ("⚠ AB: No further action, and Section 47 enquiries: joint with police. Remove the one "
                                            "that is not so, or press Next again to keep both.") in texts_of(card)
    card = await chair.press("record.next")
    assert "7 of 10" in texts_of(card)
