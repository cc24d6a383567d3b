"""/strategy end to end over HTTP: Teams-shaped messages and Action.Execute invokes against the
running app, replies and card updates captured by the local connector."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import text

from tests.conftest import ROOT, make_settings, start_bot, stop_bot
from tests.support import activities

from .chair import Chair, action_verbs, inputs_of, texts_of

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
CHILD = {"case_reference": "CR-104233", "initials": "AB", "dob": "2016-05-04", "education_setting": "Example Primary"}
INJURY = {"concerns": "serious_physical_injury", "medical_implications": "true", "referrer_agency": "school"}


async def convene(chair: Chair, *, child=None, concern=None, invitees=None, when=None) -> dict:
    """Walk the wizard from /strategy to the confirm card, answering each step."""
    await chair.strategy()
    if chair.conversation != "personal":
        await chair.press("convene.open")
    for step, answers in (("child", child or CHILD), ("concern", concern or INJURY), ("invitees", invitees or {}),
                          ("when", when or {})):
        card = await chair.press("convene.next", answers)
        assert "⚠" not in texts_of(card), f"step {step} refused: {texts_of(card)}"
    return chair.card


async def referred(bot, concerns: str, *, received_at: str) -> tuple[Chair, dict]:
    """/strategy, the child, then the concern received today at `received_at`: the invitees card."""
    chair = Chair(bot)
    await chair.strategy()
    await chair.press("convene.next", CHILD)
    return chair, await chair.press("convene.next", {"concerns": concerns, "received_time": received_at})


async def test_help_lists_strategy(running_bot):
    await running_bot.post(activities.personal(running_bot.connector.url, "help"))
    assert "**strategy**" in (await running_bot.connector.wait_for(1))[0]["text"]


async def test_hackney_serious_injury_same_day_with_paediatrician_and_dsl(running_bot, tmp_path):
    chair = Chair(running_bot)
    card = await chair.strategy()
    assert "1 of 5 · The child" in texts_of(card)
    assert action_verbs(card) == ["convene.next", "convene.cancel"]

    await chair.press("convene.next", CHILD)
    card = await chair.press("convene.next", INJURY)
    words = texts_of(card)
    assert "Deadline: by 17:00 today**: same day as the referral; serious risk of harm" in words
    assert "(hackney 4.2)" in words
    invited = [block for block in card["body"] if block.get("type") == "Container"]
    agencies = " ".join(texts_of({"body": [c]}) for c in invited)
    for agency in ("**Police** (required)", "**Health** (required)", "**Paediatrician** (required)",
                   "**Designated Safeguarding Lead (education setting)** (required)", "**Referrer** (recommended)"):
        assert agency in agencies
    assert "DS Pat Placeholder (fictional)" in agencies  # the police contact on duty in hours

    card = await chair.press("convene.next")
    assert "4 of 5 · When" in texts_of(card)
    slot = next(i for i in card["body"] if i.get("id") == "slot")
    starts = [c["value"] for c in slot["choices"] if c["value"] != "other"]
    assert starts and all(s < "2026-11-23T17:00" for s in starts)  # before today's deadline
    card = await chair.press("convene.next")
    assert "5 of 5 · Confirm" in texts_of(card)
    assert "no invitation is sent" in texts_of(card)

    card = await chair.press("convene.confirm")
    assert "Creating the meeting" in texts_of(card)
    await running_bot.services.drain()
    [update] = [a for a in running_bot.connector.sent if a["_method"] == "PUT"]
    final = update["attachments"][0]["content"]
    assert "Strategy discussion CR-104233 (AB)" in texts_of(final)
    assert "nothing was sent" in texts_of(final)
    ics = Calendar.from_ical((tmp_path / "invitations" / f"{chair.discussion_id}.ics").read_bytes())
    [event] = ics.walk("VEVENT")
    assert event["summary"] == "Strategy discussion CR-104233 (AB)"
    emails = {str(a).removeprefix("mailto:") for a in event["attendee"]}
    assert {"named.doctor@hackney.example.org", "dsl@hackney.example.org", "cait.ds@hackney.example.org"} <= emails
    assert "Example Primary" not in event["description"] and "2016-05-04" not in event["description"]


async def test_a_bad_date_and_missing_fields_are_reported_on_the_card_and_kept(running_bot):
    chair = Chair(running_bot)
    await chair.strategy()
    card = await chair.press("convene.next", {"case_reference": "", "initials": "Alice", "dob": "2030-01-01"})
    words = texts_of(card)
    assert "⚠ Enter the case reference." in words
    assert "⚠ That looks like a name: enter the child's initials only (up to four letters, e.g. JS). The record keeps initials, never a name." in words
    assert "⚠ The date of birth is in the future" in words
    assert "1 of 5" in words
    card = await chair.press("convene.next", {**CHILD, "dob": "31/02/2016"})
    assert "⚠ Enter the date of birth as a real date, day first, e.g. 04/05/2016." in texts_of(card)
    assert next(i for i in card["body"] if i.get("id") == "education_setting")["value"] == "Example Primary"
    await chair.press("convene.next", CHILD)
    card = await chair.press("convene.next", {"concerns": "", "received_time": "25:99"})
    assert "⚠ Enter the time as HH:MM on the 24-hour clock, e.g. 09:05." in texts_of(card)  # typed, but not a time
    # From a Playground walk: a future date was told only once the time was put right; both boxes say at once.
    card = await chair.press("convene.next", {"received_date": "01/01/2030", "received_time": ""})
    assert "⚠ That date is in the future (today is 23/11/2026)" in texts_of(card)  # a date, said as a date (a walk)
    assert "⚠ Enter the time the concern was received (HH:MM)." in texts_of(card)
    card = await chair.press("convene.back")
    assert next(i for i in card["body"] if i.get("id") == "case_reference")["value"] == "CR-104233"


async def test_walsall_sexual_abuse_invites_sarc(tmp_path, clock):
    bot = await start_bot(make_settings(tmp_path, protocol_profile="walsall"), clock)
    try:
        chair = Chair(bot)
        card = await convene(chair, child={**CHILD, "dob": "2015-02-01"}, concern={"concerns": "sexual_abuse", "sarc_referral": "true"})
        assert "Sexual Assault Referral Centre: Morgan Sarc (fictional)" in texts_of(card)
        assert "**Meeting required**" in texts_of(card)  # under 13 and referred to the SARC (walsall SARC)
    finally:
        await stop_bot(bot)


async def test_a_tick_no_rule_of_these_procedures_asks_about_is_said_on_the_invitees_card(tmp_path, clock):
    """A procedures trial: "another local authority or health trust is involved", ticked in hackney (whose
    seed names no one for it), changed nothing and said nothing. Walsall's seed invites them (Out of Area)."""
    async def invitees_card(bot, concern: dict, **chair) -> str:
        someone = Chair(bot, **chair)
        await someone.strategy()
        await someone.press("convene.next", CHILD)
        return texts_of(await someone.press("convene.next", concern))

    ticked = {"concerns": "neglect", "received_time": "09:30", "other_authority_involved": "true"}
    bot = await start_bot(make_settings(tmp_path), clock)
    try:
        assert ("You said: Another local authority or health trust is involved. These procedures do not ask about it, "
                "so it changed nothing here: add anyone it calls for below.") in await invitees_card(bot, ticked)
        assert "You said" not in await invitees_card(bot, {**ticked, "other_authority_involved": "false"}, aad_id="aad-2", user_id="29:2")
    finally:
        await stop_bot(bot)
    (tmp_path / "w").mkdir()
    walsall = await start_bot(make_settings(tmp_path / "w", protocol_profile="walsall"), clock)
    try:
        said = await invitees_card(walsall, ticked)
        assert "You said" not in said and "**Other local authority or health trust** (required)" in said  # walsall's own invitee
    finally:
        await stop_bot(walsall)


async def test_looked_after_child_in_hospital(running_bot):
    chair = Chair(running_bot)
    card = await convene(chair, child={**CHILD, "looked_after": "true", "inpatient": "true"}, concern={"concerns": "neglect"})
    words = texts_of(card)
    for who in ("Fostering or residential service: Taylor Foster", "Responsible medical consultant: Dr Quinn Consultant",
                "Senior ward nurse: Nurse Wren Ward"):
        assert who in words


async def test_out_of_hours_referral_meets_tonight_with_the_out_of_hours_contacts(tmp_path, clock):
    clock.set(datetime(2026, 11, 23, 19, 5, tzinfo=timezone.utc))
    bot = await start_bot(make_settings(tmp_path), clock)
    try:
        chair, card = await referred(bot, "serious_neglect", received_at="19:00")
        words = texts_of(card)
        assert "Deadline: by 23:59 today" in words
        assert "Emergency Duty Team" in words
        assert "PS Night Example (fictional)" in words
        card = await chair.press("convene.next")
        # Nobody from the school is on duty at night: the chair is asked for an address or to leave them out.
        assert "⚠ No contact on duty in the directory: enter an email address, or untick." in texts_of(card)
        dsl = next(i["id"] for i in _inputs(card) if i["id"].startswith("invite_") and "education" in i["_label"])
        card = await chair.press("convene.next", {dsl: "false", dsl.replace("invite_", "reason_"): "school closed; DSL to be told in the morning"})
        slot = next(i for i in card["body"] if i.get("id") == "slot")
        assert slot["choices"][0]["value"] == "2026-11-23T20:00:00+00:00"
    finally:
        await stop_bot(bot)


async def test_the_emergency_duty_teams_sunday_night_meeting_is_not_called_a_day_off(tmp_path, clock):
    """A procedures expert's trial: the EDT's own meeting, tonight as its rule requires, read "21:00 today (⚠ a
    Sunday, not a working day)"; the warning is for a day team's meeting set on such a day."""
    clock.set(datetime(2026, 11, 22, 19, 5, tzinfo=timezone.utc))  # Sunday evening
    bot = await start_bot(make_settings(tmp_path), clock)
    try:
        chair, card = await referred(bot, "serious_neglect", received_at="19:00")
        assert "Emergency Duty Team" in texts_of(card)
        card = await chair.press("convene.next")
        dsl = next(i["id"] for i in _inputs(card) if i["id"].startswith("invite_") and "education" in i["_label"])
        card = await chair.press("convene.next", {dsl: "false", dsl.replace("invite_", "reason_"): "school closed"})
        slot = next(i for i in card["body"] if i.get("id") == "slot")["choices"][0]["value"]
        card = await chair.press("convene.next", {"slot": slot})
        assert "Meeting: 20:00 today" in texts_of(card) and "not a working day" not in texts_of(card), texts_of(card)
        await chair.press("convene.confirm")
        card = await chair.press("discussion.open", {})
        assert "not a working day" not in texts_of(card), texts_of(card)
    finally:
        await stop_bot(bot)


async def test_a_restart_in_the_middle_of_the_wizard_resumes_it(tmp_path, clock):
    settings = make_settings(tmp_path)
    bot = await start_bot(settings, clock)
    chair = Chair(bot)
    await chair.strategy()
    await chair.press("convene.next", CHILD)
    await stop_bot(bot, keep_connector=True)

    bot = await start_bot(settings, clock, connector=bot.connector)
    try:
        chair.bot = bot
        card = await chair.press("convene.next", INJURY)  # the same card, pressed after the restart
        assert "3 of 5 · Assessment and invitees" in texts_of(card)
        sent = await chair.say("strategy")  # coming back later in the chat resumes the same draft
        assert "draft in progress" in sent[0]["text"]
        resumed = [a for a in sent if a["_method"] == "POST"][-1]["attachments"][0]["content"]  # (the older card is retired by a PUT)
        assert resumed["actions"][0]["data"]["discussion_id"] == chair.discussion_id
        assert "3 of 5" in texts_of(resumed)
    finally:
        await stop_bot(bot)


async def test_two_chairs_do_not_see_each_others_drafts(running_bot):
    sam, kim = Chair(running_bot), Chair(running_bot, aad_id="aad-chair-2", user_id="29:2kim", name="Kim Chair")
    await sam.strategy()
    await sam.press("convene.next", CHILD)
    await kim.strategy()
    assert kim.discussion_id != sam.discussion_id
    card = await kim.press("convene.open", {"discussion_id": sam.discussion_id}, keep_inputs=False)
    assert "Only the chair who started this strategy discussion can change it." in texts_of(card)
    assert "CR-104233" not in texts_of(card)


async def test_a_non_chair_cannot_convene(tmp_path, clock):
    bot = await start_bot(make_settings(tmp_path, chair_aad_ids=("aad-chair-1",)), clock)
    try:
        outsider = Chair(bot, aad_id="aad-visitor", user_id="29:visitor", name="Visitor")
        sent = await outsider.say("/strategy")
        assert "only team managers on the chairs list can convene" in sent[0]["text"]
        assert not any(a.get("attachments") for a in sent)
        sent = await outsider.say("contacts")
        assert sent[0]["text"] == "Sorry, the contacts directory is for chairs."
        chair = Chair(bot)
        assert "1 of 5" in texts_of(await chair.strategy())
        sent = await chair.say("contacts")
        assert "DS Pat Placeholder (fictional)" in sent[0]["text"]
    finally:
        await stop_bot(bot)


async def test_the_same_confirm_delivered_twice_creates_one_meeting(running_bot, tmp_path):
    chair = Chair(running_bot)
    await convene(chair)
    confirm = chair.card
    first = await chair.press("convene.confirm")
    chair.card = confirm
    second = await chair.press("convene.confirm")  # Teams retries the same invoke
    await running_bot.services.drain()
    assert "Creating the meeting" in texts_of(first)
    # The repeat shows the discussion as it now is (being created, or created: the outbox may already
    # have finished), titled with the case; it never starts a second creation.
    assert texts_of(second).startswith("Strategy discussion CR-104233 (AB)")
    assert "Creating the meeting" not in texts_of(second)
    assert len(list((tmp_path / "invitations").glob("*.ics"))) == 1
    async with running_bot.services.uow() as uow:
        events = await uow.audit.for_subject("discussion", chair.discussion_id)
        assert [e.action for e in events].count("meeting.created") == 1
        discussion = await uow.discussions.get(chair.discussion_id)
        assert discussion.status == "convened"
        assert len(discussion.invitations) == len({i.email for i in discussion.invitations})


async def test_an_old_wizard_card_pressed_after_convening_shows_the_discussion_not_the_wizard(running_bot):
    chair = Chair(running_bot)
    await convene(chair)
    confirm = chair.card
    await chair.press("convene.confirm")
    await running_bot.services.drain()
    chair.card = confirm
    card = await chair.press("convene.back")  # the confirm card still open on another device
    words = texts_of(card)
    assert "Strategy discussion CR-104233" in words and "5 of 5 · Confirm" not in words and "4 of 5" not in words
    async with running_bot.services.uow() as uow:
        assert (await uow.discussions.get(chair.discussion_id)).status == "convened"


async def test_invoke_replies_are_valid_http_json_not_a_500(running_bot):
    # botbuilder 4.17.1 serialises invoke bodies twice and answers 500; our edge answers once.
    chair = Chair(running_bot)
    await chair.strategy()
    response = await chair.press("convene.open", raw=True)
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert (await response.json())["value"]["type"] == "AdaptiveCard"


async def test_cancel_sends_nothing(running_bot, tmp_path):
    chair = Chair(running_bot)
    await chair.strategy()
    card = await chair.press("convene.cancel")
    assert "Cancel this draft?" in texts_of(card)  # asked first
    card = await chair.press("convene.open")  # No, go back: the draft is as it was
    assert "1 of 5 · The child" in texts_of(card)
    second = chair.invoke("convene.cancel")  # a double-click: its second press comes from the same card
    await chair.press("convene.cancel")
    again = await chair.answer(await running_bot.post(second))
    assert "Cancel this draft?" in texts_of(again)  # asked again, not the child's card as if Cancel did nothing
    chair.card = again
    card = await chair.press("convene.cancel_confirmed")
    assert texts_of(card) == "Draft cancelled\nThe draft was cancelled before anyone was invited; nothing was sent."
    assert not (tmp_path / "invitations").exists()


async def test_a_draft_cancelled_says_so_wherever_its_card_is_seen_not_that_the_discussion_was(running_bot):
    """A walk: a second draft for a child already convened, cancelled, read in the channel "Strategy discussion
    CR-104233 (JB): this strategy discussion was cancelled", beside the live discussion for the same child."""
    chair = Chair(running_bot, conversation="channel")
    await chair.strategy()
    await chair.press("convene.next", CHILD)
    await chair.press("convene.cancel")
    card = await chair.press("convene.cancel_confirmed")
    said = (f"Draft cancelled\nStrategy discussion {CHILD['case_reference']} ({CHILD['initials']}): a draft, cancelled before "
            "anyone was invited; nothing was sent. Any other strategy discussion for this child is unchanged.")
    assert texts_of(card) == said
    assert texts_of(await chair.press("discussion.open", keep_inputs=False)) == said  # its copy, redrawn
    # The channel's card, seen by everyone, no longer says "Being convened"; anyone opening it is told what it was.
    await running_bot.services.drain()
    [shown] = [a["attachments"][0]["content"] for a in running_bot.connector.sent if a["_method"] == "PUT"][-1:]
    assert "Draft cancelled before anyone was invited; nothing was sent." in texts_of(shown)
    colleague = {"aad_id": "aad-colleague", "user_id": "29:colleague", "name": "A colleague"}
    assert texts_of(await chair.press("discussion.open", keep_inputs=False, as_person=colleague)) == said


async def test_in_a_channel_the_message_carries_only_the_case_reference_and_initials(running_bot):
    chair = Chair(running_bot, conversation="channel")
    await convene(chair)
    await chair.press("convene.confirm")
    await running_bot.services.drain()
    channel_messages = [a for a in running_bot.connector.sent if a["_conversation_id"].startswith("19:")]
    assert channel_messages
    for message in channel_messages:
        words = str(message)
        assert "Example Primary" not in words and "2016-05-04" not in words and "serious" not in words
    final = channel_messages[-1]["attachments"][0]["content"]
    assert "Strategy discussion CR-104233 (AB)" in texts_of(final)
    assert final["refresh"]["userIds"][0] == "29:1chair"


def _inputs(card: dict) -> list[dict]:
    """Inputs with the agency heading of the container they sit in."""
    found = []
    for block in card["body"]:
        if block.get("type") == "Container":
            label = block["items"][0].get("text", "")
            found += [{**i, "_label": label} for i in block["items"] if i.get("type", "").startswith("Input.")]
    return found


async def test_the_same_confirm_delivered_twice_at_once_creates_one_meeting(running_bot, tmp_path):
    import asyncio

    chair = Chair(running_bot)
    await convene(chair)
    confirm = chair.card
    first, second = await asyncio.gather(chair.press("convene.confirm", raw=True), chair.press("convene.confirm", raw=True))
    assert {first.status, second.status} == {200}
    await running_bot.services.drain()
    assert len(list((tmp_path / "invitations").glob("*.ics"))) == 1
    async with running_bot.services.uow() as uow:
        actions = [e.action for e in await uow.audit.for_subject("discussion", chair.discussion_id)]
    assert actions.count("meeting.requested") == 1 and actions.count("meeting.created") == 1
    assert confirm


async def test_a_weekend_referral_with_days_to_run_is_offered_working_hours_not_tonight(tmp_path, clock):
    clock.set(datetime(2026, 11, 22, 19, 0, tzinfo=timezone.utc))  # Sunday evening
    bot = await start_bot(make_settings(tmp_path), clock)
    try:
        chair, card = await referred(bot, "neglect", received_at="18:30")
        assert "Deadline: by 17:00 Wed 25 Nov" in texts_of(card)
        card = await chair.press("convene.next")
        slot = next(i for i in card["body"] if i.get("id") == "slot")
        assert slot["choices"][0]["value"] == "2026-11-23T09:00:00+00:00"  # Monday morning, not 20:00 on Sunday
    finally:
        await stop_bot(bot)


@pytest.mark.parametrize("together", [False, True], ids=["one after the other", "at once"])
async def test_the_same_strategy_message_delivered_again_answers_once(running_bot, together):
    # From a Playground walk: a redelivered `strategy` posted a second card and "draft in progress".
    import asyncio

    message = activities.personal(running_bot.connector.url, "/strategy")
    if together:
        answers = await asyncio.gather(*(running_bot.post(message) for _ in range(3)))
    else:
        answers = [await running_bot.post(message) for _ in range(3)]
    assert [a.status for a in answers] == [201] * 3
    await running_bot.services.drain()
    sent = [a for a in running_bot.connector.sent if a["_method"] == "POST"]
    assert len([a for a in sent if a.get("attachments")]) == 1
    assert not any("in progress" in (a.get("text") or "") for a in sent)
    async with running_bot.services.uow() as uow:
        drafts = (await uow.session.execute(text("select count(*) from discussions where status = 'draft'"))).scalar()
        started = [e.action for e in await uow.audit.for_subject("discussion", sent[-1]["attachments"][0]["content"]["actions"][0]
                                                                  ["data"]["discussion_id"])]
    assert drafts == 1 and started.count("discussion.draft_started") == 1 and "discussion.draft_resumed" not in started
    # A new message (a new activity id) still resumes the draft, as before.
    await running_bot.post(activities.personal(running_bot.connector.url, "/strategy"))
    assert any("in progress" in (a.get("text") or "") for a in running_bot.connector.sent)


async def test_an_unborn_child_with_a_school_is_refused_by_the_box_and_kept(running_bot):
    # From a Playground walk: Unborn ticked beside a school named invited the school's safeguarding lead.
    chair = Chair(running_bot)
    await chair.strategy()
    card = await chair.press("convene.next", {**CHILD, "dob": "", "unborn": "true"})
    assert "⚠ An unborn child has no education setting: clear it, or untick 'Unborn'." in texts_of(card)
    boxes = {i["id"]: i.get("value") for i in card["body"] if i.get("id")}
    assert boxes["education_setting"] == CHILD["education_setting"] and boxes["unborn"] == "true"
    card = await chair.press("convene.next", {"education_setting": ""})
    assert "2 of 5" in texts_of(card)


@pytest.mark.parametrize("line, said", [
    ("Samantha 02/04/2017", "Line 1: write initials and date of birth, day first, e.g. 'CD 02/04/2017'."),
    ("CD 31/02/2019", "Line 1: that date of birth is not a real date; write it day first, e.g. 02/04/2017."),
    ("CD 02/04/2099", "Line 1: that date of birth is in the future."),
    ("Leo 02/04/2017", "Line 1: that looks like a name: write the child's initials, in capitals, e.g. 'CD 02/04/2017'.")])
async def test_each_wrong_line_of_other_children_is_named_for_what_is_wrong_with_it(running_bot, line, said):
    # From a Playground walk: an impossible date was answered with the format hint.
    chair = Chair(running_bot)
    await chair.strategy()
    card = await chair.press("convene.next", {**CHILD, "other_children": line})
    assert f"⚠ {said}" in texts_of(card)
    assert next(i for i in card["body"] if i.get("id") == "other_children")["value"] == line


@pytest.mark.parametrize("typed, refused", [("Mia", True), ("Ella", True), ("Jo", True), ("MIA", False), ("mb", False),
                                            ("M.B.", False), ("J S", False), ("KS", False)])
async def test_a_short_first_name_typed_as_initials_is_refused_and_initials_in_any_hand_pass(running_bot, typed, refused):
    # A Playground walk typed "Mia": any 1-4 letters passed, and "(MIA)" was posted in the channel.
    chair = Chair(running_bot)
    await chair.strategy()
    card = await chair.press("convene.next", {**CHILD, "initials": typed})
    warned = "⚠ That looks like a name: enter the child's initials only, in capitals (e.g. MB). The record keeps initials, never a name."
    assert (warned in texts_of(card)) is refused
    assert ("2 of 5" in texts_of(card)) is not refused


async def test_a_case_reference_in_the_initials_box_is_said_to_belong_in_its_own(running_bot):
    """A walk typed CR-104233 as the initials, and was told it looked like a name."""
    chair = Chair(running_bot)
    await chair.strategy()
    card = await chair.press("convene.next", {**CHILD, "initials": "CR-104233"})
    assert ("⚠ Initials are letters only (e.g. JS): a reference with digits, such as the case reference, goes in its own box "
            "above.") in texts_of(card)
    assert inputs_of(card)["initials"] == "CR-104233"


@pytest.mark.parametrize("typed", ["9.30", "09.30", "9:30"])
async def test_a_received_time_written_with_a_dot_is_read_as_the_clock_time(running_bot, typed):
    # Many in the UK write 9.30: it was refused as not a time.
    chair = Chair(running_bot)
    await chair.strategy()
    await chair.press("convene.next", CHILD)
    card = await chair.press("convene.next", {**INJURY, "received_time": typed})
    assert "⚠" not in texts_of(card) and "3 of 5" in texts_of(card)
    async with running_bot.services.uow() as uow:
        received = (await uow.discussions.get(chair.discussion_id, load=())).facts["received_at"]
    assert received == "2026-11-23T09:30:00+00:00"  # 09:30 on the clock in London (GMT in November)


async def test_a_case_that_already_has_a_discussion_is_pointed_out_and_not_refused(running_bot):
    # Noticed on earlier walks: a second discussion for the same child was opened without a word.
    first = Chair(running_bot)
    await convene(first)
    await first.press("convene.confirm")
    await running_bot.services.drain()  # the meeting made: the discussion is convened
    second = Chair(running_bot, aad_id="aad-chair-2", user_id="29:2chair", name="Alex Chair")
    await second.strategy()
    card = await second.press("convene.next", CHILD)
    assert "2 of 5" in texts_of(card)
    warning = ("⚠ CR-104233 already has a strategy discussion (started 23/11/2026 by Sam Chair, now convened). Carry on if "
               "this is a new concern. For a review, cancel this draft and press Start a review discussion on that "
               "discussion's card: a review keeps to the case's clocks, where this counts as a new referral.")
    assert warning in texts_of(card)
    card = await second.press("convene.back")
    card = await second.press("convene.next", {"case_reference": "CR-999"})  # another case: no warning
    assert "2 of 5" in texts_of(card) and "already has" not in texts_of(card)
    card = await second.press("convene.next", INJURY)
    assert "3 of 5" in texts_of(card)  # nothing refused
    # A draft for it still being written is pointed out too (a walk: a second draft for a child being convened, no word).
    third = Chair(running_bot, aad_id="aad-chair-3", user_id="29:3chair", name="Jo Chair")
    await third.strategy()
    card = await third.press("convene.next", {**CHILD, "case_reference": "CR-999"})
    assert "⚠ CR-999 already has a strategy discussion (started 23/11/2026 by Alex Chair, now a draft, not yet convened)." \
        in texts_of(card)


async def test_a_new_draft_says_where_the_chairs_other_draft_goes_on(running_bot):
    """A re-walk: after a restart the chair posted `strategy` anew in the channel, a thread of its own, and
    met an empty card with no word of the draft in the other thread."""
    chair = Chair(running_bot)
    await chair.strategy()
    await chair.press("convene.next", CHILD)  # the draft now has its case reference
    post = activities.channel_mention(running_bot.connector.url, "strategy", **chair.person)
    post["conversation"] = {**post["conversation"], "id": "19:mash-channel@thread.tacv2;messageid=1700000009999"}
    before = len(running_bot.connector.sent)
    assert (await running_bot.post(post)).status == 201
    said = [a.get("text") or "" for a in running_bot.connector.sent[before:]]
    # In the channel, not which case: its members are not those of the chair's other chat (the hostile trial).
    assert any("This is a new draft. You also have a draft in progress in another chat or thread: "
               "type `strategy` there to carry on with it, or cancel it." in s for s in said), said
    assert not any("CR-104233" in s for s in said)


async def test_a_confirm_from_an_older_card_or_before_the_time_is_chosen_creates_nothing(running_bot, tmp_path):
    """The hostile trial: a Confirm kept from before two Backs convened the meeting (invitations sent);
    one pressed before the time was chosen failed the turn. Both show the draft as it stands."""
    chair = Chair(running_bot)
    await chair.strategy()
    early = await chair.press("convene.confirm", {"discussion_id": chair.discussion_id}, keep_inputs=False)
    assert "1 of 5" in texts_of(early)
    await convene(chair)
    stale = chair.invoke("convene.confirm", keep_inputs=False)  # the confirm card's own button
    await chair.press("convene.back", keep_inputs=False)
    card = await chair.press("convene.back", keep_inputs=False)
    assert "3 of 5" in texts_of(card)
    again = await chair.answer(await running_bot.post(stale))
    assert "3 of 5" in texts_of(again) and "Creating the meeting" not in texts_of(again)
    async with running_bot.services.uow() as uow:
        discussion = await uow.discussions.get(chair.discussion_id)
        created = [e.kind for e in await uow.effects.for_discussion(chair.discussion_id) if e.kind.startswith("meeting.")]
    assert discussion.status == "draft" and created == []
    assert not list(tmp_path.glob("invitations/*.ics"))


async def test_cancel_typed_mid_wizard_says_how_to_cancel_and_cancels_nothing(running_bot):
    """A walk typed `cancel` with a draft half done and was told "Sorry, I don't understand that"."""
    chair = Chair(running_bot)
    await chair.strategy()
    await chair.press("convene.next", CHILD)
    [said] = [a["text"] for a in await chair.say("cancel")]
    assert said.startswith("Nothing is cancelled by typing. To cancel a draft, press **Cancel** on its card (it asks first)")
    async with running_bot.services.uow() as uow:
        assert (await uow.discussions.get(chair.discussion_id)).status == "draft"


async def test_an_unborn_child_in_bristol_suggests_the_safeguarding_midwife(tmp_path, clock):
    """Bristol's procedure lists the midwife among the health services to consider (not the minimum):
    offered for an unborn child, from the directory, ticked as every suggestion with a contact is."""
    from .chair import invitee_rows

    clock.set(datetime(2027, 6, 2, 10, 0, tzinfo=ZoneInfo("Europe/London")))  # a Wednesday morning
    bot = await start_bot(make_settings(tmp_path, protocol_profile="bristol",
                                        contacts_file=ROOT / "storage" / "directories" / "bristol.yaml"), clock)
    try:
        chair = Chair(bot)
        await chair.strategy()
        await chair.press("convene.next", {"case_reference": "CR-104233", "initials": "AB", "unborn": "true"})
        card = await chair.press("convene.next", {"concerns": "domestic_abuse", "received_time": "09:30"})
        [row] = [r for r in invitee_rows(card) if "Midwife (maternity safeguarding)" in texts_of({"body": [r]})]
        words = texts_of({"body": [row]})
        assert "Mo Midwife (fictional)" in words and "the child is unborn" in words
        assert inputs_of({"body": [row]})[next(k for k in inputs_of({"body": [row]}) if k.startswith("invite_"))] == "true"
    finally:
        await stop_bot(bot)
