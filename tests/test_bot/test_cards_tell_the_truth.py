"""Issue 12's silent drops and misleading cards, through the real HTTP surface: initials never cut
short, the received time, a referrer without a contact, records researched, the distribution list,
stale pre-meeting obligations, overdue in a channel, cancelling in local mode, and moving the
meeting past the statutory deadline."""
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import make_settings, start_bot, stop_bot
from tests.support import activities

from .chair import Chair, body_actions, inputs_of, invitee_rows, texts_of
from .test_convene import CHILD, convene
from .test_durable_effects import add_action, recording, walk_to
from .test_record import FRIDAY_NOON

ATTENDANCE = "1 of 10"


async def convened_here(bot) -> Chair:
    """A discussion convened in the chair's personal chat (local provider), its meeting created."""
    chair = Chair(bot)
    await convene(chair, concern={"concerns": "physical_abuse", "received_time": "10:00"})
    await chair.press("convene.confirm")
    await bot.services.drain()
    return chair


async def with_police_in_teams(bot) -> tuple[Chair, dict, dict]:
    """Convened, with the police invitee reachable in Teams: the chair, the officer, and the data of
    the officer's invitation card."""
    chair = await convened_here(bot)
    police = {"aad_id": "aad-police-x", "user_id": "29:px", "name": "DS Pat"}
    async with bot.services.uow() as uow:
        invitation = next(i for i in (await uow.discussions.get(chair.discussion_id)).invitations if i.agency == "police")
        invitation.aad_object_id = police["aad_id"]
        await uow.commit()
    return chair, police, {"discussion_id": chair.discussion_id, "invitation_id": invitation.id}


async def recorded_with_one_action(bot, *, due: str) -> Chair:
    """Convened in the channel and recorded, with one action for the police, A1 "Police checks"."""
    chair = await recording(bot)
    await walk_to(chair, "8 of 10")
    await add_action(chair, "Police checks", email="", due=due)
    await walk_to(chair, "10 of 10")
    await chair.press("record.finalise", keep_inputs=False)
    return chair


async def said(chair: Chair, text: str) -> str:
    """The bot's text answer to `text` (cards the outbox posts meanwhile are not the answer)."""
    await chair.bot.services.drain()
    return [a["text"] for a in await chair.say(text) if a.get("text")][-1]


@pytest.fixture
async def bot(tmp_path, clock):
    clock.set(FRIDAY_NOON)  # Friday 28 May 2027, 12:00 BST
    running = await start_bot(make_settings(tmp_path), clock)
    yield running
    await stop_bot(running)


async def test_a_name_in_the_initials_box_is_refused_never_cut_to_four_letters(bot):
    chair = Chair(bot)
    card = await chair.strategy()
    [box] = [i for i in card["body"] if i.get("id") == "initials"]
    assert "maxLength" not in box  # Teams would cut "Jayden Smith" to "Jayd" before the bot saw it
    card = await chair.press("convene.next", {**CHILD, "initials": "Jayden Smith"})
    assert "That looks like a name: enter the child's initials only" in texts_of(card)
    assert inputs_of(card)["initials"] == "Jayden Smith"  # kept, to be corrected, not silently shortened
    card = await chair.press("convene.next", {"initials": "j.s."})
    assert "2 of 5 · The concern" in texts_of(card)
    async with bot.services.uow() as uow:
        assert (await uow.discussions.get(chair.discussion_id, load=())).child_initials == "JS"


async def test_a_name_in_the_case_reference_box_is_refused_saying_why_and_nothing_typed_is_lost(bot):
    """A privacy trial: "JaydenSmith2016" was taken as the case reference, which the channel, the meeting's
    title and every email show."""
    chair = Chair(bot)
    await chair.strategy()
    typed = {**CHILD, "case_reference": "JaydenSmith2016", "other_children": "CD 2017-04-02", "looked_after": "true"}
    card = await chair.press("convene.next", typed)
    assert "1 of 5" in texts_of(card)
    assert ("⚠ Give the case reference from your case system (e.g. CR-104233): it is shown in the channel, so never a name."
            in texts_of(card))
    assert {k: inputs_of(card)[k] for k in typed} == typed  # kept, to be corrected
    async with bot.services.uow() as uow:
        assert (await uow.discussions.get(chair.discussion_id, load=())).case_reference == ""  # in no channel, no title
    card = await chair.press("convene.next", {"case_reference": "CR-104233"})
    assert "2 of 5 · The concern" in texts_of(card)


async def test_the_received_time_takes_any_minute_and_does_not_move_when_the_card_is_drawn_again(bot):
    chair = Chair(bot)
    await chair.strategy()
    card = await chair.press("convene.next", CHILD)
    [box] = [i for i in card["body"] if i.get("id") == "received_time"]
    assert box["type"] == "Input.Text" and box["value"] == "12:00"  # now, once
    bot.services.clock.advance(minutes=7)
    again = await chair.press("convene.open")
    assert inputs_of(again)["received_time"] == "12:00"  # drawn again later: still the time first offered
    card = await chair.press("convene.next", {"concerns": "physical_abuse", "received_time": "9:05"})
    assert "3 of 5" in texts_of(card)
    async with bot.services.uow() as uow:
        facts = (await uow.discussions.get(chair.discussion_id, load=())).facts
    assert facts["received_at"].startswith("2027-05-28T09:05")


async def test_a_referrer_is_invited_only_with_a_contact_and_otherwise_shown_as_not_invited(bot):
    chair = Chair(bot)
    await chair.strategy()
    await chair.press("convene.next", CHILD)
    step3 = await chair.press("convene.next", {"concerns": "physical_abuse", "received_time": "10:00", "referrer_agency": "GP"})
    referrer = next(k for k, c in enumerate(invitee_rows(step3)) if "**Referrer**" in texts_of({"body": [c]}))
    assert inputs_of(step3)[f"invite_{referrer}"] == "false"  # no tick that invites nobody
    refused = await chair.press("convene.next", {f"invite_{referrer}": "true"})  # ticked, but no email
    assert "Enter the referrer's email address to invite them, or untick." in texts_of(refused)
    assert inputs_of(refused)[f"invite_{referrer}"] == "true"  # the tick is kept with the error
    typed = await chair.press("convene.add_person", {f"email_{referrer}": "safeguarding@gp.example.org"})  # any press keeps it
    assert "safeguarding@gp.example.org" in texts_of({"body": [invitee_rows(typed)[referrer]]})  # shown, not "not invited until…"
    assert inputs_of(typed)[f"email_{referrer}"] == "safeguarding@gp.example.org"  # and still there to correct
    await chair.press("convene.next", {f"invite_{referrer}": "false", "add_agency": "", "add_name": "", "add_email": ""})
    card = await chair.press("convene.next")
    words = texts_of(card)
    assert "5 of 5 · Confirm" in words
    assert "Not invited: Referrer" in words and "Referrer: referrer" not in words


async def test_records_researched_starts_from_the_records_check_and_distribution_is_everyone_invited_once(bot):
    chair = await recording(bot)
    card = chair.card
    assert ATTENDANCE in texts_of(card)
    # Nobody answered the records check before the meeting: nobody is taken to have fully researched.
    assert {v for k, v in inputs_of(card).items() if k.startswith("researched_")} == {"false"}
    marks = {k: ("attended" if k.endswith("_0") or k.endswith("_1") else "apologies") for k in inputs_of(card)
             if k.startswith("attendance_")}
    routes = {f"route_{k.split('_')[1]}": "by email" for k, v in marks.items() if v == "apologies"}
    await chair.press("record.next", {**marks, **routes})
    card = await walk_to(chair, "9 of 10")
    distribution = inputs_of(card)["distribution"].splitlines()
    async with bot.services.uow() as uow:
        invited = [i.email for i in (await uow.discussions.get(chair.discussion_id)).invitations]
    for email in invited:  # those who gave apologies too (PROTOCOL.md 5: circulated to everyone invited)
        assert sum(email in line for line in distribution) == 1, (email, distribution)
    assert sum("Designated Safeguarding Lead" in line for line in distribution) == 1  # the DSL was invited: once


async def test_finalising_closes_what_was_owed_before_the_meeting(bot):
    chair = await recording(bot)
    await walk_to(chair, "10 of 10")
    await chair.press("record.finalise", keep_inputs=False)
    async with bot.services.uow() as uow:
        before = [o for o in await uow.obligations.for_discussion(chair.discussion_id)
                  if o.kind in ("rsvp", "record_check", "quorum_at_risk")]
    assert before and {o.state for o in before} == {"satisfied"}
    bot.services.clock.advance(days=2)
    listing = await said(Chair(bot, conversation="channel"), "overdue")
    assert "quorum at risk" not in listing


async def test_overdue_in_a_channel_never_repeats_a_snooze_reason_and_says_minutes_when_under_an_hour(bot):
    chair = await recording(bot)
    await walk_to(chair, "8 of 10")
    await add_action(chair, "Police checks", email="", due="1 working day")
    await chair.press("record.next", keep_inputs=False)
    await chair.press("record.next")
    await chair.press("record.finalise", keep_inputs=False)
    due = datetime(2027, 6, 1, 16, 0, tzinfo=timezone.utc)  # Tuesday 17:00 BST (Monday is a bank holiday)
    bot.services.clock.set(due + timedelta(minutes=52))
    personal = Chair(bot)
    assert "52 min late" in await said(personal, "overdue")
    assert "Reason recorded" in await said(personal, "snooze CR-104233 A1 5 days: waiting for a name's GP")
    bot.services.clock.set(due + timedelta(days=2))
    in_channel = await said(Chair(bot, conversation="channel"), "overdue")
    mine = await said(personal, "overdue")
    assert "waiting for a name's GP" in mine
    assert "waiting for a name's GP" not in in_channel and "snoozed (the reason is in your personal chat with me)" in in_channel
    # The channel's list says it is the channel's (a walk took it for all of the chair's discussions); the personal one is all.
    assert in_channel.endswith("Only discussions held here. Type `overdue` to me in a personal chat for all of them.")
    assert "Only discussions held here" not in mine
    # Elsewhere than where it was held (a walk: a group chat was shown every one of the chair's cases, with addresses).
    group = activities.channel_mention(bot.connector.url, "overdue", aad_id=personal.person["aad_id"], user_id=personal.person["user_id"],
                                       name=personal.person["name"])
    group["conversation"] = {"id": "19:case-discussion@thread.v2", "conversationType": "groupChat", "isGroup": True,
                             "tenantId": activities.TENANT}
    before = len(bot.connector.sent)
    assert (await bot.post(group)).status == 201
    [answer] = [a["text"] for a in bot.connector.sent[before:] if a.get("text")]
    assert answer.startswith("Nothing is overdue on the discussions you chair held here.") and "CR-104233" not in answer
    assert "@" not in in_channel.replace("(the reason is in your personal chat with me)", "")  # nobody's address in a channel


async def test_an_old_invitation_card_pressed_after_the_meeting_was_cancelled_changes_nothing(bot):
    """A walk: Accept on the officer's old card, after the chair had cancelled, was saved, and the
    chair's "Cancelled" card was redrawn as a live discussion with the police confirmed."""
    chair, police, data = await with_police_in_teams(bot)
    chair.card = None
    await chair.press("discussion.cancel", {"cancel_reason": "child safe with grandmother"}, keep_inputs=False)
    for verb, extra in (("rsvp.accept", {}), ("rsvp.records", {"record_check": "shared"})):
        card = await chair.press(verb, {**data, **extra}, keep_inputs=False, as_person=police)
        assert texts_of(card) == ("Cancelled\nStrategy discussion CR-104233 (AB): this strategy discussion was cancelled, "
                                  "so there is nothing to answer. Nothing was changed.")
    async with bot.services.uow() as uow:
        invitation = next(i for i in (await uow.discussions.get(chair.discussion_id)).invitations if i.agency == "police")
    assert (invitation.rsvp, invitation.record_check) == ("none", "none")
    card = await chair.press("discussion.open", keep_inputs=False)
    assert texts_of(card) == "Cancelled\nStrategy discussion CR-104233 (AB): this strategy discussion was cancelled."
    # The officer's own card, as Teams redraws it (its refresh) or they open it: no Accept left to press (a walk).
    card = await chair.press("discussion.open", keep_inputs=False, as_person=police)
    assert texts_of(card) == ("Cancelled: Strategy discussion CR-104233 (AB)\nthis strategy discussion was cancelled, "
                              "so there is nothing to answer.")
    assert not card.get("actions") and card["refresh"]["action"]["verb"] == "discussion.open"


async def test_an_invitation_answered_after_the_meeting_ended_changes_nothing(bot):
    """A hostile trial: an Accept pressed at 15:00 for an 11:00 meeting, the record not yet started, was
    recorded and the chair's card redrawn; the chasers had stopped asking long before."""
    chair, police, data = await with_police_in_teams(bot)
    async with bot.services.uow() as uow:
        ended = (await uow.discussions.get(chair.discussion_id)).meeting_end
    bot.services.clock.set(ended + timedelta(minutes=1))
    for verb, extra in (("rsvp.accept", {}), ("rsvp.records", {"record_check": "shared"})):
        card = await chair.press(verb, {**data, **extra}, keep_inputs=False, as_person=police)
        assert texts_of(card) == ("Meeting over\nStrategy discussion CR-104233 (AB): the meeting has ended, so this answer is not "
                                  "needed now. Nothing was changed. Anything your agency has found since: reply `update` and what it "
                                  "is in the discussion's thread.")
    async with bot.services.uow() as uow:
        invitation = next(i for i in (await uow.discussions.get(chair.discussion_id)).invitations if i.agency == "police")
    assert (invitation.rsvp, invitation.record_check) == ("none", "none")
    card = await chair.press("discussion.open", keep_inputs=False, as_person=police)
    assert texts_of(card).startswith("Meeting over: Strategy discussion CR-104233 (AB)") and not card.get("actions")


async def test_cancelling_in_local_mode_says_nothing_was_sent(bot):
    chair = await convened_here(bot)
    chair.card = None
    card = await chair.press("discussion.cancel", {"cancel_reason": "child safe with grandmother"}, keep_inputs=False)
    words = texts_of(card)
    assert "nothing was sent to anyone" in words and "everyone invited told" not in words


async def test_a_cancelled_local_invitation_says_it_is_cancelled_and_never_the_chairs_typed_reason(bot, tmp_path):
    """A privacy trial: the .ics took the reason typed on the chair's card as its COMMENT, word for word."""
    from icalendar import Calendar

    chair = await convened_here(bot)
    chair.card = None
    await chair.press("discussion.cancel", {"cancel_reason": "Jayden's mother withdrew him; with grandmother Mrs Smith"},
                      keep_inputs=False)
    await bot.services.drain()
    ics = (tmp_path / "invitations" / f"{chair.discussion_id}.ics").read_bytes()
    assert b"Jayden" not in ics and b"Smith" not in ics and b"grandmother" not in ics
    [event] = Calendar.from_ical(ics).walk("VEVENT")
    assert (str(event["status"]), str(event["comment"])) == (
        "CANCELLED", "Strategy discussion CR-104233 (AB) is cancelled by the chair. The reason is on the record; ask the chair "
                     "if you need it.")


async def test_moving_the_meeting_past_the_deadline_needs_a_reason_which_is_shown_and_audited(bot):
    chair = Chair(bot)
    await chair.strategy()
    for answers in (CHILD, {"concerns": "serious_physical_injury", "medical_implications": "true", "received_time": "10:00"},
                    {}, {}):
        await chair.press("convene.next", answers)
    await chair.press("convene.confirm")
    await bot.services.drain()
    chair.card = None
    move = {"move_date": "2027-05-31", "move_time": "10:00"}  # after today's same-day deadline
    card = await chair.press("discussion.move", move, keep_inputs=False)
    assert "That is after the statutory deadline: record why it cannot be sooner." in texts_of(card)
    assert {k: inputs_of(card)[k] for k in move} == move  # what was typed is still there
    card = await chair.press("discussion.move", {**move, "move_reason": "The paediatrician can only examine on Monday"},
                             keep_inputs=False)
    words = texts_of(card)
    assert "⚠ The meeting is after the statutory deadline" in words
    async with bot.services.uow() as uow:
        [moved] = [e for e in await uow.audit.for_subject("discussion", chair.discussion_id) if e.action == "meeting.move"]
    assert moved.details["after_deadline"] is True and moved.details["reason"] == "The paediatrician can only examine on Monday"


async def test_a_completed_actions_card_offers_no_report_buttons(bot):
    chair = await recorded_with_one_action(bot, due="1 working day")
    async with bot.services.uow() as uow:
        [action] = (await uow.discussions.get(chair.discussion_id)).actions
    open_card = await chair.press("action.completed", {"action_id": action.id}, keep_inputs=False)
    assert "Status: completed" in texts_of(open_card)
    assert open_card.get("actions", []) == [] and not [i for i in open_card["body"] if i.get("type", "").startswith("Input.")]


async def test_help_lists_the_report_back_replies_and_the_welcome_in_a_channel_says_to_mention_the_bot(bot):
    from tests.support import activities

    text = await said(Chair(bot), "help")
    for reply in ("`A1 done`", "`A3 by 14/12`", "`A4 not required: the reason`", "`A5 further discussion`", "`update …`",
                  "`record export`"):
        assert reply in text
    added = activities.channel_mention(bot.connector.url, "")
    added.update(type="conversationUpdate", membersAdded=[{"id": activities.BOT_ID}])
    added.pop("text")
    before = len(bot.connector.sent)
    assert (await bot.post(added)).status in (200, 201)
    [welcome] = [a["text"] for a in bot.connector.sent[before:]]
    assert "@mention me" in welcome


async def test_dates_are_read_day_first_and_the_confirm_card_reads_back_births_and_ages(bot):
    chair = Chair(bot)
    await chair.strategy()
    await chair.press("convene.next", {**CHILD, "dob": "04/05/2016", "other_children": "CD 2/4/2017\nEF 2019-08-30"})
    for answers in ({"concerns": "physical_abuse", "received_time": "10:00"}, {}, {}):
        card = await chair.press("convene.next", answers)
    words = texts_of(card)
    assert "Born: 04/05/2016, 11 years old" in words  # on Friday 28 May 2027
    assert "Other children: CD (02/04/2017, 10 years old), EF (30/08/2019, 7 years old)" in words


async def test_cancelling_the_wizard_asks_first_and_no_keeps_what_was_typed(bot):
    chair = Chair(bot)
    await chair.strategy()
    card = await chair.press("convene.cancel", {"case_reference": "CR-9", "initials": "QR"})
    assert "Cancel this draft?" in texts_of(card)
    card = await chair.press("convene.open")  # No, go back to it
    assert (inputs_of(card)["case_reference"], inputs_of(card)["initials"]) == ("CR-9", "QR")
    async with bot.services.uow() as uow:
        assert (await uow.discussions.get(chair.discussion_id, load=())).status == "draft"


async def test_the_chairs_card_shows_the_meetings_length_records_checks_and_apologies(bot):
    chair, police, data = await with_police_in_teams(bot)
    await chair.press("rsvp.decline", {**data, "apologies": "on a warrant", "information_route": "PPU checks by noon"},
                      keep_inputs=False, as_person=police)
    await chair.press("rsvp.records", {**data, "record_check": "researching"}, keep_inputs=False, as_person=police)
    chair.card = None
    words = texts_of(await chair.press("discussion.open", keep_inputs=False))
    assert f"({bot.services.profile.meetings.minutes} min)" in words  # the profile's meeting length
    assert "declined (on a warrant); information: PPU checks by noon; still researching records" in words


async def test_the_chair_is_invited_when_the_directory_knows_them_and_told_when_not(tmp_path, clock):
    from icalendar import Calendar

    from storage.directory import example_path

    clock.set(FRIDAY_NOON)
    contacts = tmp_path / "contacts.yaml"
    contacts.write_text(example_path("hackney").read_text().replace(
        "    email: social.care.manager@hackney.example.org\n",
        "    email: social.care.manager@hackney.example.org\n    aad_object_id: aad-chair-1\n"))
    running = await start_bot(make_settings(tmp_path, contacts_file=contacts), clock)
    try:
        chair = Chair(running)  # aad-chair-1: in the directory as the social care manager
        await chair.strategy()
        for answers in (CHILD, {"concerns": "physical_abuse", "received_time": "10:00"}, {}):
            await chair.press("convene.next", answers)
        card = await chair.press("convene.next")
        assert "Your calendar: you are invited too" in texts_of(card)
        await chair.press("convene.confirm")
        await running.services.drain()
        [event] = Calendar.from_ical((tmp_path / "invitations" / f"{chair.discussion_id}.ics").read_bytes()).walk("VEVENT")
        assert "mailto:social.care.manager@hackney.example.org" in [str(a) for a in event["attendee"]]

        stranger = Chair(running, aad_id="aad-unknown", user_id="29:unknown", name="Kim Chair")
        await stranger.strategy()
        for answers in ({**CHILD, "case_reference": "CR-2"}, {"concerns": "physical_abuse", "received_time": "10:00"}, {}):
            await stranger.press("convene.next", answers)
        card = await stranger.press("convene.next")
        assert "Your calendar: you are not on the invitation: your email is not in the contacts directory" in texts_of(card)
    finally:
        await stop_bot(running)


async def test_records_and_invitee_lists_can_be_edited_and_the_record_reviewed_before_finalising(bot):
    chair = await recording(bot)
    await walk_to(chair, "6 of 10")
    for reasoning in ("First reasoning, entered in error", "Unexplained injury; joint with police"):
        await chair.press("record.add_decision", {"decision_child": "AB", "decision_kind": "s47_joint", "decision_reasoning": reasoning})
    await chair.press("record.remove_decision", {"index": 0})
    assert "First reasoning" not in texts_of(chair.card) and "Unexplained injury; joint with police" in texts_of(chair.card)
    await walk_to(chair, "8 of 10")
    for what in ("Police checks", "Health records"):
        await chair.press("record.add_action", {"action_child": "AB", "action_what": what, "action_agency": "police",
                                                "action_owner": "DS Pat", "action_email": "", "action_due": "14/06/2027"})
    card = await chair.press("record.edit_action", {"number": 1})
    assert {k: inputs_of(card)[k] for k in ("action_what", "action_owner", "action_due")} == {
        "action_what": "Police checks", "action_owner": "DS Pat", "action_due": "14/06/2027"}  # back in the form
    assert "A2 (AB)**: Health records" in texts_of(card)  # the other keeps its number (a walk: an edit renumbered them all)
    # Said as an edit (a walk: A1 left the list and the button still said "Add action", as if Edit had removed it).
    assert "**Editing A1**: change it below and press Save A1. Clear the form to keep it as it was." in texts_of(card)
    assert [a["title"] for a in body_actions(card) if a.get("verb") == "record.add_action"] == ["Save A1"]
    card = await chair.press("record.add_action", {"action_what": "Police checks on the household"})
    assert "A1 (AB)**: Police checks on the household" in texts_of(card)  # back under its own number
    assert "(⚠" not in texts_of(card)  # 14/06/2027 is a Monday
    card = await chair.press("record.add_action", {"action_child": "AB", "action_what": "Visit at the weekend", "action_agency": "police",
                                                   "action_owner": "DS Pat", "action_email": "", "action_due": "12/06/2027"})
    assert "**A3 (AB)**: Visit at the weekend: Police, DS Pat, by 12/06/2027 (⚠ a Saturday, not a working day)" in texts_of(card)
    await chair.press("record.remove_action", {"number": 3})
    # Typed without an email: the chair is told now who the reminders will reach, not when one is missed.
    assert ("Police, DS Pat, by 14/06/2027 (no email: reminders go to DI Lee Lead (fictional), the agency's lead in the "
            "directory)") in texts_of(chair.card)
    card = await chair.press("record.add_action", {"action_child": "AB", "action_what": "Ask the referrer again", "action_agency": "referrer",
                                                   "action_owner": "Mrs Neighbour", "action_email": "", "action_due": "14/06/2027"})
    assert ("Referrer, Mrs Neighbour, by 14/06/2027 (⚠ no email, and no lead for Referrer in the directory: reminders come to you)"
            in texts_of(card))
    card = await chair.press("record.add_action", {"action_child": "AB", "action_what": "Ask the referrer again", "action_agency": "referrer",
                                                   "action_owner": "Mrs Neighbour", "action_email": "n@example.org", "action_due": "14/06/2027"})
    assert [line for line in texts_of(card).splitlines() if line.startswith("**A4")] == [
        "**A4 (AB)**: Ask the referrer again: Referrer, Mrs Neighbour, by 14/06/2027"]  # an email: nothing to say
    for number in (4, 3):
        await chair.press("record.remove_action", {"number": number})
    card = await walk_to(chair, "10 of 10")
    words = texts_of(card)
    assert "Review before finalising" in words
    assert "A1 Police checks on the household (Police); A2 Health records (Police)" in words
    assert "AB: Section 47 enquiries: joint with police" in words


async def test_step_3_asks_for_a_reason_only_where_a_required_agency_is_left_out_and_an_added_person_can_be_removed(bot):
    chair = Chair(bot)
    await chair.strategy()
    await chair.press("convene.next", CHILD)
    card = await chair.press("convene.next", {"concerns": "physical_abuse", "received_time": "10:00"})
    assert not [k for k in inputs_of(card) if k.startswith("reason_")]  # nothing left out: no reason boxes
    card = await chair.press("convene.add_person", {"add_agency": "specialist", "add_name": "Dr Expert",
                                                    "add_email": "expert@nhs.example.org"})
    police = next(k for k in inputs_of(card) if k.startswith("invite_") and
                  "**Police**" in texts_of({"body": [c for c in card["body"] if k in str(c)]}))
    index = police.split("_")[1]
    card = await chair.press("convene.next", {police: "false"})
    assert "Say why this required agency is not invited." in texts_of(card)
    assert list(k for k in inputs_of(card) if k.startswith("reason_")) == [f"reason_{index}"]
    remove = next(a for c in card["body"] if c.get("type") == "Container" and "Dr Expert" in texts_of({"body": [c]})
                  for i in c["items"] if i.get("type") == "ActionSet" for a in i["actions"])
    card = await chair.press("convene.remove_person", {"index": remove["data"]["index"]})
    assert "Dr Expert" not in texts_of(card)
    assert inputs_of(card)[police] == "false"  # the untick still stands


async def test_resuming_a_draft_retires_the_older_card(bot):
    chair = Chair(bot)
    first = await chair.strategy()
    await chair.press("convene.next", CHILD)
    await chair.strategy()  # /strategy again: the draft resumes in a new card
    await bot.services.drain()
    [retired] = [a for a in bot.connector.sent if a["_method"] == "PUT"]
    assert "This draft continues in a newer card below." in texts_of(retired["attachments"][0]["content"])
    assert retired["id"] == "reply-1" and first["actions"]  # the first card the bot posted


async def test_after_recording_the_chairs_card_shows_the_actions_and_where_they_stand(bot):
    chair = await recorded_with_one_action(bot, due="14/06/2027")
    chair.card = None
    words = texts_of(await chair.press("discussion.open", keep_inputs=False))
    assert "A1: Police checks: DS Pat, due 17:00 Mon 14 Jun, open" in words, words


async def test_every_copy_of_the_chairs_cards_is_redrawn_as_it_now_is_when_the_chair_views_it(bot):
    """Universal Actions refresh: each wizard, record and chair card names the chair's Teams id, so
    Teams asks the bot for the current card whenever the chair sees an older copy in the chat."""
    chair = Chair(bot)
    first = await chair.strategy()
    assert first["refresh"] == {"action": {"type": "Action.Execute", "verb": "convene.open",
                                           "data": {"discussion_id": chair.discussion_id}}, "userIds": ["29:1chair"]}
    await chair.press("convene.next", CHILD)
    shown_again = await chair.press(first["refresh"]["action"]["verb"], first["refresh"]["action"]["data"], keep_inputs=False)
    assert "2 of 5 · The concern" in texts_of(shown_again)  # the older copy shows where the draft is now
    for answers in ({"concerns": "physical_abuse", "received_time": "10:00"}, {}, {}):
        await chair.press("convene.next", answers)
    await chair.press("convene.confirm")
    await bot.services.drain()
    chair.card = None
    card = await chair.press("discussion.open", keep_inputs=False)
    assert card["refresh"]["action"]["verb"] == "discussion.open" and card["refresh"]["userIds"] == ["29:1chair"]


async def test_an_older_copy_of_an_invitation_redraws_with_the_meeting_as_it_now_is(bot):
    """The invitee's card in their personal chat (two people: Teams refreshes it for both)."""
    chair, police, data = await with_police_in_teams(bot)
    first = await chair.press("discussion.open", data, keep_inputs=False, as_person=police)
    assert first["refresh"]["action"] == {"type": "Action.Execute", "verb": "discussion.open",
                                          "data": {"discussion_id": chair.discussion_id}}
    chair.card = None
    await chair.press("discussion.move", {"move_date": "2027-05-28", "move_time": "16:30"}, keep_inputs=False)
    await bot.services.drain()
    chair.card = None
    again = await chair.press(first["refresh"]["action"]["verb"], first["refresh"]["action"]["data"], keep_inputs=False,
                              as_person=police)
    assert "You are invited for **Police**." in texts_of(again) and "Meeting: **16:30 today**" in texts_of(again)


async def first_actions(bot, chair) -> list:
    async with bot.services.uow() as uow:
        return list((await uow.discussions.get(chair.discussion_id)).actions)


async def test_an_older_copy_of_an_action_card_redraws_closed_once_the_action_is_done(bot):
    chair = await recorded_with_one_action(bot, due="1 working day")
    await bot.services.drain()
    [posted] = [a["attachments"][0]["content"] for a in bot.connector.sent
                if a.get("attachments") and "A1 · " in texts_of(a["attachments"][0]["content"])][:1]
    refresh = posted["refresh"]
    assert refresh["action"]["verb"] == "action.open" and refresh["userIds"] == ["29:1chair"]
    await chair.press("action.completed", refresh["action"]["data"], keep_inputs=False)
    officer = {"aad_id": "aad-police-x", "user_id": "29:px", "name": "DS Pat"}  # anyone viewing the channel's copy
    chair.card = None
    again = await chair.press(refresh["action"]["verb"], refresh["action"]["data"], keep_inputs=False, as_person=officer)
    # Closed: nothing to report on it. Someone who is not the owner, their agency, the chair or an invitee sees no task.
    assert "Status: completed" in texts_of(again) and [a["title"] for a in again.get("actions", [])] == ["Open"]
    assert "they press Open to see it" in texts_of(again)
    chairs = await chair.press(refresh["action"]["verb"], refresh["action"]["data"], keep_inputs=False)  # the chair: the task
    assert "they press Open to see it" not in texts_of(chairs) and "Status: completed" in texts_of(chairs)
    assert texts_of(chairs).split("\n")[1] == [a.description for a in (await first_actions(bot, chair))][0]
    async with bot.services.uow() as uow:  # viewing is not reporting: one report in the history
        [action] = (await uow.discussions.get(chair.discussion_id)).actions
        assert [u.status for u in action.history].count("completed") == 1


async def test_a_refused_reply_to_an_invitation_keeps_what_the_invitee_typed(bot):
    chair, police, data = await with_police_in_teams(bot)
    card = await chair.press("rsvp.decline", {**data, "apologies": "On a warrant all morning"}, keep_inputs=False, as_person=police)
    assert "Say how your agency's information will reach the chair." in texts_of(card)
    assert inputs_of(card)["apologies"] == "On a warrant all morning"
    card = await chair.press("rsvp.delegate", {**data, "delegate_name": "DC Lee", "delegate_email": "dc.lee@police"},
                             keep_inputs=False, as_person=police)
    # Typed but not a full address: said so (a walk: told to "enter" one, as if the box were empty).
    assert "dc.lee@police is not a full email address: write it as name@organisation, e.g. name@school.sch.uk." in texts_of(card)
    assert (inputs_of(card)["delegate_name"], inputs_of(card)["delegate_email"]) == ("DC Lee", "dc.lee@police")


async def test_a_delegate_sent_in_the_invitees_place_is_on_the_record_and_receives_it(bot):
    """A walk: the DSL sent a delegate, and the record's attendance and distribution named only the DSL."""
    chair, police, data = await with_police_in_teams(bot)
    await chair.press("rsvp.delegate", {**data, "delegate_name": "DC Lee", "delegate_email": "dc.lee@police.example.org"},
                      keep_inputs=False, as_person=police)
    async with bot.services.uow() as uow:
        bot.services.clock.set((await uow.discussions.get(chair.discussion_id, load=())).meeting_start)
    chair.card = await chair.press("record.open", keep_inputs=False)
    assert ", sending DC Lee in their place" in texts_of(chair.card)
    card = await walk_to(chair, "9 of 10")
    assert "DC Lee, Police <dc.lee@police.example.org>" in inputs_of(card)["distribution"].splitlines()


async def test_what_a_hand_walk_found_on_the_wizard(bot):
    """A chair walking the cards in the Playground: Back must carry the card's inputs (no button
    may leave them behind), a future time is refused under the time, a half-typed person is not
    dropped, and the confirm card names every departure from the rules with its reason."""
    chair = Chair(bot)
    card = await chair.strategy()
    await chair.press("convene.next", CHILD)
    card = await chair.press("convene.next", {"concerns": "physical_abuse", "received_time": "13:30"})  # it is 12:00
    assert "That is in the future (it is 12:00 now)" in texts_of(card)
    [time_box] = [i for i, item in enumerate(card["body"]) if item.get("id") == "received_time"]
    assert "That is in the future" in card["body"][time_box + 1]["text"]  # under the time, the field that is wrong
    card = await chair.press("convene.next", {"received_time": "10:00", "referrer_agency": "school"})
    every_button = [a for a in card.get("actions", [])] + [a for i in card["body"] if i.get("type") == "Container"
                                                             for x in i["items"] if x.get("type") == "ActionSet" for a in x["actions"]]
    assert every_button and all(a.get("associatedInputs") != "none" for a in every_button)
    police = next(k for k, v in inputs_of(card).items() if k.startswith("invite_") and
                  "**Police**" in texts_of({"body": [c for c in card["body"] if k in str(c)]}))
    card = await chair.press("convene.next", {police: "false", f"reason_{police.split('_')[1]}": "DS on leave",
                                              "add_name": "Kim Lee", "add_email": "kim.lee@council.gov.uk"})
    [email_box] = [i for i, item in enumerate(card["body"][-1]["items"]) if item.get("id") == "add_email"]
    assert card["body"][-1]["items"][email_box + 1]["text"] == (  # by the box and the Add button, not at the top of the card
        "⚠ You have typed someone to add: press Add person, or clear their name and email.")
    assert "⚠ Choose the person's agency." in texts_of(card)
    card = await chair.press("convene.next", {"add_email": "kim.lee at council"})  # a bad address is named as such
    assert "⚠ That is not an email address: check it (e.g. name@agency.gov.uk)." in texts_of(card)
    card = await chair.press("convene.add_person", {"add_agency": "specialist", "add_email": "kim.lee@council.gov.uk"})
    assert "Kim Lee" in texts_of(card)
    card = await chair.press("convene.next")
    card = await chair.press("convene.next", {"slot": "other", "other_date": "2027-06-08", "other_time": "10:00",
                                              "late_reason": "The family's solicitor is away until then"})
    words = texts_of(card)
    assert "⚠ Police (required) not invited: DS on leave" in words
    assert "⚠ After the statutory deadline" in words and "The family's solicitor is away until then" in words
    assert "Kim Lee" in words
    await chair.press("convene.confirm")
    await bot.services.drain()
    chair.card = None
    words = texts_of(await chair.press("discussion.open", keep_inputs=False))
    assert "**Not quorate**: Police not invited" in words


async def test_in_local_mode_an_invitee_the_bot_cannot_reach_in_teams_is_told_to_the_chair(tmp_path, clock):
    """Locally no calendar invitation is sent, so a personal card that cannot be delivered is the only
    word the invitee would have had: the chair hears of it."""
    from storage.directory import example_path

    clock.set(FRIDAY_NOON)
    contacts = tmp_path / "contacts.yaml"
    contacts.write_text(example_path("hackney").read_text().replace(
        "    email: cait.ds@hackney.example.org\n", "    email: cait.ds@hackney.example.org\n    aad_object_id: aad-police-ds\n"))
    running = await start_bot(make_settings(tmp_path, contacts_file=contacts), clock)
    try:
        chair = Chair(running)
        await chair.strategy()
        for answers in (CHILD, {"concerns": "physical_abuse", "received_time": "10:00"}, {}, {}):
            await chair.press("convene.next", answers)
        running.connector.fail_chats = [403]  # the police officer's chat cannot be opened (app not installed for them)
        await chair.press("convene.confirm")
        await running.services.drain()
        told = [a["text"] for a in running.connector.sent if "could not be delivered" in (a.get("text") or "")]
        assert told and told[0].startswith("Strategy discussion CR-104233 (AB): a personal message in Teams could not be delivered")
    finally:
        await stop_bot(running)


async def test_a_discussion_takes_at_most_fifty_people_and_their_cards_reach_teams(bot):
    """Past MAX_INVITEES the card says why and keeps what was typed; with fifty the cards still go
    through the connector, which refuses a message over 100 KB in UTF-16 as Teams does."""
    from bot.wizard import MAX_INVITEES

    chair = Chair(bot)
    await chair.strategy()
    await chair.press("convene.next", CHILD)
    card = await chair.press("convene.next", {"concerns": "physical_abuse", "received_time": "10:00"})
    number = len(invitee_rows(card))
    while number < MAX_INVITEES:
        card = await chair.press("convene.add_person", {"add_agency": "specialist", "add_name": f"Practitioner {number:02d}",
                                                        "add_email": f"practitioner.{number:02d}@agency.example.org"})
        number += 1
    assert len(invitee_rows(card)) == MAX_INVITEES
    refused = await chair.press("convene.add_person", {"add_agency": "specialist", "add_name": "One Too Many",
                                                       "add_email": "one.too.many@agency.example.org"})
    assert "can list at most 50 people" in texts_of(refused) and inputs_of(refused)["add_name"] == "One Too Many"
    assert len(invitee_rows(refused)) == MAX_INVITEES
    await chair.press("convene.next", {"add_agency": "", "add_name": "", "add_email": ""})
    await chair.press("convene.next")
    await chair.press("convene.confirm")
    await bot.services.drain()
    async with bot.services.uow() as uow:
        discussion = await uow.discussions.get(chair.discussion_id)
        failed = [e for e in await uow.effects.for_discussion(chair.discussion_id) if e.state != "done"]
    assert discussion.status == "convened" and len(discussion.invitations) == MAX_INVITEES and failed == []


async def test_a_moved_meeting_asks_each_invitee_again_for_the_new_time_and_chases_from_the_move(bot):
    """A walk: after "Move the meeting" every answer was cleared (to the old time, as Exchange clears them), but
    the invitees' cards still showed the old time and "accepted"; within a minute everyone who had accepted was
    chased; and the officer's Accept on her card was refused with "Your answer was already no reply yet"."""
    from app import CHASER

    chair, police, data = await with_police_in_teams(bot)
    old = await chair.press("discussion.open", data, keep_inputs=False, as_person=police)
    accept = next(a for a in old["actions"] if a.get("verb") == "rsvp.accept")
    answered = await chair.press("rsvp.accept", accept["data"], keep_inputs=False, as_person=police)
    assert "Your reply: **accepted**" in texts_of(answered)
    async with bot.services.uow() as uow:
        assert (await uow.discussions.get(chair.discussion_id)).meeting_start == FRIDAY_NOON + timedelta(minutes=30)
    moved_at = FRIDAY_NOON + timedelta(minutes=15)  # before the meeting at 12:30
    bot.services.clock.set(moved_at)
    before = len(bot.connector.sent)
    chair.card = None
    await chair.press("discussion.move", {"move_date": "2027-05-28", "move_time": "16:30"}, keep_inputs=False)
    await bot.services.drain()
    [asked] = [a["attachments"][0]["content"] for a in bot.connector.sent[before:] if a.get("attachments")
               and "You are invited for **Police**." in texts_of(a["attachments"][0]["content"])]
    assert "Meeting: **16:30 today**" in texts_of(asked) and "Your reply: **no reply yet**" in texts_of(asked)
    # Her answer on a card drawn before the move, the one she had pressed Accept on: nothing recorded, and why.
    for stale in (answered, old):
        card = await chair.press("rsvp.accept", next(a for a in stale["actions"] if a.get("verb") == "rsvp.accept")["data"],
                                 keep_inputs=False, as_person=police)
        assert ("⚠ The meeting moved to 16:30 today after this card was drawn, so nothing was recorded: press your answer "
                "again for the new time.") in texts_of(card)
        assert "Your reply: **no reply yet**" in texts_of(card)
    # Asked again at 12:15 for 16:30: a reply is chased half way there, at 14:22:30 (from the first asking, at 12:00,
    # it would be 14:15), and nobody's before.
    async with bot.services.uow() as uow:
        replies = [o for o in await uow.obligations.for_discussion(chair.discussion_id) if o.kind == "rsvp"]
    assert {(o.state, o.escalation_level, o.created_at == moved_at) for o in replies} == {("open", 0, True)}

    async def chased_at(moment) -> list:
        bot.services.clock.set(moment)
        await bot.server.app[CHASER].sweep()
        async with bot.services.uow() as uow:
            return [c.stage for o in replies for c in await uow.chases.for_obligation(o.id)]

    assert await chased_at(moved_at + timedelta(minutes=5)) == []
    assert await chased_at(FRIDAY_NOON + timedelta(hours=2, minutes=20)) == []
    assert set(await chased_at(FRIDAY_NOON + timedelta(hours=2, minutes=23))) == {"due"}
    bot.services.clock.set(moved_at)
    # Then on the new card: accepted, for the new time.
    card = await chair.press("rsvp.accept", next(a for a in asked["actions"] if a.get("verb") == "rsvp.accept")["data"],
                             keep_inputs=False, as_person=police)
    assert "Your reply: **accepted**" in texts_of(card) and "⚠" not in texts_of(card)


async def test_a_button_no_card_of_ours_has_is_answered_politely_whatever_its_prefix(bot, caplog):
    """A walk pressed a made-up `rsvp.information_only` (the real one is rsvp.share_only): a KeyError, "Something went
    wrong" and a traceback in the log. `clock.opened` was already answered politely."""
    chair, police, data = await with_police_in_teams(bot)
    for verb in ("rsvp.information_only", "rsvp.", "clock.opened"):
        card = await chair.press(verb, data, keep_inputs=False, as_person=police)
        assert texts_of(card) == "Sorry\nThat button is no longer supported. Type **help** to start again.", verb
    assert "Traceback" not in caplog.text and "KeyError" not in caplog.text


async def test_in_summer_an_answer_on_the_card_sent_at_convening_is_recorded_not_taken_as_after_a_move(bot):
    """A re-check, in June: the card sent as the meeting was made carried its time as 15:00+01:00, the database's was
    14:00+00:00, and every answer was refused with "The meeting moved to 15:00 today after this card was drawn"."""
    from zoneinfo import ZoneInfo

    from cards import discussion as discussion_cards

    chair, police, data = await with_police_in_teams(bot)  # Friday 28 May 2027, British Summer Time
    async with bot.services.uow() as uow:
        discussion = await uow.discussions.get(chair.discussion_id)
        invitation = next(i for i in discussion.invitations if i.agency == "police")
        # As the meeting's creation drew it: the time as the calendar gave it, with the summer offset.
        discussion.meeting_start = discussion.meeting_start.astimezone(ZoneInfo("Europe/London"))
        assert discussion.meeting_start.utcoffset() == timedelta(hours=1)
        sent = discussion_cards.rsvp_card(discussion, invitation, now=bot.services.calendar.local(FRIDAY_NOON))
        await uow.session.rollback()
    accept = next(a for a in sent["actions"] if a.get("verb") == "rsvp.accept")
    card = await chair.press("rsvp.accept", accept["data"], keep_inputs=False, as_person=police)
    assert "Your reply: **accepted**" in texts_of(card) and "moved" not in texts_of(card)
    # A card from before its buttons wrote the time in UTC carries the offset too: the same instant, the same meeting.
    assert discussion_cards.same_time("2027-05-28T12:30:00+01:00", "2027-05-28T11:30:00+00:00")
    assert not discussion_cards.same_time("2027-05-28T12:30:00+00:00", "2027-05-28T11:30:00+00:00")
    assert not discussion_cards.same_time("not a time", "2027-05-28T11:30:00+00:00") and discussion_cards.same_time("", "")


async def test_someone_added_on_the_chairs_card_who_is_in_the_directory_gets_their_invitation_in_teams(tmp_path, clock):
    """A re-check: a paediatrician in the directory, added with "Invite someone else", had no card to answer (their
    Entra id was not looked up), so could not say they came to share information only; a move did not reach them."""
    from tests.conftest import ROOT

    clock.set(FRIDAY_NOON)
    running = await start_bot(make_settings(tmp_path, contacts_file=ROOT / "storage" / "directories" / "playground.yaml"), clock)
    try:
        chair = await convened_here(running)
        chair.card = None
        before = len(running.connector.sent)
        await chair.press("discussion.invite", {"add_agency": "paediatrician", "add_name": "Dr Casey Bello",
                                                "add_email": "casey.bello@nhs.example.org"}, keep_inputs=False)
        await running.services.drain()
        [card] = [a["attachments"][0]["content"] for a in running.connector.sent[before:] if a.get("attachments")
                  and "You are invited for **Paediatrician**." in texts_of(a["attachments"][0]["content"])]
        casey = {"aad_id": "00000000-0000-0000-0000-0000000000025", "user_id": "29:casey", "name": "Dr Casey Bello"}
        share = next(a for a in card["actions"] if a.get("verb") == "rsvp.share_only")
        answered = await chair.press("rsvp.share_only", share["data"], keep_inputs=False, as_person=casey)
        assert "Your reply: **attending to share information only**" in texts_of(answered)
    finally:
        await stop_bot(running)


async def test_the_chair_invited_as_their_agencys_attendee_owes_no_reply_and_gets_no_invitation_card(tmp_path, clock):
    """A re-check, in the Playground's directory where the chair is social care's contact: the chair was chased for
    their own invitation reply, and escalated to themselves, while their card showed them there."""
    from tests.conftest import ROOT

    clock.set(FRIDAY_NOON)
    running = await start_bot(make_settings(tmp_path, contacts_file=ROOT / "storage" / "directories" / "playground.yaml"), clock)
    try:
        sam = "00000000-0000-0000-0000-0000000000020"  # Sam Okafor, team manager: the chair, and in the directory
        chair = Chair(running, aad_id=sam, user_id="29:sam", name="Sam Okafor (team manager)")
        await chair.strategy()
        await chair.press("convene.next", CHILD)
        await chair.press("convene.next", {"concerns": "physical_abuse", "received_time": "10:00"})
        # The chair on the list as social care's attendee, as a directory whose social care contact is the chair makes them.
        await chair.press("convene.add_person", {"add_agency": "social_care", "add_name": "Sam Okafor",
                                                 "add_email": "sam.okafor@council.example.org"})
        await chair.press("convene.next")
        await chair.press("convene.next", {})
        await chair.press("convene.confirm")
        await running.services.drain()
        async with running.services.uow() as uow:
            discussion = await uow.discussions.get(chair.discussion_id)
            owed = await uow.obligations.for_discussion(chair.discussion_id)
        [own] = [i for i in discussion.invitations if i.aad_object_id == sam]  # the precondition: the chair is invited
        replies = {o.subject_id for o in owed if o.kind == "rsvp"}
        assert own.id not in replies and len(replies) == len(discussion.invitations) - 1
        cards_to = {c["members"][0]["id"] for c in running.connector.conversations}
        assert sam not in cards_to and "29:sam" not in cards_to  # no invitation card to the chair
        assert any(o.kind == "record_check" and o.subject_id == own.id for o in owed)  # social care's records check still owed
    finally:
        await stop_bot(running)


async def test_a_records_check_chosen_and_then_accept_pressed_is_recorded_with_the_answer(bot):
    """A walk: the officer chose "Checks done and shared with the chair" and pressed Accept; the card came back
    with the choice still chosen, as if sent, and the agency was later chased for an update it had given."""
    chair, police, data = await with_police_in_teams(bot)
    card = await chair.press("discussion.open", keep_inputs=False, as_person=police)
    assert ("Not sent to the chair yet: choose, then press Send records check (or answer: it goes with your answer)."
            in texts_of(card).splitlines()), texts_of(card)
    card = await chair.press("rsvp.accept", {**data, "record_check": "shared"}, keep_inputs=False, as_person=police)
    assert "Sent to the chair: **records checked and shared**." in texts_of(card).splitlines(), texts_of(card)
    async with bot.services.uow() as uow:
        invitation = next(i for i in (await uow.discussions.get(chair.discussion_id)).invitations if i.agency == "police")
        trail = [e.action for e in await uow.audit.for_subject("invitation", invitation.id)]
    assert (invitation.rsvp, invitation.record_check) == ("accepted", "shared")
    assert trail.count("record_check.shared") == 1 and trail.count("rsvp.accepted") == 1
    # Pressed again (a double-click): nothing new, nothing audited twice.
    await chair.press("rsvp.accept", {**data, "record_check": "shared", "seen": "accepted"}, keep_inputs=False, as_person=police)
    async with bot.services.uow() as uow:
        assert [e.action for e in await uow.audit.for_subject("invitation", invitation.id)] == trail
