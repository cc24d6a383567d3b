"""Convening through the real msgraph-sdk code path (fake Graph on 127.0.0.1), and the replies:
Teams cards for invitees the bot can reach, the calendar event's status for everyone else."""
import asyncio

import pytest

from app import OUTBOX
from scheduling.meetings.graph import GraphMeetingProvider, graph_client
from storage.directory import example_path
from tests.conftest import make_settings, no_wait, start_bot, stop_bot
from tests.support import activities
from tests.support.fake_graph import Fault, FakeCredential

from .chair import Chair, inputs_of, texts_of
from .test_convene import convene

POLICE_AAD = "aad-police-ds"


@pytest.fixture
async def bot(tmp_path, clock, graph):
    # The example directory, with the police DS reachable in Teams (same tenant, app installed).
    directory = tmp_path / "contacts.yaml"
    directory.write_text(example_path("hackney").read_text().replace(
        "    email: cait.ds@hackney.example.org\n", f"    email: cait.ds@hackney.example.org\n    aad_object_id: {POLICE_AAD}\n"))
    provider = GraphMeetingProvider(graph_client(credential=FakeCredential(), base_url=graph.base_url), organiser="meetings@council.example.org",
                                    sleep=no_wait, timeout=2)
    running = await start_bot(make_settings(tmp_path, contacts_file=directory), clock, meetings=provider)
    yield running
    await stop_bot(running)


async def convened_through_graph(bot, graph) -> tuple[Chair, str]:
    """A discussion convened by the chair, its Teams meeting made: the chair and the event's id."""
    chair = Chair(bot)
    await convene(chair)
    await chair.press("convene.confirm")
    await bot.services.drain()
    [event_id] = graph.events
    return chair, event_id


def final_card(bot) -> dict:
    return [a for a in bot.connector.sent if a["_method"] == "PUT"][-1]["attachments"][0]["content"]


async def test_a_graph_429_then_success_creates_exactly_one_event(bot, graph):
    chair = Chair(bot)
    confirm = await convene(chair)
    assert "Creating the meeting sends Teams invitations to everyone above." in texts_of(confirm)
    no_wait.waits.clear()
    graph.faults = [Fault(429, retry_after="12")]
    await chair.press("convene.confirm")
    await bot.services.drain()
    assert len(graph.events) == 1
    assert no_wait.waits == [12.0]
    [event] = graph.events.values()
    assert event["subject"] == "Strategy discussion CR-104233 (AB)"
    assert event["transactionId"] == chair.discussion_id
    assert "Example Primary" not in event["body"]["content"] and "2016" not in event["body"]["content"]
    card = final_card(bot)
    assert "Teams invitations sent." in texts_of(card)
    assert any(a.get("type") == "Action.OpenUrl" for a in card["actions"])


async def test_a_final_graph_failure_is_told_to_the_chair_and_the_draft_can_be_retried(bot, graph):
    chair = Chair(bot)
    await convene(chair)
    graph.faults = [Fault(403)]  # the access policy does not cover the organiser's mailbox: retrying will not help
    await chair.press("convene.confirm")
    await bot.services.drain()
    assert graph.events == {}
    # A refusal, not a failure to get through: the chair is told that Retry meets the same answer until IT acts, and
    # that the deadline still runs (a Graph trial: a 403 told the chair only "try again").
    note = [a for a in bot.connector.sent if a.get("text") and "refused the meeting" in a["text"]]
    assert note and "CR-104233 (AB)" in note[0]["text"] and "Microsoft Graph answered 403" in note[0]["text"]
    assert "refused the same way until your IT team has fixed this" in note[0]["text"]
    assert "must still be held by its deadline" in note[0]["text"]
    retry = final_card(bot)
    assert "⚠ The calendar refused the meeting: Microsoft Graph answered 403" in texts_of(retry)
    assert "Retry will be refused the same way until your IT team has fixed this" in texts_of(retry)
    assert "Retry creating the meeting" in [a["title"] for a in retry["actions"]]  # for when IT has fixed it

    chair.card = retry  # nothing entered is lost: retry from the same card
    await chair.press("convene.confirm")
    await bot.services.drain()
    assert len(graph.events) == 1
    [event] = graph.events.values()
    assert any(a["emailAddress"]["address"] == "named.doctor@hackney.example.org" for a in event["attendees"])


async def test_graph_down_is_retried_with_backoff_then_told_to_the_chair(bot, graph):
    """503 on every try: each delivery makes Graph's four quick tries, the outbox waits 5, 10, 20,
    40 and 80 s between six deliveries, then the chair is told, and the discussion is a draft again."""
    chair = Chair(bot)
    await convene(chair)
    graph.faults = [Fault(503)] * 24
    await chair.press("convene.confirm")
    await bot.services.drain()
    for wait in (5, 10, 20, 40):
        bot.services.clock.advance(seconds=wait)
        await bot.server.app[OUTBOX].run()
        async with bot.services.uow() as uow:
            assert (await uow.discussions.get(chair.discussion_id, load=())).status == "convening"
    assert not [a for a in bot.connector.sent if "could not be created" in (a.get("text") or "")]
    bot.services.clock.advance(seconds=80)
    await bot.server.app[OUTBOX].run()
    await bot.services.drain()
    assert graph.faults == [] and graph.events == {}
    async with bot.services.uow() as uow:
        discussion = await uow.discussions.get(chair.discussion_id, load=())
        [effect] = [e for e in await uow.effects.for_discussion(chair.discussion_id) if e.kind == "meeting.create"]
    assert (discussion.status, effect.state, effect.attempts) == ("draft", "failed", 6)
    assert "failed after 4 attempts" in discussion.draft["meeting_error"]
    assert [a for a in bot.connector.sent if "could not be created" in (a.get("text") or "")]
    # Given up on, not refused: trying again later may well work, and nothing sends the chair to IT.
    assert not [a for a in bot.connector.sent if "IT team" in (a.get("text") or "")]
    assert "Nothing you entered is lost; try again." in texts_of(final_card(bot))


async def test_invitees_reply_on_cards_and_in_outlook_and_the_chair_sees_the_quorum(bot, graph):
    chair = Chair(bot)
    await convene(chair)
    await chair.press("convene.confirm")
    await bot.services.drain()
    # The DS is reachable in Teams: a personal RSVP card arrives.
    [conversation] = bot.connector.conversations
    assert conversation["members"][0]["id"] == POLICE_AAD
    assert conversation["bot"]["id"] == activities.BOT_ID  # the bot names itself, as Teams' createConversation expects
    rsvp = [a for a in bot.connector.sent if a["_conversation_id"] == conversation["id"]][0]["attachments"][0]["content"]
    assert [a["title"] for a in rsvp["actions"]][-4:] == ["Accept", "Decline", "Send a delegate", "Attend to share information only"]

    police = {"aad_id": POLICE_AAD, "user_id": "29:police", "name": "DS Pat"}
    invitation_id = rsvp["actions"][-1]["data"]["invitation_id"]
    card = await chair.press("rsvp.decline", {"invitation_id": invitation_id}, keep_inputs=False, as_person=police)
    assert "⚠ Say how your agency's information will reach the chair." in texts_of(card)
    card = await chair.press("rsvp.decline", {"invitation_id": invitation_id, "apologies": "on a warrant",
                                              "information_route": "PPU checks emailed by noon"}, keep_inputs=False,
                             as_person=police)
    assert "Your reply: **declined**" in texts_of(card)
    await bot.services.drain()
    told = [a["text"] for a in bot.connector.sent if a.get("text") and "declined and nobody else" in a["text"]]
    assert told and "Next to try: DI Lee Lead (fictional)" in told[0]

    # Health answers in Outlook: the chair's card reads it from the calendar event.
    event_id = next(iter(graph.events))
    graph.respond(event_id, "mash.health@hackney.example.org", "accepted")
    view = await chair.press("discussion.open", keep_inputs=False)
    words = texts_of(view)
    assert "Health: ✓ confirmed" in words
    assert "Police: ✗ declined" in words
    assert "**Quorum not yet confirmed**" in words
    assert "PPU checks emailed by noon" in words

    stranger = {"aad_id": "aad-stranger", "user_id": "29:stranger", "name": "Nosy"}
    card = await chair.press("discussion.open", keep_inputs=False, as_person=stranger)
    assert "Only the chair and the people invited" in texts_of(card)
    assert "PPU" not in texts_of(card)
    async with bot.services.uow() as uow:
        actions = [e.action for e in await uow.audit.for_subject("discussion", chair.discussion_id)]
    assert "discussion.access_refused" in actions and "meeting.created" in actions


async def test_the_scheduled_poll_reads_calendar_replies_and_updates_the_chairs_card(bot, graph):
    chair = Chair(bot)
    await convene(chair)
    await chair.press("convene.confirm")
    await bot.services.drain()
    updates_before = len([a for a in bot.connector.sent if a["_method"] == "PUT"])
    from app import SCHEDULER

    job = bot.server.app[SCHEDULER].get_job("poll-replies")  # the app's own job, called as the scheduler would
    assert job is not None and job.trigger.interval.total_seconds() == 300
    event_id = next(iter(graph.events))
    graph.respond(event_id, "cait.ds@hackney.example.org", "accepted")
    graph.respond(event_id, "mash.health@hackney.example.org", "accepted")
    assert await job.func() == 1
    assert await job.func() == 0  # nothing new: no second update
    await bot.services.drain()  # the card's update leaves through the outbox, after the poll has answered
    updates = [a for a in bot.connector.sent if a["_method"] == "PUT"]
    assert len(updates) == updates_before + 1
    words = texts_of(updates[-1]["attachments"][0]["content"])
    assert "**Quorum confirmed**" in words


async def test_before_the_meeting_replies_records_checks_and_quorum_are_chased(bot, graph, tmp_path):
    from datetime import datetime, timezone

    from app import CHASER, OUTBOX

    chair = Chair(bot)
    await convene(chair)
    await chair.press("convene.confirm")
    await bot.services.drain()
    async with bot.services.uow() as uow:
        discussion = await uow.discussions.get(chair.discussion_id)
        assert discussion.meeting_start == datetime(2026, 11, 23, 14, 0, tzinfo=timezone.utc)
        kinds = sorted(o.kind for o in await uow.obligations.for_discussion(chair.discussion_id))
        police = next(i for i in discussion.invitations if i.agency == "police")
    assert kinds.count("rsvp") == kinds.count("record_check") == len(discussion.invitations) and "quorum_at_risk" in kinds
    sweep = bot.server.app[CHASER].sweep

    bot.services.clock.set(datetime(2026, 11, 23, 11, 0, tzinfo=timezone.utc))
    assert await sweep() == 0  # too early
    # The police DS answers on the card: accepted, and the records check is done.
    police_person = {"aad_id": POLICE_AAD, "user_id": "29:police", "name": "DS Pat"}
    await chair.press("rsvp.accept", {"invitation_id": police.id}, keep_inputs=False, as_person=police_person)
    card = await chair.press("rsvp.records", {"invitation_id": police.id, "record_check": "shared"}, keep_inputs=False,
                             as_person=police_person)
    assert "Your reply: **accepted**" in texts_of(card)
    await bot.services.drain()  # the chair's card says it at once, as it does an answer (a walk found it stale until Refresh)
    chairs = [a for a in bot.connector.sent if a["_method"] == "PUT"][-1]["attachments"][0]["content"]
    assert "records checked and shared" in texts_of(chairs)

    bot.services.clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc))
    await sweep()  # half way: everyone who has not replied is reminded; the police are not
    mails = {p.name for p in (tmp_path / "outbox").glob("*.eml")}
    assert mails and not any(police.id in m for m in mails)
    quorum = [a["text"] for a in bot.connector.sent if "Quorum at risk" in (a.get("text") or "")]
    assert quorum and "police and health have not both confirmed" in quorum[0]  # health has not confirmed

    bot.services.clock.set(datetime(2026, 11, 23, 13, 0, tzinfo=timezone.utc))
    await sweep()  # three quarters: the chair hears who has not replied, with the next contact to try
    nudges = [a["text"] for a in bot.connector.sent if "No reply yet" in (a.get("text") or "")]
    assert any("Health" in n and "Next to try: Nurse Noor Lead (fictional)" in n for n in nudges)
    assert not any("Police" in n and "owner: Police" in n for n in nudges)

    # The meeting has begun: what was owed before it is not chased after it, nor listed as breached (a walk).
    sent_before = (len(bot.connector.sent), len(list((tmp_path / "outbox").glob("*.eml"))))
    bot.services.clock.set(datetime(2026, 11, 23, 17, 30, tzinfo=timezone.utc))
    await sweep()
    await bot.services.drain()
    assert (len(bot.connector.sent), len(list((tmp_path / "outbox").glob("*.eml")))) == sent_before
    async with bot.services.uow() as uow:
        states = {o.state for o in await uow.obligations.for_discussion(chair.discussion_id)
                  if o.kind in ("rsvp", "record_check", "quorum_at_risk")}
    assert states <= {"cancelled", "satisfied"} and "cancelled" in states


async def test_the_chair_invites_someone_else_moves_and_cancels_the_meeting(bot, graph):
    chair = Chair(bot)
    await convene(chair)
    await chair.press("convene.confirm")
    await bot.services.drain()
    chair.card = None
    event_id = next(iter(graph.events))
    card = await chair.press("discussion.invite", {"add_agency": "specialist", "add_name": "Dr FII Expert",
                                                   "add_email": "fii@nhs.example.org"}, keep_inputs=False)
    assert "Dr FII Expert: no reply yet" in texts_of(card)
    await bot.services.drain()
    assert "fii@nhs.example.org" in [a["emailAddress"]["address"] for a in graph.events[event_id]["attendees"]]
    card = await chair.press("discussion.move", {"move_date": "2026-11-23", "move_time": "15:30"}, keep_inputs=False)
    assert "Meeting: 15:30 today" in texts_of(card)
    await bot.services.drain()
    assert graph.events[event_id]["start"]["dateTime"] == "2026-11-23T15:30:00"
    card = await chair.press("discussion.cancel", {"cancel_reason": ""}, keep_inputs=False)
    assert "⚠ Say why: it is kept on the record; invitees are told only that the meeting is cancelled." in texts_of(card)
    graph.faults = [Fault(503)] * 4  # Graph is down for the whole of the first delivery (its four tries)
    card = await chair.press("discussion.cancel", {"cancel_reason": "child now safe with grandmother"}, keep_inputs=False)
    assert "is being cancelled and everyone invited told" in texts_of(card)
    await bot.services.drain()
    assert graph.events[event_id]["isCancelled"] is False
    bot.services.clock.advance(seconds=5)  # the outbox's first backoff
    assert await bot.server.app[OUTBOX].run() == 1
    assert graph.events[event_id]["isCancelled"] is True
    async with bot.services.uow() as uow:
        states = {o.state for o in await uow.obligations.for_discussion(chair.discussion_id)}
        actions = [e.action for e in await uow.audit.for_subject("discussion", chair.discussion_id)]
    assert states == {"cancelled"}
    async with bot.services.uow() as uow:
        keys = [o.key for o in await uow.obligations.for_discussion(chair.discussion_id)]
        expert = next(i for i in (await uow.discussions.get(chair.discussion_id)).invitations if i.email == "fii@nhs.example.org")
    assert f"{chair.discussion_id}:rsvp:{expert.id}" in keys
    assert {"meeting.invite", "meeting.move", "meeting.cancel"} <= set(actions)


async def test_cancelling_tells_everyone_invited_that_it_is_cancelled_and_never_the_chairs_typed_reason(bot, graph):
    """A privacy trial: the reason typed on the chair's card went word for word as Graph's cancel
    comment, which Graph emails to every attendee, police and NHS in other tenants included."""
    chair, event_id = await convened_through_graph(bot, graph)
    chair.card = None
    reason = "Jayden's mother withdrew him; now with his grandmother Mrs Smith"
    card = await chair.press("discussion.cancel", {"cancel_reason": reason}, keep_inputs=False)
    await bot.services.drain()
    event = graph.events[event_id]
    assert event["isCancelled"] is True
    assert event["cancelComment"] == ("Strategy discussion CR-104233 (AB) is cancelled by the chair. "
                                      "The reason is on the record; ask the chair if you need it.")
    async with bot.services.uow() as uow:
        [cancel] = [e for e in await uow.effects.for_discussion(chair.discussion_id) if e.kind == "meeting.cancel"]
        [audited] = [e for e in await uow.audit.for_subject("discussion", chair.discussion_id) if e.action == "meeting.cancel"]
    assert "Jayden" not in str(cancel.payload)  # the outbox holds nothing for the provider to pass on
    assert audited.details["reason"] == reason  # the record keeps it, for the chair
    assert "everyone invited told (not why: your reason stays on the record)" in texts_of(card)


async def test_chairs_can_be_the_members_of_a_security_group(tmp_path, clock, graph):
    from bot.access import GraphGroupMembership

    graph.group_members["grp-chairs"] = {"aad-chair-1"}
    group = GraphGroupMembership(graph_client(credential=FakeCredential(), base_url=graph.base_url), "grp-chairs")
    running = await start_bot(make_settings(tmp_path), clock, chairs_group=group)
    try:
        assert "1 of 5" in texts_of(await Chair(running).strategy())
        outsider = Chair(running, aad_id="aad-visitor", user_id="29:visitor", name="Visitor")
        assert "only team managers on the chairs list" in (await outsider.say("/strategy"))[0]["text"]
        asked = [r for r in graph.requests if r[1].endswith("/checkMemberGroups")]
        await Chair(running).say("contacts")  # remembered: no second look-up for the same chair
        assert len([r for r in graph.requests if r[1].endswith("/checkMemberGroups")]) == len(asked) == 2
        graph.faults = [Fault(503)]
        stranger = Chair(running, aad_id="aad-other", user_id="29:other", name="Other")
        said = (await stranger.say("/strategy"))[0]["text"]  # Graph down: not let in, and told it could not be checked
        assert "could not check whether you are on the chairs list" in said and "Microsoft Graph did not answer" in said
    finally:
        await stop_bot(running)


async def test_with_group_member_read_all_alone_graph_refuses_and_the_chair_is_told_it_is_a_permission(tmp_path, clock, graph, caplog):
    """checkMemberGroups with application permissions needs User.Read.All as well (Graph reference)."""
    from bot.access import GraphGroupMembership

    graph.group_members["grp-chairs"] = {"aad-chair-1"}
    graph.permissions = {"GroupMember.Read.All"}
    group = GraphGroupMembership(graph_client(credential=FakeCredential(), base_url=graph.base_url), "grp-chairs")
    running = await start_bot(make_settings(tmp_path), clock, chairs_group=group)
    try:
        said = (await Chair(running).say("/strategy"))[0]["text"]
        assert "not allowed to read the chairs group" in said and "only team managers" not in said
        assert "User.Read.All and GroupMember.Read.All" in caplog.text
    finally:
        await stop_bot(running)


async def test_an_organiser_without_teams_gets_calendar_invitations_and_the_chair_is_told_there_is_no_teams_meeting(bot, graph):
    graph.teams_enabled = False
    chair = Chair(bot)
    await convene(chair)
    await chair.press("convene.confirm")
    await bot.services.drain()
    card = final_card(bot)
    assert "no Teams meeting was created" in texts_of(card) and "Teams invitations sent." not in texts_of(card)
    assert not any(a.get("type") == "Action.OpenUrl" for a in card.get("actions", []))  # no Join button


async def test_moving_the_meeting_asks_everyone_again_as_exchange_clears_their_replies(bot, graph):
    chair, event_id = await convened_through_graph(bot, graph)
    graph.respond(event_id, "cait.ds@hackney.example.org", "accepted")
    graph.respond(event_id, "mash.health@hackney.example.org", "accepted")
    chair.card = None
    assert "**Quorum confirmed**" in texts_of(await chair.press("discussion.open", keep_inputs=False))
    chair.card = None
    card = await chair.press("discussion.move", {"move_date": "2026-11-23", "move_time": "16:00"}, keep_inputs=False)
    await bot.services.drain()
    assert {a["status"]["response"] for a in graph.events[event_id]["attendees"]} == {"none"}  # Exchange asked them again
    chair.card = None
    card = await chair.press("discussion.open", keep_inputs=False)
    assert "**Quorum not yet confirmed**" in texts_of(card)
    assert "Police: … awaiting reply" in texts_of(card) and "Health: … awaiting reply" in texts_of(card)
    async with bot.services.uow() as uow:
        rsvps = [o for o in await uow.obligations.for_discussion(chair.discussion_id) if o.kind == "rsvp"]
    assert rsvps and {o.state for o in rsvps} == {"open"}  # the reply chases run again, for the new time


async def test_a_delegate_is_invited_through_graph_and_someone_forwarded_the_invitation_is_kept(bot, graph):
    chair, event_id = await convened_through_graph(bot, graph)
    # Someone the health invitee forwarded the invitation to: Exchange added them to the event.
    graph.events[event_id]["attendees"].append({"emailAddress": {"address": "forwarded.nurse@nhs.example.org"},
                                                "type": "required", "status": {"response": "none"}})
    [conversation] = bot.connector.conversations
    rsvp = [a for a in bot.connector.sent if a["_conversation_id"] == conversation["id"]][0]["attachments"][0]["content"]
    police = {"aad_id": POLICE_AAD, "user_id": "29:police", "name": "DS Pat"}
    data = {"discussion_id": chair.discussion_id, "invitation_id": rsvp["actions"][-1]["data"]["invitation_id"],
            "delegate_name": "DC Lee", "delegate_email": "dc.lee@police.example.org"}
    await chair.press("rsvp.delegate", data, keep_inputs=False, as_person=police)
    await bot.services.drain()
    emails = {a["emailAddress"]["address"].lower() for a in graph.events[event_id]["attendees"]}
    assert "dc.lee@police.example.org" in emails  # the delegate has the invitation and its join link
    assert "forwarded.nurse@nhs.example.org" in emails  # not dropped by the bot's attendee update
    assert "cait.ds@hackney.example.org" in emails


async def test_move_invite_and_cancel_answer_the_card_at_once_and_graph_works_after(bot, graph):
    """Card invokes must answer within Teams' few seconds: the Graph work goes through the outbox,
    so a Graph that does not answer at all cannot hold the chair's press."""
    chair = Chair(bot)
    await convene(chair)
    await chair.press("convene.confirm")
    await bot.services.drain()
    graph.faults = [Fault(hang=True), Fault(hang=True)]  # Graph stops answering (for the outbox's next two calls)
    before = len(graph.requests)
    chair.card = None
    card = await asyncio.wait_for(chair.press("discussion.move", {"move_date": "2026-11-23", "move_time": "16:00"},
                                              keep_inputs=False), 5)
    assert "**Meeting: 16:00 today**" in texts_of(card)
    chair.card = None
    card = await asyncio.wait_for(chair.press("discussion.invite", {"add_agency": "specialist", "add_name": "Dr Expert",
                                                                    "add_email": "expert@nhs.example.org"}, keep_inputs=False), 5)
    assert "Dr Expert" in texts_of(card)
    assert len(graph.requests) == before or all(r[0] in ("GET", "PATCH") for r in graph.requests[before:])


@pytest.mark.parametrize("together", [False, True])
async def test_a_double_click_on_an_invitation_answers_once_and_accept_and_decline_at_once_the_first(bot, graph, together):
    """From a hostile-input trial: each click has its own activity id, so a double-click on Accept was
    audited twice and redrew the chair's card twice; Accept and Decline pressed together were both applied."""
    from sqlalchemy import select

    from storage.models import AuditEvent

    chair, _ = await convened_through_graph(bot, graph)
    [conversation] = bot.connector.conversations
    rsvp = Chair(bot)
    rsvp.discussion_id, rsvp.card = chair.discussion_id, [
        a for a in bot.connector.sent if a["_conversation_id"] == conversation["id"]][0]["attachments"][0]["content"]
    police = {"aad_id": POLICE_AAD, "user_id": "29:police", "name": "DS Pat"}
    route = {"apologies": "on a warrant", "information_route": "PPU checks emailed by noon"}

    async def press_all(*clicks):
        if together:
            return [await rsvp.answer(r) for r in await asyncio.gather(*(bot.post(c) for c in clicks))]
        return [await rsvp.answer(await bot.post(c)) for c in clicks]

    puts_before = len([a for a in bot.connector.sent if a["_method"] == "PUT"])
    answers = await press_all(*(rsvp.invoke("rsvp.accept", keep_inputs=False, as_person=police) for _ in range(2)))
    await bot.services.drain()
    assert all("Your reply: **accepted**" in texts_of(a) for a in answers)
    # Accept and Decline from the same (older) card: the first stands, the second is shown the answer as it is.
    answers = await press_all(rsvp.invoke("rsvp.decline", route, keep_inputs=False, as_person=police),
                              rsvp.invoke("rsvp.accept", keep_inputs=False, as_person=police))
    await bot.services.drain()
    async with bot.services.uow() as uow:
        discussion = await uow.discussions.get(chair.discussion_id)
        [invitation] = [i for i in discussion.invitations if i.agency == "police"]
        audits = [a.action for a in (await uow.session.execute(
            select(AuditEvent).where(AuditEvent.subject_id == invitation.id))).scalars()]
    assert audits.count("rsvp.accepted") == 1
    # The older card's presses change nothing: the answer is still the first one.
    assert invitation.rsvp == "accepted" and audits.count("rsvp.declined") == 0
    assert all("Your reply: **accepted**" in texts_of(a) for a in answers)
    # Each is told why nothing changed, and the declined one keeps what was typed (a re-walk found it emptied).
    assert all("⚠ You had already answered (accepted) when you pressed, so nothing was changed: to change your answer, "
               "press it again." in texts_of(a) for a in answers)
    boxes = inputs_of(answers[0])
    assert (boxes["apologies"], boxes["information_route"]) == ("on a warrant", "PPU checks emailed by noon")
    puts = [a for a in bot.connector.sent if a["_method"] == "PUT"]
    assert len(puts) - puts_before == 1  # the chair's card redrawn once, for the one answer that changed it
    # Pressed on the card the answer came back on: a change of mind is taken.
    rsvp.card = answers[0]
    [declined] = await press_all(rsvp.invoke("rsvp.decline", route, keep_inputs=False, as_person=police))
    assert "Your reply: **declined**" in texts_of(declined)


async def test_a_meeting_made_whose_answer_was_lost_is_never_told_as_nothing_sent_and_cancelling_the_draft_cancels_it(bot, graph):
    """A Graph trial: the first try made the meeting but its answer never came; Graph then answered 503 to the
    end. The chair was told it could not be created, and Cancel said "Nothing has been sent to anyone", while
    every invitee had the meeting in their calendar, uncancelled and unknown to the bot."""
    chair = Chair(bot)
    await convene(chair)
    graph.faults = [Fault(hang=True), *[Fault(503)] * 23]  # made, unanswered; then down for every try after
    await chair.press("convene.confirm")
    await bot.services.drain()
    for wait in (5, 10, 20, 40, 80):
        bot.services.clock.advance(seconds=wait)
        await bot.server.app[OUTBOX].run()
    await bot.services.drain()
    [event] = graph.events.values()
    assert event["isCancelled"] is False  # made, with its invitations
    [note] = [a["text"] for a in bot.connector.sent if "could not be created" in (a.get("text") or "")]
    assert "so the meeting may have been made and its invitations sent" in note and "or Cancel, which cancels it too" in note
    card = await chair.press("convene.cancel", keep_inputs=False)
    assert "Nothing has been sent to anyone" not in texts_of(card)
    assert "may have been made and its invitations sent" in texts_of(card)
    card = await chair.press("convene.cancel_confirmed", keep_inputs=False)
    assert "nothing was sent" not in texts_of(card) and "is being cancelled in the calendar" in texts_of(card)
    await bot.services.drain()
    assert len(graph.events) == 1 and event["isCancelled"] is True  # the same meeting, found by its transaction id
    async with bot.services.uow() as uow:
        assert "meeting.withdrawn" in [e.action for e in await uow.audit.for_subject("discussion", chair.discussion_id)]


async def test_a_move_the_calendar_refused_can_be_sent_again_from_the_chairs_note(bot, graph):
    """A Graph trial: a move refused by Graph (403) was recorded by the bot, and Move to the same time again said
    "already at that time", so the invitees' calendars kept the old time with no way to put it right."""
    chair, event_id = await convened_through_graph(bot, graph)
    chair.card = None
    graph.faults = [Fault(403)]
    await chair.press("discussion.move", {"move_date": "2026-11-23", "move_time": "16:00"}, keep_inputs=False)
    await bot.services.drain()
    assert graph.events[event_id]["start"]["dateTime"] != "2026-11-23T16:00:00"
    [note] = [a["attachments"][0]["content"] for a in bot.connector.sent
              if a.get("attachments") and "The calendar is not up to date" in texts_of(a["attachments"][0]["content"])]
    assert "moving the meeting in the calendar failed" in texts_of(note)
    [again] = note["actions"]
    assert again["title"] == "Send to the calendar again"
    outsider = {"aad_id": "aad-someone", "user_id": "29:someone", "name": "Someone"}
    refused = await chair.press(again["verb"], again["data"], keep_inputs=False, as_person=outsider)
    assert "Only the chair" in texts_of(refused)
    for forged in ({"failed": f"{chair.discussion_id}:made-up"}, {"kind": "meeting.cancel"}, {"failed": "another:discussion"}):
        card = await chair.press(again["verb"], {**again["data"], **forged}, keep_inputs=False)  # only what the calendar refused
        assert "That button is no longer supported" in texts_of(card), texts_of(card)
    for _ in range(2):  # pressed twice: sent once
        card = await chair.press(again["verb"], again["data"], keep_inputs=False)
        assert "moving the meeting is being sent to the calendar again" in texts_of(card)
    await bot.services.drain()
    assert graph.events[event_id]["start"]["dateTime"] == "2026-11-23T16:00:00"
    assert sum(1 for method, path, *_ in graph.requests if method == "PATCH" and event_id in path) == 2  # the refused, the again
