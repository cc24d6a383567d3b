"""Recording a discussion over HTTP, from attendance to distribution, finalising it, and the
agencies reporting back on their actions by button and by reply in the thread."""
import asyncio
import re
from email import message_from_bytes, policy
import json
from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path

import pytest

from bot.meetings import BEFORE_MEETING
from storage.directory import example_path
from app import OUTBOX
from tests.conftest import make_settings, start_bot, stop_bot
from tests.support import activities
from tests.test_cards.reading import assert_error_under

from .chair import Chair, action_verbs, inputs_of, texts_of
from .test_convene import CHILD, convene

FRIDAY_NOON = datetime(2027, 5, 28, 11, 0, tzinfo=timezone.utc)  # 12:00 BST; Monday 31 May is a bank holiday
POLICE = {"aad_id": "aad-police-ds", "user_id": "29:police", "name": "DS Pat Placeholder (fictional)"}
HEALTH = {"aad_id": "aad-health", "user_id": "29:health", "name": "Nurse Harper Example (fictional)"}
STRANGER = {"aad_id": "aad-stranger", "user_id": "29:stranger", "name": "Someone Else"}


@pytest.fixture
async def bot(tmp_path, clock):
    clock.set(FRIDAY_NOON)
    directory = tmp_path / "contacts.yaml"
    directory.write_text(example_path("hackney").read_text()
                         .replace("    email: cait.ds@hackney.example.org\n", "    email: cait.ds@hackney.example.org\n    aad_object_id: aad-police-ds\n")
                         .replace("    email: mash.health@hackney.example.org\n", "    email: mash.health@hackney.example.org\n    aad_object_id: aad-health\n"))
    running = await start_bot(make_settings(tmp_path, contacts_file=directory), clock)
    yield running
    await stop_bot(running)


def inputs(card) -> list[dict]:
    found = []

    def walk(items, label=""):
        for item in items:
            if item.get("type") == "Container":
                walk(item["items"], item["items"][0].get("text", ""))
            elif item.get("type", "").startswith("Input."):
                found.append({**item, "_label": label})

    walk(card["body"])
    return found


async def record_to_decisions(bot, chair: Chair) -> dict:
    """The record started and walked to its decisions card, one decision added; that card."""
    sent = await chair.say("record")
    if chair.conversation != "personal":  # in a channel it says so there; in the chair's own chat the card is the answer
        assert "the chair is writing the record" in sent[0]["text"]
    card = await chair.press("discussion.open", keep_inputs=False)
    assert "1 of 10 · Introductions and apologies" in texts_of(card)
    answers = {}
    for field in inputs(card):
        index = field["id"].split("_")[-1]
        if field["id"].startswith("attendance_"):
            label = field["_label"]
            answers[field["id"]] = "attended" if ("Police" in label or "Health" in label) else "apologies"
            if "Paediatrician" in label or "Designated" in label or "Referrer" in label or "social care" in label:
                answers[f"route_{index}"] = "report emailed to the chair before noon"
            if "Police" in label:
                answers[f"researched_{index}"] = "false"  # the police did not finish their checks: an update is owed
    card = await chair.press("record.next", answers)
    assert "2 of 10" in texts_of(card), texts_of(card)
    card = await chair.press("record.next", {"household": "AB's mother (aliases none), 01/01/1990, 1 Example Road"})
    card = await chair.press("record.next", {"reason": "Injury seen at school", "purpose": "Decide on s47"})
    card = await chair.press("record.next", {"concerns": "Bruising to the face", "severity": "Significant", "impact": "Pain, fear"})
    card = await chair.press("record.next", {"background": "Known to early help", "risk": "Unexplained injury",
                                             "protective": "Engaged grandmother", "whereabouts": "At school, safe"})
    assert "6 of 10 · Decisions" in texts_of(card)
    card = await chair.press("record.next")
    assert "⚠ Record at least one decision for AB (Add decision)." in texts_of(card)
    card = await chair.press("record.add_decision", {"decision_child": "AB", "decision_kind": "s47_joint",
                                                     "decision_reasoning": "Unexplained injury to a young child; joint with police"})
    return card


async def record_the_discussion(bot, chair: Chair, *, ended_at=datetime(2027, 5, 28, 14, 55, tzinfo=timezone.utc),
                                next_discussion: dict | None = None, health_records_by: str = "14/06/2027",
                                disagreement: dict | None = None) -> dict:
    """Walk the ten agenda cards and finalise; returns the summary card."""
    bot.services.clock.set(ended_at)  # the meeting has just ended
    await record_to_decisions(bot, chair)
    card = await chair.press("record.next", disagreement)
    assert "7 of 10 · Plan of the enquiries" in texts_of(card)
    card = await chair.press("record.next", {"seen_alone": "Tomorrow at school", "shared_with_family": "The s47 decision",
                                             "legal_action": "None at present"})
    assert "⚠ No CP medical: record why, and whether medical advice was given." in texts_of(card)
    card = await chair.press("record.next", {"cp_medical": "true"})
    assert "8 of 10 · Action plan" in texts_of(card)
    for what, agency, owner, email, due in (
        ("Police checks on the household", "police", "DS Pat Placeholder, CAIT", "cait.ds@hackney.example.org", "3 working days"),
        ("Health records for the family", "health", "Nurse Harper, MASH health", "mash.health@hackney.example.org", health_records_by),
        ("Speak to the class teacher", "education_dsl", "Ms Avery, DSL", "", "2 working days"),
        ("Visit the grandmother", "social_care", "Sam, social worker", "", "1 working day"),
        ("Interview the neighbour", "police", "DS Pat Placeholder, CAIT", "cait.ds@hackney.example.org", "5 working days"),
    ):
        card = await chair.press("record.add_action", {"action_child": "AB", "action_what": what, "action_agency": agency,
                                                       "action_owner": owner, "action_email": email, "action_due": due})
        assert "⚠" not in texts_of(card), texts_of(card)
    card = await chair.press("record.add_action", {"action_child": "AB", "action_what": "Something", "action_agency": "police",
                                                   "action_owner": "x", "action_due": "next week sometime"})
    assert "⚠ Give a date (e.g. 14/12/2026) or a number of working days" in texts_of(card)
    card = await chair.press("record.next", keep_inputs=False)
    assert "9 of 10 · Distribution" in texts_of(card)
    distribution = next(i for i in inputs(card) if i["id"] == "distribution")["value"]
    assert "Child's GP" in distribution and "Named nurse" in distribution and "Designated Safeguarding Lead" in distribution
    card = await chair.press("record.next")
    assert "10 of 10" in texts_of(card)
    card = await chair.press("record.finalise", next_discussion, keep_inputs=False)
    await bot.services.drain()  # the thread's posts leave through the outbox, after the turn has answered
    return card


async def convened(bot) -> Chair:
    chair = Chair(bot, conversation="channel")
    await convene(chair, child=CHILD, concern={"concerns": "physical_abuse", "received_time": "10:00"},
                  when={"slot": "other", "other_date": "2027-05-28", "other_time": "14:00"})
    await chair.press("convene.confirm")
    await bot.services.drain()
    return chair


async def test_a_discussion_recorded_in_the_chairs_personal_chat_gives_each_owner_in_teams_their_action_card(bot):
    """A walk: recorded in the chair's personal chat, every action card went there alone; owners reachable
    in Teams heard nothing until the chase on the day. Each now has their card in their own chat too."""
    chair = Chair(bot)  # the chair's personal chat
    await convene(chair, child=CHILD, concern={"concerns": "physical_abuse", "received_time": "10:00"},
                  when={"slot": "other", "other_date": "2027-05-28", "other_time": "14:00"})
    await chair.press("convene.confirm")
    await bot.services.drain()
    opened = {c["id"]: c["members"][0]["id"] for c in bot.connector.conversations}
    await record_the_discussion(bot, chair)
    chats = {c["id"]: c["members"][0]["id"] for c in bot.connector.conversations if c["id"] not in opened}
    delivered = {}
    for activity in bot.connector.sent:
        if activity["_conversation_id"] in {**opened, **chats} and activity.get("attachments"):
            heading = activity["attachments"][0]["content"]["body"][0].get("text", "")
            if heading.startswith("A") and " · CR-104233" in heading:
                delivered.setdefault({**opened, **chats}[activity["_conversation_id"]], []).append(heading.split(" · ")[0])
    # The police DS owns A1 and A5, the health nurse A2 (both in the directory with Teams ids); A3 and A4 have no address.
    assert delivered == {"aad-police-ds": ["A1", "A5"], "aad-health": ["A2"]}, delivered
    async with bot.services.uow() as uow:
        kept = [e.key for e in await uow.effects.for_discussion(chair.discussion_id) if e.key.endswith(":owner")]
    assert len(kept) == 3  # through the outbox: once each, and told to the chair if one cannot be delivered


async def test_an_owner_outside_teams_hears_of_their_action_by_email_as_it_is_agreed(tmp_path, clock):
    """A walk: an owner the bot knows by email alone is not in the thread, and first heard of their action at
    its reminder, the working day before it was due. The email goes with the record, once, with the link
    that shows the task; the email itself carries the reference and initials, never the task."""
    clock.set(FRIDAY_NOON)
    directory = tmp_path / "contacts.yaml"  # the police DS by email only (another tenant); health in Teams
    directory.write_text(example_path("hackney").read_text()
                         .replace("    email: mash.health@hackney.example.org\n", "    email: mash.health@hackney.example.org\n    aad_object_id: aad-health\n"))
    bot = await start_bot(make_settings(tmp_path, contacts_file=directory), clock)
    try:
        chair = await convened(bot)
        await record_the_discussion(bot, chair)
        await bot.server.app[OUTBOX].tick()  # a second pass of the outbox sends nothing again
        mails = sorted((m for m in mail_in(tmp_path) if m["Subject"].startswith("Action A")), key=lambda m: m["Subject"])
        # A1 and A5 are the DS's (by email); A2 is health's (in Teams: the @mention in the thread); A3 and A4 have no email.
        assert [(m["To"], m["Subject"]) for m in mails] == [
            ("cait.ds@hackney.example.org", "Action A1 agreed: Strategy discussion CR-104233 (AB)"),
            ("cait.ds@hackney.example.org", "Action A5 agreed: Strategy discussion CR-104233 (AB)")]
        body = mails[0].get_content()
        assert "At the strategy discussion on 28/05/2027, A1 was agreed for Police" in body, body
        assert "due 17:00 Thu 3 Jun" in body, body  # 3 working days after Friday 28 May: Tue 1, Wed 2, Thu 3 (31 May a bank holiday)
        assert "Police checks" not in body and "Interview the neighbour" not in mails[1].get_content()
        link = next(line for line in body.splitlines() if "/respond/" in line)
        page = await bot.http.get(bot.server.make_url(link[link.index("/respond/"):]))
        assert page.status == 200 and "A1: Police checks on the household" in await page.text()
        answer = await bot.http.post(bot.server.make_url(link[link.index("/respond/"):]), data={"status": "completed"})
        assert answer.status == 200
        async with bot.services.uow() as uow:
            discussion = await uow.discussions.get(chair.discussion_id)
            assert next(a for a in discussion.actions if a.number == 1).status == "completed"
    finally:
        await stop_bot(bot)


async def views_of(bot, action_id: str) -> list[tuple[str, str]]:
    async with bot.services.uow() as uow:
        return [(e.actor, e.details["via"]) for e in await uow.audit.for_subject("action", action_id) if e.action == "action.viewed"]


async def test_each_view_of_an_actions_task_on_its_card_goes_to_the_audit_trail_once(bot, recorded):
    """A privacy trial: Open on an action's card showed the task the chair typed with no audit row, where
    opening the discussion writes discussion.viewed (README: every view of a record is audited)."""
    chair, actions = recorded
    pressed = chair.invoke("action.open", {"action_id": actions[1]}, keep_inputs=False, as_person=POLICE)
    for _ in range(2):  # Teams delivers the same press again: the same view
        assert "Police checks on the household" in texts_of(await Chair.answer(await bot.post(pressed)))
    assert "Police checks on the household" in texts_of(await chair.press("action.open", {"action_id": actions[1]}, keep_inputs=False))
    stranger = await chair.press("action.open", {"action_id": actions[1]}, keep_inputs=False, as_person=STRANGER)
    assert "Police checks on the household" not in texts_of(stranger)  # nothing of the record shown: no view
    assert await views_of(bot, actions[1]) == [("aad-police-ds", "card"), ("aad-chair-1", "card")]


async def test_opening_the_discussion_delivered_again_by_teams_is_one_view_and_one_refusal(bot, recorded):
    """Seen beside the action's views: the same Open delivered twice was refused at commit as a repeat,
    then shown again by the handler's current card and audited a second time."""
    chair, _ = recorded
    for person in (POLICE, STRANGER):
        pressed = chair.invoke("discussion.open", {}, keep_inputs=False, as_person=person)
        for _ in range(2):
            await Chair.answer(await bot.post(pressed))
    async with bot.services.uow() as uow:
        seen = [(e.actor, e.action) for e in await uow.audit.for_subject("discussion", chair.discussion_id)
                if e.action in ("discussion.viewed", "discussion.access_refused") and e.actor != chair.person["aad_id"]]
    assert seen == [("aad-police-ds", "discussion.viewed"), ("aad-stranger", "discussion.access_refused")]


async def test_each_opening_of_an_actions_emailed_link_goes_to_the_audit_trail(tmp_path, clock):
    """A privacy trial: the emailed link's page, for an owner in another tenant, showed the task with no audit row.
    A page opened again (a refresh, the next day) is another view; once answered it shows the task no more."""
    clock.set(FRIDAY_NOON)
    bot = await start_bot(make_settings(tmp_path), clock)  # the example directory: the police DS by email only
    try:
        chair = await convened(bot)
        await record_the_discussion(bot, chair)
        [mail] = [m for m in mail_in(tmp_path) if m["Subject"].startswith("Action A1 ")]
        line = next(line for line in mail.get_content().splitlines() if "/respond/" in line)
        link = bot.server.make_url(line[line.index("/respond/"):])
        for _ in range(2):
            page = await bot.http.get(link)
            assert page.status == 200 and "A1: Police checks on the household" in await page.text()
        assert (await bot.http.post(link, data={"status": "completed"})).status == 200
        page = await bot.http.get(link)
        assert "Police checks on the household" not in await page.text()  # "Already answered"
        async with bot.services.uow() as uow:
            discussion = await uow.discussions.get(chair.discussion_id)
            a1 = next(a for a in discussion.actions if a.number == 1)
            owed = await uow.obligations.by_key(f"{discussion.id}:action:1")
        # Whose email the link came in is the actor: the owner's, as the action was agreed (not a manager's chase).
        assert await views_of(bot, a1.id) == [(f"link:{owed.id}:owner", "emailed link")] * 2
    finally:
        await stop_bot(bot)


async def test_moving_adding_to_or_cancelling_the_meeting_once_its_record_has_begun_says_nothing_was_changed(bot):
    """A walk: "Move the meeting" pressed on the chair's card after the record had begun gave no word."""
    chair = await convened(bot)
    opened = await chair.press("discussion.open", keep_inputs=False)  # the chair's card, drawn before the record
    async with bot.services.uow() as uow:
        invited = len((await uow.discussions.get(chair.discussion_id)).invitations)
    bot.services.clock.set(datetime(2027, 5, 28, 14, 55, tzinfo=timezone.utc))
    await chair.say("record")
    for verb, data, changed in (("discussion.move", {"move_date": "2027-06-01", "move_time": "10:00"}, "moved"),
                                ("discussion.invite", {"add_agency": "health", "add_name": "Dr A", "add_email": "a@nhs.example"}, "added to"),
                                ("discussion.cancel", {"cancel_reason": "Held already"}, "cancelled")):
        chair.card = opened
        card = await chair.press(verb, data, keep_inputs=False)
        assert texts_of(card) == (f"Not changed\nStrategy discussion CR-104233 (AB): its record has been started, so the meeting "
                                  f"can no longer be {changed}. Nothing was changed."), texts_of(card)
        assert card["actions"][0]["verb"] == "discussion.open"
    async with bot.services.uow() as uow:
        discussion = await uow.discussions.get(chair.discussion_id)
        assert (discussion.status, discussion.meeting_start.isoformat(), len(discussion.invitations)) == \
            ("recording", "2027-05-28T13:00:00+00:00", invited)  # 14:00 BST, as convened


async def test_a_report_whose_confirmation_the_thread_refuses_is_confirmed_later_never_called_undone(bot, recorded):
    """A crash trial: the connector refused the confirmation of `A2 done`, and the thread was told "nothing was
    changed" of a report that was saved. The confirmation now goes through the outbox."""
    chair, actions = recorded
    bot.connector.fail_posts = [403]  # the confirmation, refused once (not retried in the turn)
    message = activities.channel_mention(bot.connector.url, "A2 done", aad_id=HEALTH["aad_id"], user_id=HEALTH["user_id"],
                                         name=HEALTH["name"])
    before = len(bot.connector.sent)
    assert (await bot.post(message)).status == 201
    await bot.server.app[OUTBOX].tick()
    await bot.services.drain()
    said = [a["text"] for a in bot.connector.sent[before:] if a.get("text")]
    assert said == ["A2 (CR-104233): completed. Recorded for Nurse Harper Example (fictional)."], said
    async with bot.services.uow() as uow:
        assert next(a for a in (await uow.discussions.get(chair.discussion_id)).actions if a.number == 2).status == "completed"


async def test_a_reply_delivered_again_after_the_first_turn_died_gets_its_card_and_confirmation(bot, recorded, monkeypatch):
    """A crash trial: killed once `A2 done` was saved, before its card was updated or the reply sent; Teams,
    without an answer, delivered the same activity again and got "A2 already has that report", the card left open."""
    from bot.actions import ActionsFlow

    chair, actions = recorded
    first_turn = ActionsFlow._update_in_thread

    async def dies(self, *args, **kwargs):  # the process killed here: nothing after this point of the turn happens
        raise asyncio.CancelledError

    monkeypatch.setattr(ActionsFlow, "_update_in_thread", dies)
    message = activities.channel_mention(bot.connector.url, "A2 done", aad_id=HEALTH["aad_id"], user_id=HEALTH["user_id"],
                                         name=HEALTH["name"])
    before = len(bot.connector.sent)
    try:
        await bot.post(message)
    except Exception:  # the connection closed without an answer, as Teams would see it
        pass
    assert not [a for a in bot.connector.sent[before:] if a.get("text") or a["_method"] == "PUT"]
    monkeypatch.setattr(ActionsFlow, "_update_in_thread", first_turn)
    assert (await bot.post(message)).status == 201  # the same activity, again
    said = [a["text"] for a in bot.connector.sent[before:] if a.get("text")]
    assert said == ["A2 (CR-104233): completed. Recorded for Nurse Harper Example (fictional)."], said
    [updated] = [a["attachments"][0]["content"] for a in bot.connector.sent[before:] if a["_method"] == "PUT"]
    assert "A2 · " in texts_of(updated) and "Status: completed" in texts_of(updated)
    again = await bot.post({**message, "id": "another-delivery"})  # the same words typed again: a new message
    assert again.status == 201 and bot.connector.sent[-1]["text"] == "A2 already has that report."


async def test_a_record_is_not_written_before_its_meeting_has_begun(bot):
    """A walk finalised a record at 01:17 for a meeting at 10:00: the thread said "Record finalised", the
    clocks ran from it and the census counted its s47. A record waits for its meeting."""
    chair = await convened(bot)  # the meeting at 14:00 BST; it is noon
    sent = await chair.say("record")
    [shown] = [a["attachments"][0]["content"] for a in sent if a.get("attachments")]
    assert texts_of(shown).startswith("Not held yet\nStrategy discussion CR-104233 (AB): the meeting is 14:00 today; its record is "
                                      "written once it has begun. If it was held earlier today, give the time it began.")
    card = await chair.press("record.open", keep_inputs=False)  # the chair card's Write the record
    assert texts_of(card).startswith("Not held yet\nStrategy discussion CR-104233 (AB): the meeting is 14:00 today")
    async with bot.services.uow() as uow:
        assert (await uow.discussions.get(chair.discussion_id, load=())).status == "convened"
    bot.services.clock.set(datetime(2027, 5, 28, 13, 0, tzinfo=timezone.utc))  # 14:00 BST: it has begun
    card = await chair.press("record.open", keep_inputs=False)
    assert "1 of 10 · Introductions and apologies" in texts_of(card)


async def test_a_meeting_held_earlier_than_planned_is_recorded_from_when_it_began(bot, tmp_path):
    """A walk: "Not held yet" said to move the meeting to when it was held, and the move refused any time passed:
    a discussion held at 12:30 for 14:00 could not be recorded until 14:00."""
    from icalendar import Calendar

    chair = await convened(bot)  # convened at noon, for 14:00 BST
    bot.services.clock.set(datetime(2027, 5, 28, 12, 0, tzinfo=timezone.utc))  # 13:00 BST
    card = await chair.press("record.open", keep_inputs=False)
    assert "It was held then: write the record" in [a["title"] for a in card["actions"]]
    for typed, said in (("", "Give the time it began, e.g. 11:30."), ("25:00", "Enter the start as HH:MM on the 24-hour clock"),
                        ("13:30", "13:30 is still to come today: give the time it began."),
                        ("11:15", "11:15 is before this discussion was convened (12:00): give the time it began.")):
        card = await chair.press("record.held_earlier", {"held_at": typed})
        assert texts_of(card).startswith("Not held yet") and f"⚠ {said}" in texts_of(card), typed
        assert inputs_of(card)["held_at"] == typed  # what was typed stays in its box
    card = await chair.press("record.held_earlier", {"held_at": "12:30"})
    assert "1 of 10 · Introductions and apologies" in texts_of(card)
    await bot.services.drain()
    async with bot.services.uow() as uow:
        discussion = await uow.discussions.get(chair.discussion_id, load=())
        [moved] = [e for e in await uow.audit.for_subject("discussion", discussion.id) if e.action == "meeting.held_earlier"]
    assert bot.services.calendar.local(discussion.meeting_start).strftime("%H:%M") == "12:30" and discussion.status == "recording"
    assert moved.details["planned"].startswith("2027-05-28T13:00")  # 14:00 BST, as planned
    invitation = tmp_path / "invitations" / f"{chair.discussion_id}.ics"  # the calendar says when it was held
    [event] = Calendar.from_ical(invitation.read_bytes()).walk("VEVENT")
    assert bot.services.calendar.local(event.decoded("dtstart")).strftime("%H:%M") == "12:30"


async def test_record_without_a_reference_asks_which_when_the_chair_has_several(bot):
    """A walk: `record` opened the chair's latest convened discussion, not necessarily the one just held."""
    chair = await convened(bot)
    other = Chair(bot, conversation="channel")  # the same chair, another case, convened for later today
    await convene(other, child={**CHILD, "case_reference": "CR-200001", "initials": "EF"},
                  concern={"concerns": "physical_abuse", "received_time": "10:00"},
                  when={"slot": "other", "other_date": "2027-05-28", "other_time": "15:30"})
    await other.press("convene.confirm")
    await bot.services.drain()
    sent = await chair.say("record")
    assert sent[0]["text"].startswith("You have more than one discussion to record: type `record` and its case reference.")
    assert "CR-104233 (AB): meeting 14:00 today" in sent[0]["text"] and "CR-200001 (EF): meeting 15:30 today" in sent[0]["text"]
    # A reference none of them has is told as such, with the ones there are (a walk: `record CR 104233`, typed with a space,
    # was told there was no discussion to record at all).
    wrong = (await chair.say("record CR-999999"))[0]["text"]
    assert wrong.startswith("None of your discussions to record is CR-999999: type `record` and one of these.") and "CR-200001 (EF)" in wrong
    bot.services.clock.set(datetime(2027, 5, 28, 13, 5, tzinfo=timezone.utc))
    assert "the chair is writing the record" in (await chair.say("record cr 104233"))[0]["text"]


def mail_in(tmp_path) -> list:
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted((tmp_path / "outbox").glob("*.eml"))]


def thread_cards(bot) -> list[dict]:
    return [a["attachments"][0]["content"] for a in bot.connector.sent
            if a["_conversation_id"].startswith("19:") and a["_method"] == "POST" and a.get("attachments")]


async def test_record_finalise_creates_obligations_for_a_friday_before_a_bank_holiday(bot):
    chair = await convened(bot)
    summary = await record_the_discussion(bot, chair)
    assert "Record finalised: Strategy discussion CR-104233 (AB)" in texts_of(summary)
    async with bot.services.uow() as uow:
        owed = {o.key.split(":", 1)[1]: o.due_at.isoformat() for o in await uow.obligations.for_discussion(chair.discussion_id)}
        discussion = await uow.discussions.get(chair.discussion_id)
        decisions = [(d.kind, d.reasoning) for d in discussion.decisions]
    assert owed["information_update:police:cait.ds@hackney.example.org"] == "2027-06-01T16:00:00+00:00"  # Tue 17:00 BST
    assert owed["action:1"] == "2027-06-03T16:00:00+00:00"  # 3 working days, skipping the bank holiday
    assert owed["action:2"] == "2027-06-14T16:00:00+00:00"
    # hackney 8.2: "as soon as practicable", no fixed end: not chased (bristol's 10 working days are bristol's)
    assert "record_distribution" not in owed
    assert owed["icpc"] == owed["s47_review"] == "2027-06-21T16:00:00+00:00"  # s47 was decided: 15 working days
    assert owed["assessment"] == "2027-08-02T16:00:00+00:00"  # 45 working days from the referral
    assert "out_of_hours_record" not in owed
    assert decisions == [("s47_joint", "Unexplained injury to a young child; joint with police")]

    posted = thread_cards(bot)
    summary_in_thread, *action_cards = posted[-6:]
    assert "Record finalised" in texts_of(summary_in_thread)
    assert "Bruising" not in str(posted) and "Example Road" not in str(posted)
    assert [texts_of(c).splitlines()[0] for c in action_cards] == [f"A{n} · CR-104233 (AB)" for n in range(1, 6)]
    assert action_cards[0]["msteams"]["entities"][0]["mentioned"]["id"] == "aad-police-ds"
    assert "Owner: <at>DS Pat Placeholder (fictional)</at> (Police)" in texts_of(action_cards[0])  # the directory's name
    assert "CAIT" not in texts_of(action_cards[0])  # the words the chair typed for the owner are not posted
    assert "msteams" not in action_cards[2]  # the DSL is not reachable in Teams: named, not mentioned


@pytest.fixture
async def recorded(bot):
    """A discussion convened in the channel and recorded: the chair, and its actions' ids by number."""
    chair = await convened(bot)
    await record_the_discussion(bot, chair)
    async with bot.services.uow() as uow:
        actions = {a.number: a.id for a in (await uow.discussions.get(chair.discussion_id)).actions}
    chair.card = None
    return chair, actions


async def said_in_thread(bot, text: str, person: dict) -> str:
    """`text` from `person` in the discussion's channel thread, and the bot's answer there (the outbox's own
    messages, the chair told in their chat, may land meanwhile)."""
    message = activities.channel_mention(bot.connector.url, text, aad_id=person["aad_id"], user_id=person["user_id"],
                                         name=person["name"])
    before = len(bot.connector.sent)
    assert (await bot.post(message)).status == 201
    return [a["text"] for a in bot.connector.sent[before:] if a.get("text")
            and a["_conversation_id"] == message["conversation"]["id"]][-1]


async def test_a_report_or_update_typed_with_a_colon_is_taken_as_without(bot, recorded):
    """A walk: `update: GP records show...` in the thread, not @mentioned, was dropped without a word, and
    `A2: done` with the mention got "Sorry, I don't understand that": the first word kept its colon."""
    chair, actions = recorded
    unmentioned = activities.channel_message(bot.connector.url, "update: GP records show two earlier A&E attendances",
                                             aad_id=POLICE["aad_id"], user_id=POLICE["user_id"], name=POLICE["name"])
    assert (await bot.post(unmentioned)).status == 201
    assert (await said_in_thread(bot, "A1: done", POLICE)).startswith("A1 (CR-104233): completed")
    async with bot.services.uow() as uow:
        discussion = await uow.discussions.get(chair.discussion_id)
        owed = {o.key.split(":", 1)[1]: o.state for o in await uow.obligations.for_discussion(chair.discussion_id)}
    assert [u["text"] for u in discussion.record["updates"]] == ["GP records show two earlier A&E attendances"]
    assert owed["information_update:police:cait.ds@hackney.example.org"] == "satisfied"
    assert {a.number: a.status for a in discussion.actions}[1] == "completed"


async def test_agencies_report_back_by_button_and_by_reply(bot, recorded):
    chair, actions = recorded

    reply = partial(said_in_thread, bot)

    # 1. Completed, by the owner's button.
    card = await chair.press("action.completed", {"action_id": actions[1]}, keep_inputs=False, as_person=POLICE)
    assert "Status: completed" in texts_of(card)
    # 2. Will be done by, as a reply in the thread from the owning agency, UK date.
    said = await reply("A2 by 15/6", HEALTH)
    assert said.startswith("A2 (CR-104233): not completed yet, will be by 15/06/2027")
    updated = [a for a in bot.connector.sent if a["_method"] == "PUT"][-1]["attachments"][0]["content"]
    assert "Status: not completed yet, will be by 15/06/2027" in texts_of(updated)
    # 3. Not required: the button needs the reason; the reply carries it.
    card = await chair.press("action.not_required", {"action_id": actions[3]}, keep_inputs=False)
    assert_error_under(card, "reason", "Give the agency manager's reason it is no longer required.")
    # Each refusal under the box it is about (a walk read "Choose the date" under the reason's box).
    card = await chair.press("action.will_complete_by", {"action_id": actions[3], "reason": "typed"}, keep_inputs=False)
    assert_error_under(card, "by", "Choose the date it will be done by.")
    assert next(i for i in inputs(card) if i["id"] == "reason")["value"] == "typed"  # and what was typed kept
    assert (await reply("A3 not required: child moved out of area", chair.person)).startswith(
        "A3 (CR-104233): not completed and no longer required")
    # 4. Further discussion: the chair is offered a review discussion.
    assert "needs a further strategy discussion" in await reply("A4 further discussion", chair.person)
    await bot.services.drain()
    offer = thread_cards(bot)[-1]
    assert offer["actions"][0]["verb"] == "convene.review"
    review = await chair.press("convene.review", {"discussion_id": chair.discussion_id}, keep_inputs=False)
    assert next(i for i in inputs(review) if i["id"] == "case_reference")["value"] == "CR-104233"
    # Pressed again (a double-click's second press, or later): the same draft, not a second one.
    again = await chair.press("convene.review", {"discussion_id": chair.discussion_id}, keep_inputs=False)
    assert again["actions"][0]["data"]["discussion_id"] == review["actions"][0]["data"]["discussion_id"]
    async with bot.services.uow() as uow:
        assert len([d for d in await uow.discussions.by_case_reference("") if d.linked_discussion_id == chair.discussion_id]) == 1

    # Someone who may not: refused and told who may.
    assert "Only its owner, anyone from Police in the directory, or the chair can report on A5." == \
        await reply("A5 done", STRANGER)
    # Unclear: answered with an example, whether or not the bot was @mentioned (a reply in the thread is for it).
    assert "A2 done · A3 by 14/12" in await reply("A5 finished more or less", POLICE)
    before = len(bot.connector.sent)
    unmentioned = activities.channel_message(bot.connector.url, "A5 sort of", aad_id=POLICE["aad_id"], user_id=POLICE["user_id"],
                                             name=POLICE["name"])
    assert (await bot.post(unmentioned)).status == 201
    assert "A2 done · A3 by 14/12" in [a["text"] for a in bot.connector.sent[before:] if a.get("text")][-1]
    assert "UK way" in await reply("A5 by the end of June", POLICE)
    # Addressed to another bot (a trial: it was read as a report): its business, not this bot's. To a person, still a report.
    to_planner = activities.channel_message(bot.connector.url, "<at>Planner</at> A5 done", aad_id=POLICE["aad_id"],
                                            user_id=POLICE["user_id"], name=POLICE["name"])
    to_planner["entities"] = [{"type": "mention", "mentioned": {"id": "28:planner-bot", "name": "Planner"}, "text": "<at>Planner</at>"}]
    before = len(bot.connector.sent)
    assert (await bot.post(to_planner)).status == 201
    assert bot.connector.sent[before:] == []
    to_a_person = activities.channel_message(bot.connector.url, "<at>Sam</at> A5 sort of", aad_id=POLICE["aad_id"],
                                             user_id=POLICE["user_id"], name=POLICE["name"])
    to_a_person["entities"] = [{"type": "mention", "mentioned": {"id": "29:1chair", "name": "Sam"}, "text": "<at>Sam</at>"}]
    assert (await bot.post(to_a_person)).status == 201
    assert "A2 done · A3 by 14/12" in [a["text"] for a in bot.connector.sent[before:] if a.get("text")][-1]
    # The same delivery twice: applied once.
    message = activities.channel_mention(bot.connector.url, "A5 done", aad_id=POLICE["aad_id"], user_id=POLICE["user_id"],
                                         name=POLICE["name"])
    await bot.post(message)
    await bot.post(message)
    async with bot.services.uow() as uow:
        discussion = await uow.discussions.get(chair.discussion_id)
        a5 = next(a for a in discussion.actions if a.number == 5)
        assert [u.status for u in a5.history] == ["open", "completed"]
        statuses = {a.number: a.status for a in discussion.actions}
        owed = {o.key.split(":", 1)[1]: o for o in await uow.obligations.for_discussion(chair.discussion_id)}
        obligations = {key: o.state for key, o in owed.items()}
        a2_due = next(a.due_at for a in discussion.actions if a.number == 2)
        audit = [e.action for e in await uow.audit.for_subject("action", a5.id)]
    assert owed["action:2"].due_at == a2_due  # "will be done by" moves the chasers' clock too
    assert statuses == {1: "completed", 2: "will_complete_by", 3: "not_required", 4: "needs_discussion", 5: "completed"}
    assert obligations["action:1"] == "satisfied" and obligations["action:2"] == "open"
    assert audit.count("action.completed") == 1 and "action.change_refused" in audit

    # The information update from the police, and the lists.
    assert "one-working-day information update is complete" in await reply("update PNC checks: nothing further known", POLICE)
    # Only from an agency invited, someone of an agency in the directory, or the chair (the hostile trial: anyone could).
    assert (await reply("update the child is fine", STRANGER)).startswith("Only the agencies invited to CR-104233")
    assert (await reply("update " + "x" * 4001, POLICE)).startswith("Keep an update under 4,000 characters")
    # Teams delivers the same update again (a retry, a walk found it kept twice): kept once, the chair told once.
    update = activities.channel_mention(bot.connector.url, "update Social media checks done", aad_id=POLICE["aad_id"],
                                        user_id=POLICE["user_id"], name=POLICE["name"])
    before = len(bot.connector.sent)
    assert [(await bot.post(update)).status for _ in range(2)] == [201, 201]
    await bot.services.drain()
    thanks = [a for a in bot.connector.sent[before:] if (a.get("text") or "").startswith("Thank you")]
    assert len(thanks) == 1  # answered once too (a re-walk saw a second, different, thank-you)
    async with bot.services.uow() as uow:
        kept = (await uow.discussions.get(chair.discussion_id)).record["updates"]
        told = [e for e in await uow.effects.for_discussion(chair.discussion_id) if e.key.endswith(":update-to-chair")]
    assert [u["text"] for u in kept] == ["PNC checks: nothing further known", "Social media checks done"] and len(told) == 2
    # The chair's own update is kept, and the chair is not told of it (a walk: their own update pinged them).
    assert (await reply("update Strategy lead spoke to the school", chair.person)).startswith("Thank you, Sam Chair")
    async with bot.services.uow() as uow:
        told = [e for e in await uow.effects.for_discussion(chair.discussion_id) if e.key.endswith(":update-to-chair")]
        assert len((await uow.discussions.get(chair.discussion_id)).record["updates"]) == 3 and len(told) == 2
    listing = await reply("actions", chair.person)
    # The date promised is said (it was left off: "will be by" and nothing after it); the task is only on its card.
    assert re.search(r"\*\*A2\*\*: .*not completed yet, will be by \d\d/\d\d/\d{4}", listing), listing
    # ...with the date agreed at the discussion beside the new one (a walk read the new one as agreed).
    assert "**A2**: Health, due 15/06/2027 (agreed at the discussion: 14/06/2027), not completed yet" in listing, listing
    assert "Health records for the family" not in listing and "press Open there to see it" in listing
    mine = await reply("mine", HEALTH)
    assert "CR-104233 (AB) **A2**: due 15/06/2027 (agreed at the discussion: 14/06/2027)" in mine
    assert "Health records for the family" not in mine
    assert re.search(r"will be by \d\d/\d\d/\d{4}", mine), mine


async def test_the_record_document_reaches_the_chair_and_its_distribution_is_tracked(bot, tmp_path):
    import subprocess
    from io import BytesIO
    from pathlib import Path

    from docx import Document

    chair = await convened(bot)
    await record_the_discussion(bot, chair, disagreement={"disagreement_agency": "police", "disagreement_about": "Police see no s47"})
    sent = await chair.say("record export")
    assert sent[-1]["text"] == "Strategy discussion CR-104233 (AB): the record is on its way to your personal chat with me."
    await bot.services.drain()
    [personal] = [c for c in bot.connector.conversations if c["members"][0]["id"] == "29:1chair"]
    offer = [a for a in bot.connector.sent if a["_conversation_id"] == personal["id"]][-1]
    consents = offer["attachments"]
    assert [c["contentType"] for c in consents] == ["application/vnd.microsoft.teams.card.file.consent"] * 2
    assert [c["name"] for c in consents] == ["CR-104233-strategy-discussion-record.docx", "CR-104233-strategy-discussion-record.pdf"]

    for consent in consents:
        accept = activities.personal(bot.connector.url, "")
        accept.update(type="invoke", name="fileConsent/invoke", value={
            "type": "fileUpload", "action": "accept", "context": consent["content"]["acceptContext"],
            "uploadInfo": {"name": consent["name"], "uploadUrl": f"{bot.connector.url}upload/{consent['name']}",
                           "contentUrl": f"https://onedrive.example/{consent['name']}", "uniqueId": "u-1",
                           "fileType": consent["name"].rsplit(".", 1)[1]}})
        accept.pop("text")
        assert (await bot.post(accept)).status == 200
    # From a hostile-input trial: an odd context, or OneDrive out of reach, was a 501 and a traceback.
    for context, upload_url, said in (("x", None, "Only the chair can receive this record."),
                                      ([1], None, "Only the chair can receive this record."),
                                      (consents[0]["content"]["acceptContext"], "http://127.0.0.1:9/upload",
                                       "Saving the record failed (OneDrive could not be reached"),
                                      (consents[0]["content"]["acceptContext"], "http://[::1/upload", "Teams gave no OneDrive address")):
        odd = activities.personal(bot.connector.url, "")
        odd.update(type="invoke", name="fileConsent/invoke", value={
            "type": "fileUpload", "action": "accept", "context": context,
            "uploadInfo": {"name": "x.docx", "uploadUrl": upload_url or f"{bot.connector.url}upload/x.docx"}})
        odd.pop("text")
        assert (await bot.post(odd)).status == 200
        assert said in bot.connector.sent[-1]["text"], (context, upload_url)
    docx, headers = bot.connector.uploads["CR-104233-strategy-discussion-record.docx"]
    pdf, _ = bot.connector.uploads["CR-104233-strategy-discussion-record.pdf"]
    assert headers["Content-Range"] == f"bytes 0-{len(docx) - 1}/{len(docx)}"
    info = [a for a in bot.connector.sent if a.get("attachments") and
            a["attachments"][0]["contentType"] == "application/vnd.microsoft.teams.card.file.info"]
    assert len(info) == 2

    words = "\n".join(p.text for p in Document(BytesIO(docx)).paragraphs)
    cells = "\n".join(c.text for t in Document(BytesIO(docx)).tables for r in t.rows for c in r.cells)
    assert "Strategy discussion record: CR-104233 (AB)" in words
    assert "Section 47 enquiries: joint with police" in cells and "Unexplained injury to a young child" in cells
    assert "Police checks on the household" in cells and "DS Pat Placeholder, CAIT" in cells and "03/06/2027" in cells
    assert "Child's GP" in words and "OFFICIAL-SENSITIVE" in Document(BytesIO(docx)).sections[0].header.paragraphs[0].text
    # The disagreement in the chair's words is the record's, with where it went and who was told.
    assert "Professional disagreement (Police): Police see no s47" in words
    assert "Escalation: the CHSCP Escalation Policy (hackney 5.1)." in words
    assert "Told when the record was finalised: the agency's lead, the chair's manager." in words

    pdf_path = tmp_path / "record.pdf"
    pdf_path.write_bytes(pdf)
    text = " ".join(subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True, text=True, check=True).stdout.split())
    assert "Unexplained injury to a young child" in text and "A5" in text and "Interview the neighbour" in text
    pages = subprocess.run(["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, text=True, check=True).stdout.split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) >= 2  # the record runs over pages: the marking and the number are on every one
    for number, page in enumerate(pages, start=1):
        assert "OFFICIAL-SENSITIVE" in page and f"Page {number}" in page
    artifacts = Path(__file__).resolve().parents[2] / "data" / "screenshots"
    artifacts.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf_path), str(artifacts / "record-page")], check=True)
    assert list(artifacts.glob("record-page*.png"))

    card = await chair.press("record.distributed", {"discussion_id": chair.discussion_id}, keep_inputs=False)
    assert "Record distribution noted" in texts_of(card)
    noted = texts_of(card)
    # A double-click, and the same press later on another copy of the card: noted once (a Playground walk found three).
    again = await asyncio.gather(*(bot.post(chair.invoke("record.distributed", {"discussion_id": chair.discussion_id},
                                                         keep_inputs=False)) for _ in range(2)))
    assert [texts_of(await chair.answer(response)) for response in again] == [noted, noted]
    async with bot.services.uow() as uow:
        states = {o.kind: o.state for o in await uow.obligations.for_discussion(chair.discussion_id)}
        audit = [e.action for e in await uow.audit.for_subject("discussion", chair.discussion_id)]
    assert "record_distribution" not in states and states["assessment"] == "open"  # hackney: nothing to chase
    assert {"record.exported", "record.delivered", "record.distributed"} <= set(audit)
    assert audit.count("record.distributed") == 1


async def test_the_obligations_finalising_creates_are_the_clocks_the_protocol_contract_lists(bot, tmp_path):
    """The same facts and decisions through `python -m protocol assess --outcome` and through the
    bot: every clock the contract says is owed with a due time is an obligation, and nothing else is."""
    import json
    import subprocess
    import sys

    chair = await convened(bot)
    await record_the_discussion(bot, chair)
    async with bot.services.uow() as uow:
        discussion = await uow.discussions.get(chair.discussion_id)
        # What finalising created: not the actions and the review date (agreed, not clocks), nor what was owed before the meeting.
        owed = {o.kind: o.due_at for o in await uow.obligations.for_discussion(chair.discussion_id)
                if o.kind not in ("action", "review_discussion", *BEFORE_MEETING)}
        record = discussion.record
    facts, outcome = tmp_path / "facts.json", tmp_path / "outcome.json"
    facts.write_text(json.dumps(discussion.facts))
    outcome.write_text(json.dumps({"held_at": discussion.meeting_start.isoformat(),
                                   "s47_started": any(d["kind"] in ("s47_single", "s47_joint") for d in record["decisions"]),
                                   "not_researched": [r["agency"] for r in record["attendance"] if not r.get("researched", True)],
                                   "quorate": record.get("quorate", True)}))
    result = subprocess.run([sys.executable, "-m", "protocol", "assess", "--profile", "hackney", "--facts", str(facts),
                             "--outcome", str(outcome)], capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0, result.stderr
    contract = {c["clock"]: c["due"] for c in json.loads(result.stdout)["owed"] if c["due"]}
    as_obligations = {("information_update" if k == "information_updates" else k): v for k, v in contract.items()}
    assert {k: v.isoformat() for k, v in owed.items()} == {k: datetime.fromisoformat(v).astimezone(timezone.utc).isoformat()
                                                           for k, v in as_obligations.items()}


async def test_replies_work_without_a_mention_where_resource_specific_consent_delivers_them(bot):
    chair = await convened(bot)
    await record_the_discussion(bot, chair)
    message = activities.channel_mention(bot.connector.url, "", aad_id=POLICE["aad_id"], user_id=POLICE["user_id"],
                                         name=POLICE["name"])
    message.update(text="A1 done", entities=[])  # with ChannelMessage.Read.Group, Teams sends replies unmentioned
    before = len(bot.connector.sent)
    assert (await bot.post(message)).status == 201
    said = [a["text"] for a in bot.connector.sent[before:] if a.get("text")]
    assert said and said[0].startswith("A1 (CR-104233): completed")
    # A1's card in the thread now says so: replaced in place, through the reply's own turn.
    [updated] = [a for a in bot.connector.sent[before:] if a["_method"] == "PUT"]
    assert "Status: completed" in texts_of(updated["attachments"][0]["content"])
    assert updated["_conversation_id"] == message["conversation"]["id"]


async def test_each_status_by_button_updates_the_card(bot, recorded):
    chair, actions = recorded
    pressed = [
        ("action.completed", 1, {}, POLICE, "Status: completed"),
        ("action.will_complete_by", 2, {"by": "2027-06-16"}, HEALTH, "Status: not completed yet, will be by 16/06/2027"),
        ("action.not_required", 3, {"reason": "school has closed for the summer"}, chair.person,
         "Status: not completed and no longer required"),
        ("action.needs_discussion", 4, {}, chair.person, "Status: needs a further strategy discussion"),
    ]
    for verb, number, extra, person, expected in pressed:
        card = await chair.press(verb, {"action_id": actions[number], **extra}, keep_inputs=False, as_person=person)
        assert expected in texts_of(card), texts_of(card)
        await bot.services.drain()
        update = [a for a in bot.connector.sent if a["_method"] == "PUT"][-1]["attachments"][0]["content"]
        assert expected in texts_of(update)  # the card in the thread changed too
    card = await chair.press("action.completed", {"action_id": actions[5]}, keep_inputs=False, as_person=HEALTH)
    assert "Only its owner, anyone from Police in the directory, or the chair can report on A5." in texts_of(card)


async def test_will_be_done_by_a_date_that_has_passed_is_refused_on_the_card_as_in_the_thread(bot, recorded, clock):
    """From a Playground walk: the card took 01/11 a month late and showed "Due Sun 1 Nov"."""
    from datetime import timedelta

    chair, actions = recorded
    yesterday = (clock.now() - timedelta(days=1)).date()
    card = await chair.press("action.will_complete_by", {"action_id": actions[2], "by": yesterday.isoformat()}, keep_inputs=False,
                             as_person=HEALTH)
    assert f"⚠ {yesterday:%d/%m/%Y} has passed: give the date it will be done by." in texts_of(card)
    async with bot.services.uow() as uow:
        _, a2 = await uow.discussions.with_action(discussion_id=chair.discussion_id, number=2)
    assert a2.status == "open"


async def test_an_action_reopened_with_a_new_date_after_done_is_owed_and_chased_again(bot, recorded):
    """A walk: `A1 done` then `A1 by 20/12` left its obligation satisfied: never chased again."""
    chair, actions = recorded
    for text in ("A1 done", "A1 by 15/6/2027"):
        message = activities.channel_mention(bot.connector.url, text, aad_id=POLICE["aad_id"], user_id=POLICE["user_id"],
                                             name=POLICE["name"])
        assert (await bot.post(message)).status == 201
    async with bot.services.uow() as uow:
        owed = next(o for o in await uow.obligations.for_discussion(chair.discussion_id) if o.key.endswith(":action:1"))
    assert owed.state == "open" and owed.due_at.isoformat() == "2027-06-15T16:00:00+00:00" and owed.escalation_level == 0
    from app import CHASER

    bot.services.clock.set(datetime(2027, 6, 15, 8, 0, tzinfo=timezone.utc))  # 09:00 BST on the day: chased
    await bot.server.app[CHASER].sweep()
    async with bot.services.uow() as uow:
        stages = [c.stage for c in await uow.chases.for_obligation(owed.id)]
    assert stages == ["due"]


async def test_an_action_given_a_new_date_after_its_chase_is_chased_again_on_the_new_day(bot, recorded):
    """Found by a walk's moved meeting: each stage of the ladder was sent once per obligation, so an action chased on
    its day (3 June) and then given a new one (15 July) was taken as chased already on the new day: nothing went."""
    from app import CHASER

    chair, actions = recorded
    async with bot.services.uow() as uow:
        owed = next(o for o in await uow.obligations.for_discussion(chair.discussion_id) if o.key.endswith(":action:1"))

    async def chased_at(moment: datetime) -> list[str]:
        bot.services.clock.set(moment)
        await bot.server.app[CHASER].sweep()
        async with bot.services.uow() as uow:
            return [c.stage for c in await uow.chases.for_obligation(owed.id)]

    assert owed.due_at == datetime(2027, 6, 3, 16, 0, tzinfo=timezone.utc)  # 17:00 BST, Thursday 3 June
    assert await chased_at(datetime(2027, 6, 3, 8, 0, tzinfo=timezone.utc)) == ["due"]  # 09:00 on the day
    message = activities.channel_mention(bot.connector.url, "A1 by 15/7/2027", aad_id=POLICE["aad_id"], user_id=POLICE["user_id"],
                                         name=POLICE["name"])
    assert (await bot.post(message)).status == 201
    # Past the new date, and before any chase for it, `overdue` does not say it was chased (a ladder trial read
    # "last chased" of the chase for the old date).
    bot.services.clock.set(datetime(2027, 7, 16, 8, 0, tzinfo=timezone.utc))

    async def overdue_a1() -> str:
        [line] = [line for text in [a.get("text") or "" for a in await chair.say("overdue")] for line in text.splitlines()
                  if "A1" in line]
        return line

    assert "not chased yet" in await overdue_a1()
    assert await chased_at(datetime(2027, 7, 15, 8, 0, tzinfo=timezone.utc)) == ["due", "due"]  # 09:00 on the new day
    bot.services.clock.set(datetime(2027, 7, 16, 8, 0, tzinfo=timezone.utc))
    assert "last chased: the chase on the day" in await overdue_a1()


async def test_a_will_be_done_by_date_on_a_day_the_offices_are_closed_is_recorded_and_said(bot, recorded):
    """A procedures expert's trial: a Saturday was taken without a word. It may be meant (police work
    weekends), so it is recorded; but the person who chose it is told, on the card and in the thread."""
    chair, actions = recorded
    card = await chair.press("action.will_complete_by", {"action_id": actions[2], "by": "19/06/2027"}, keep_inputs=False,
                             as_person=HEALTH)
    assert ("⚠ Recorded, but 19/06/2027 is a Saturday, not a working day: if that was not meant, choose another date."
            in texts_of(card))
    assert "Status: not completed yet, will be by 19/06/2027" in texts_of(card)
    assert "Due: 17:00 Sat 19 Jun (⚠ a Saturday, not a working day)" in texts_of(card)  # and on every copy of the card
    message = activities.channel_mention(bot.connector.url, "A3 by 31/5/2027", aad_id=chair.person["aad_id"],
                                         user_id=chair.person["user_id"], name=chair.person["name"])
    assert (await bot.post(message)).status == 201
    said = [a["text"] for a in bot.connector.sent if (a.get("text") or "").startswith("A3 (CR-104233)")]
    assert said[-1] == ("A3 (CR-104233): not completed yet, will be by 31/05/2027 (a bank holiday (Spring Bank Holiday), "
                        f"not a working day: if that was not meant, give another date). Recorded for {chair.person['name']}.")


async def test_the_same_reply_delivered_twice_at_the_same_moment_is_applied_once_and_no_turn_fails(bot, recorded, caplog):
    import asyncio

    chair, _ = recorded
    message = activities.channel_mention(bot.connector.url, "A2 done", aad_id=HEALTH["aad_id"], user_id=HEALTH["user_id"],
                                         name=HEALTH["name"])
    statuses = await asyncio.gather(bot.post(message), bot.post(message))  # Teams retried while the first was still running
    assert [s.status for s in statuses] == [201, 201]
    async with bot.services.uow() as uow:
        discussion = await uow.discussions.get(chair.discussion_id)
        a2 = next(a for a in discussion.actions if a.number == 2)
        assert [u.status for u in a2.history].count("completed") == 1
    assert "turn failed" not in caplog.text


async def test_finalised_in_the_chat_it_was_convened_in_the_summary_is_there_once(bot):
    """From a Playground walk: in a personal chat the record card became the summary, and the summary
    was posted again below it, both with their buttons."""
    chair = Chair(bot)  # convened in the chair's personal chat with the bot
    await convene(chair, child=CHILD, concern={"concerns": "physical_abuse", "received_time": "10:00"},
                  when={"slot": "other", "other_date": "2027-05-28", "other_time": "14:00"})
    await chair.press("convene.confirm")
    await bot.services.drain()
    from .test_durable_effects import walk_to

    bot.services.clock.set(datetime(2027, 5, 28, 14, 55, tzinfo=timezone.utc))  # the meeting has just ended
    [opened] = [a for a in await chair.say("record") if a.get("attachments")]
    chair.card = opened["attachments"][0]["content"]
    if "1 of 10" not in texts_of(chair.card):
        chair.card = await chair.press("discussion.open", keep_inputs=False)
    await walk_to(chair, "10 of 10")
    second = chair.invoke("record.finalise", keep_inputs=False)  # a double-click's second press, from the same card
    card = await chair.press("record.finalise", keep_inputs=False)
    again = await chair.answer(await bot.post(second))
    await bot.services.drain()
    assert texts_of(again) == texts_of(card)
    assert texts_of(card) == ("Record finalised: Strategy discussion CR-104233 (AB)\n"
                              "Its summary, and a card for each action's owner, are posted below.")
    summaries = [a for a in bot.connector.sent if a.get("attachments") and
                 texts_of(a["attachments"][0]["content"]).startswith("Record finalised") and "agreed" in
                 texts_of(a["attachments"][0]["content"])]
    assert len(summaries) == 1


async def test_a_review_with_no_date_agreed_is_owed_by_the_actions_date_not_the_referrals_timescale_again(bot):
    """With no date agreed at the discussion, a review started from "needs a further discussion" took a
    deadline from the referral's rules again, not the date the chair was being chased for."""
    chair = await convened(bot)
    await record_the_discussion(bot, chair)
    first = chair.discussion_id
    message = activities.channel_mention(bot.connector.url, "A4 further discussion", aad_id=chair.person["aad_id"],
                                         user_id=chair.person["user_id"], name=chair.person["name"])
    assert (await bot.post(message)).status == 201
    await bot.services.drain()
    review = await chair.press("convene.review", {"discussion_id": first}, keep_inputs=False)
    chair.card = review
    concern = await chair.press("convene.next", CHILD)
    assert "already has a strategy discussion" not in texts_of(concern)  # the one it reviews (a walk: it warned against itself)
    card = await chair.press("convene.next", {"concerns": "physical_abuse", "received_time": "10:00"})
    # A4 was agreed for 1 working day after Friday 28 May: Tuesday 1 June (31 May a bank holiday), by its close.
    assert ("**Deadline: by 17:00 Tue 1 Jun**: A4: a further strategy discussion is needed, and no date was agreed "
            "for it (owed by the chair, and chased)") in texts_of(card), texts_of(card)
    assert "Emergency Duty Team" not in texts_of(card)


async def test_a_review_started_in_the_personal_chat_is_that_chats_draft(bot):
    """A walk: convened in the channel, the review was started from the discussion's card in the chair's personal chat;
    `strategy` typed there started a blank draft, "a draft in progress in another chat or thread" being the review."""
    chair = await convened(bot)
    await record_the_discussion(bot, chair)
    alone = Chair(bot)  # the same chair, in their personal chat
    alone.discussion_id = chair.discussion_id
    review = await alone.press("convene.review", {"discussion_id": chair.discussion_id}, keep_inputs=False)
    drafted = review["actions"][0]["data"]["discussion_id"]
    sent = await alone.say("strategy")
    assert "You have a strategy discussion draft in progress: carry on where you stopped, or cancel it to start again." in [
        a.get("text") for a in sent]
    [card] = [a["attachments"][0]["content"] for a in sent if a.get("attachments")]
    assert card["actions"][0]["data"]["discussion_id"] == drafted
    assert next(i for i in inputs(card) if i["id"] == "case_reference")["value"] == "CR-104233"


async def test_a_review_with_no_date_agreed_meets_the_s47_review_owed_or_is_said_to_be_unplanned(bot):
    """A re-check: with no date agreed and nothing asked for, Start a review discussion gave a new referral's three working
    days, and the tab counted it as a referral's discussion. hackney owes a review if s47 enquiries are not concluded
    within 15 working days (4.3, 9.3): that is the review this one is, and convening it meets it."""
    chair = await convened(bot)
    await record_the_discussion(bot, chair)  # s47 decided on Friday 28 May 2027, no next discussion agreed
    review = await chair.press("convene.review", {"discussion_id": chair.discussion_id}, keep_inputs=False)
    chair.card = review
    await chair.press("convene.next", CHILD)
    card = await chair.press("convene.next", {"concerns": "physical_abuse", "received_time": "15:00"})
    # 15 working days after Friday 28 May (31 May a bank holiday): Monday 21 June, by its close.
    assert ("**Deadline: by 17:00 Mon 21 Jun**: the s47 review discussion is owed (hackney 4.3, 9.3), and no date was agreed "
            "for it (owed by the chair, and chased)") in texts_of(card), texts_of(card)
    await chair.press("convene.next")
    await chair.press("convene.next", {"slot": "other", "other_date": "2027-06-01", "other_time": "10:00"})
    await chair.press("convene.confirm")
    await bot.services.drain()
    async with bot.services.uow() as uow:
        owed = {o.kind: o.state for o in await uow.obligations.for_discussion(chair.discussion_id)}
    assert owed["s47_review"] == "satisfied" and owed["icpc"] == "open"  # the review held; the conference still owed


async def test_a_review_on_a_bank_holiday_is_told_before_finalising_and_kept_if_pressed_again(bot):
    """A procedures expert's trial: a review discussion on New Year's Day was finalised at once, without a word;
    a meeting or an action on such a day is said beside it. Finalising cannot be undone, so the first press says it."""
    chair = await convened(bot)
    typed = {"next_date": "2027-08-30", "next_time": "10:00", "next_venue": "MASH room 4"}  # the summer bank holiday
    card = await record_the_discussion(bot, chair, next_discussion=typed)
    assert ("⚠ 30/08/2027 is a bank holiday (Late Summer Bank Holiday), not a working day. Press Finalise again to keep it, "
            "or choose another date.") in texts_of(card), texts_of(card)
    assert {i["id"]: i.get("value") for i in inputs(card) if i["id"] in typed} == typed  # what was typed is still there
    async with bot.services.uow() as uow:
        assert (await uow.discussions.get(chair.discussion_id)).status == "recording"
    card = await chair.press("record.finalise")  # meant: pressed again, as it stands
    async with bot.services.uow() as uow:
        discussion = await uow.discussions.get(chair.discussion_id)
        owed = {o.key.split(":", 1)[1]: o for o in await uow.obligations.for_discussion(chair.discussion_id)}
    assert discussion.status == "recorded" and discussion.record["next"]["next"] == "2027-08-30T10:00:00+01:00"
    assert owed["review_discussion"].due_at.isoformat() == "2027-08-30T09:00:00+00:00"


async def a_review_agreed_and_a4_further_discussion(bot) -> tuple[Chair, str]:
    """A discussion recorded with a review agreed for 25 June, and A4 since reported as needing a further one."""
    chair = await convened(bot)
    await record_the_discussion(bot, chair, next_discussion={"next_date": "2027-06-25", "next_time": "10:00", "next_venue": "MASH"})
    message = activities.channel_mention(bot.connector.url, "A4 further discussion", aad_id=chair.person["aad_id"],
                                         user_id=chair.person["user_id"], name=chair.person["name"])
    assert (await bot.post(message)).status == 201
    return chair, chair.discussion_id


async def test_a_review_discussion_keeps_to_its_agreed_date_and_does_not_start_the_cases_clocks_again(bot):
    """A procedures expert's trial: a review was convened as a new referral (a deadline three working
    days from the day it was started, its agreed date refused as late) and recording s47 again started
    a second ICPC and assessment clock, weeks after the first."""
    chair, first = await a_review_agreed_and_a4_further_discussion(bot)
    async with bot.services.uow() as uow:
        owed = {o.key.split(":", 1)[1]: o for o in await uow.obligations.for_discussion(first)}
    assert owed["review_discussion"].due_at.isoformat() == "2027-06-25T09:00:00+00:00"  # 10:00 BST, as agreed
    # An agency saying a further discussion is needed leaves the chair owing one, by the action's own date, chased.
    assert owed["review_discussion:A4"].state == "open" and owed["review_discussion:A4"].owner_agency == "social_care"
    assert owed["review_discussion:A4"].due_at.isoformat() == "2027-06-01T16:00:00+00:00"  # A4: 1 working day

    bot.services.clock.set(datetime(2027, 6, 15, 9, 0, tzinfo=timezone.utc))
    await bot.services.drain()
    review = await chair.press("convene.review", {"discussion_id": first}, keep_inputs=False)
    chair.card = review
    card = await chair.press("convene.next", CHILD)
    card = await chair.press("convene.next", {"concerns": "physical_abuse", "received_time": "10:00"})
    assert ("**Deadline: by 17:00 Fri 25 Jun**: the review was agreed at the last discussion for 10:00 Fri 25 Jun "
            "(agreed at the discussion)") in texts_of(card), texts_of(card)
    card = await chair.press("convene.next")
    card = await chair.press("convene.next", {"slot": "other", "other_date": "2027-06-25", "other_time": "10:00"})
    assert "⚠" not in texts_of(card), texts_of(card)  # the agreed date is not "after the statutory deadline"
    assert "Emergency Duty Team" not in texts_of(card)  # agreed for 10:00 on a working day: the day team's
    await chair.press("convene.confirm")
    await bot.services.drain()
    async with bot.services.uow() as uow:
        reviews = {o.key.split(":", 1)[1]: o.state for o in await uow.obligations.for_discussion(first) if o.kind == "review_discussion"}
    assert reviews == {"review_discussion": "satisfied", "review_discussion:A4": "satisfied"}  # the review is convened

    from sqlalchemy import select

    from storage.models import Discussion

    async with bot.services.uow() as uow:
        second = (await uow.session.execute(select(Discussion.id).where(Discussion.linked_discussion_id == first))).scalar_one()
    chair.discussion_id = second
    await record_the_discussion(bot, chair, ended_at=datetime(2027, 6, 25, 10, 55, tzinfo=timezone.utc), health_records_by="09/07/2027")
    async with bot.services.uow() as uow:
        kinds = {o.kind for o in await uow.obligations.for_discussion(second)}
        assert (await uow.discussions.get(second)).status == "recorded"
    assert not kinds & {"icpc", "s47_review", "assessment"}  # the first discussion's run on: 21/06 and 02/08
    async with bot.services.uow() as uow:  # the census counts the case's s47 once, from the discussion that started it
        started = await uow.oversight.section_47(None, datetime(2027, 5, 1, tzinfo=timezone.utc), datetime(2027, 7, 1, tzinfo=timezone.utc))
    assert [row["id"] for row in started] == [first]
    assert "information_update" in kinds  # this discussion's own follow-up is owed as usual


async def _convene_review(bot, chair: Chair, data: dict, *, day: str, deadline: str) -> str:
    """The review draft the button `data` starts, walked to a meeting at 10:00 on `day`; its id."""
    from sqlalchemy import select

    from storage.models import Discussion

    chair.card = await chair.press("convene.review", data, keep_inputs=False)
    await chair.press("convene.next", CHILD)
    card = await chair.press("convene.next", {"concerns": "physical_abuse", "received_time": "08:30"})
    assert deadline in texts_of(card), texts_of(card)
    await chair.press("convene.next")
    await chair.press("convene.next", {"slot": "other", "other_date": day, "other_time": "10:00"})
    await chair.press("convene.confirm")
    await bot.services.drain()
    async with bot.services.uow() as uow:
        return (await uow.session.execute(select(Discussion.id).where(Discussion.linked_discussion_id == data["discussion_id"])
                                          .order_by(Discussion.created_at.desc()))).scalars().first()


async def test_a_review_of_a_review_runs_on_the_first_clocks_and_one_asked_for_leaves_the_agreed_one_owed(bot):
    """A procedures expert's trial: a review of a review started a second ICPC, s47 review and assessment,
    counted from the second review; a review an agency asked for, held before the one agreed at the
    discussion, closed that one without a word and said the agreed date as its own deadline; and the
    agreed review had no button, so it was convened with /strategy as a new referral."""
    chair, first = await a_review_agreed_and_a4_further_discussion(bot)
    await bot.services.drain()
    offered = thread_cards(bot)[-1]["actions"][0]["data"]
    assert offered["owed"] == f"{first}:review_discussion:A4"

    # The review A4 asked for is owed by A4's date (1 working day after Friday 28 May: Tuesday 1 June, 31 May a
    # bank holiday), and that is its deadline, not 25 June's, agreed for the other.
    bot.services.clock.set(datetime(2027, 6, 1, 8, 0, tzinfo=timezone.utc))
    second = await _convene_review(bot, chair, {k: v for k, v in offered.items() if k != "verb"}, day="2027-06-01",
                                   deadline="**Deadline: by 17:00 today**: A4: a further strategy discussion is needed")  # Tue 1 Jun
    async with bot.services.uow() as uow:
        reviews = {o.key.split(":", 1)[1]: o.state for o in await uow.obligations.for_discussion(first) if o.kind == "review_discussion"}
    assert reviews == {"review_discussion:A4": "satisfied", "review_discussion": "open"}  # 25 June's is still owed

    chair.discussion_id = second
    await record_the_discussion(bot, chair, ended_at=datetime(2027, 6, 1, 9, 55, tzinfo=timezone.utc))
    # The agreed review, from the first discussion's card (its new button): the agreed date is its deadline.
    card = await chair.press("discussion.open", {"discussion_id": first}, keep_inputs=False)
    [button] = [a for a in card["actions"] if a.get("verb") == "convene.review"]
    assert button["title"] == "Start a review discussion"
    bot.services.clock.set(datetime(2027, 6, 21, 8, 0, tzinfo=timezone.utc))
    third = await _convene_review(bot, chair, {"discussion_id": first}, day="2027-06-25",
                                  deadline="**Deadline: by 17:00 Fri 25 Jun**: the review was agreed at the last discussion")
    chair.discussion_id = third
    await record_the_discussion(bot, chair, ended_at=datetime(2027, 6, 25, 9, 55, tzinfo=timezone.utc), health_records_by="09/07/2027")
    # And a review of the second review: recording s47 again starts none of the case's clocks.
    bot.services.clock.set(datetime(2027, 6, 28, 8, 0, tzinfo=timezone.utc))
    chair.discussion_id = await _convene_review(bot, chair, {"discussion_id": second}, day="2027-06-29", deadline="Deadline")
    fourth = chair.discussion_id
    await record_the_discussion(bot, chair, ended_at=datetime(2027, 6, 29, 9, 55, tzinfo=timezone.utc), health_records_by="09/07/2027")
    async with bot.services.uow() as uow:
        for review in (second, third, fourth):
            kinds = {o.kind for o in await uow.obligations.for_discussion(review)}
            assert (await uow.discussions.get(review)).status == "recorded" and "information_update" in kinds
            assert not kinds & {"icpc", "s47_review", "assessment"}, kinds  # the first discussion's run on
        started = await uow.oversight.section_47(None, datetime(2027, 5, 1, tzinfo=timezone.utc), datetime(2027, 7, 1, tzinfo=timezone.utc))
    assert [row["id"] for row in started] == [first]  # the census counts the case's s47 once


async def test_a_professional_disagreement_is_recorded_never_blocks_and_the_managers_named_are_told_whose_not_what(bot):
    """PROTOCOL.md §7 (a procedures trial found it missing): the chair records a professional disagreement on
    the decisions card; the record is finalised as usual; the disagreeing agency's lead and the chair's manager
    (the directory's leads, hackney's profile) hear whose it is and that the CHSCP Escalation Policy applies
    (hackney 5.1), never what it is about, which stays on the record; the thread says the same."""
    from sqlalchemy import select

    from storage.models import AuditEvent, Effect

    chair = await convened(bot)
    about = "DS Placeholder considers the threshold for s47 not met; social care and health disagree"
    card = await record_the_discussion(bot, chair, disagreement={"disagreement_agency": "police", "disagreement_about": about})
    assert "Record finalised" in texts_of(card)
    async with bot.services.uow() as uow:
        discussion = await uow.discussions.get(chair.discussion_id)
        told = {e.key.rsplit(":", 1)[1]: e.payload for e in (await uow.session.execute(
            select(Effect).where(Effect.key.like(f"{chair.discussion_id}:record:disagreement:%")))).scalars()}
        [audited] = (await uow.session.execute(select(AuditEvent).where(AuditEvent.action == "record.disagreement"))).scalars().all()
    assert discussion.status == "recorded" and discussion.record["disagreement"]["about"] == about  # on the record, whole
    # By email (the example directory's leads have no Teams id): the police's lead, and social care's as the chair's manager.
    assert {role: payload["to"] for role, payload in told.items()} == {
        "agency_lead": "ppu.di@hackney.example.org", "chair_manager": "social.care.manager@hackney.example.org"}
    for payload in told.values():
        assert payload["subject"] == "Professional disagreement: Strategy discussion CR-104233 (AB)"
        assert "recorded a professional disagreement from Police" in payload["body"]
        assert "It goes to the CHSCP Escalation Policy (hackney 5.1)" in payload["body"]
        assert about not in payload["body"] and "threshold" not in payload["body"]
    assert audited.details == {"agency": "police", "policy": "the CHSCP Escalation Policy", "told": ["the agency's lead", "the chair's manager"]}
    summary = next(a["attachments"][0]["content"] for a in bot.connector.sent if a.get("attachments")
                   and texts_of(a["attachments"][0]["content"]).startswith("Record finalised"))
    assert ("⚠ Professional disagreement recorded (Police): it goes to the CHSCP Escalation Policy (hackney 5.1). "
            "The agency's lead and the chair's manager have been told.") in texts_of(summary)
    assert about not in json.dumps(bot.connector.sent)  # nothing typed in the thread
    card = await chair.press("discussion.open", {"discussion_id": chair.discussion_id}, keep_inputs=False)
    assert "⚠ Professional disagreement recorded (Police)" in texts_of(card)  # the chair's card says it too


async def test_half_a_disagreement_is_refused_on_the_card_and_nothing_typed_is_lost(bot):
    chair = await convened(bot)
    bot.services.clock.set(datetime(2027, 5, 28, 14, 55, tzinfo=timezone.utc))
    card = await record_to_decisions(bot, chair)
    card = await chair.press("record.next", {"disagreement_about": "Police think no s47"})
    assert "⚠ Choose the agency that disagrees" in texts_of(card) and "6 of 10" in texts_of(card)
    assert next(i for i in inputs(card) if i["id"] == "disagreement_about")["value"] == "Police think no s47"
    card = await chair.press("record.back")
    card = await chair.press("record.next")
    assert next(i for i in inputs(card) if i["id"] == "disagreement_about")["value"] == "Police think no s47"  # kept over Back
    card = await chair.press("record.next", {"disagreement_agency": "police"})
    assert "7 of 10" in texts_of(card)
    card = await chair.press("record.back")
    assert {i["id"]: i["value"] for i in inputs(card) if i["id"].startswith("disagreement")} == {
        "disagreement_agency": "police", "disagreement_about": "Police think no s47"}
    card = await chair.press("record.next", {"disagreement_agency": "none", "disagreement_about": ""})  # taken back
    assert "7 of 10" in texts_of(card)
    async with bot.services.uow() as uow:
        assert (await uow.discussions.get(chair.discussion_id)).record["disagreement"] is None


async def test_the_record_is_finalised_only_from_its_last_card_and_record_buttons_after_cancel_say_so(bot):
    """The hostile trial: Finalise sent with card 1's data finalised a record with nine parts empty;
    a record button on a cancelled discussion failed the turn."""
    chair = await convened(bot)
    bot.services.clock.set(datetime(2027, 5, 28, 14, 55, tzinfo=timezone.utc))
    await chair.say("record")
    card = await chair.press("discussion.open", keep_inputs=False)
    assert "1 of 10" in texts_of(card)
    chair.card["actions"].append({"type": "Action.Execute", "verb": "record.finalise", "data": chair.card["actions"][0]["data"]})
    card = await chair.press("record.finalise")  # card 1's own data, the verb changed
    assert "⚠ Finalise is on the last card: go through each part with Next first." in texts_of(card) and "1 of 10" in texts_of(card)
    async with bot.services.uow() as uow:
        assert (await uow.discussions.get(chair.discussion_id)).status == "recording"
        assert not [o for o in await uow.obligations.for_discussion(chair.discussion_id) if o.kind == "icpc"]

    other = Chair(bot, conversation="channel")
    await convene(other, child={**CHILD, "case_reference": "CR-200001"}, concern={"concerns": "physical_abuse", "received_time": "10:00"},
                  when={"slot": "other", "other_date": "2027-05-28", "other_time": "16:00"})
    await other.press("convene.confirm")
    await bot.services.drain()
    other.card = None
    before = len(bot.connector.sent)  # Export on a record not finalised: says so, and nothing goes (it said it had)
    card = await other.press("record.export", {"discussion_id": other.discussion_id}, keep_inputs=False)
    assert texts_of(card).startswith("Not exported") and not [a for a in bot.connector.sent[before:] if a.get("attachments")]
    await other.press("discussion.cancel", {"cancel_reason": "child safe with grandmother"}, keep_inputs=False)
    for verb in ("record.open", "record.next", "record.finalise"):
        card = await other.press(verb, {"discussion_id": other.discussion_id}, keep_inputs=False)
        assert texts_of(card) == ("Cancelled\nStrategy discussion CR-200001 (AB): this strategy discussion was cancelled; "
                                  "there is no record to write.")


async def opened_record(bot, *, child=CHILD, ended_at=datetime(2027, 5, 28, 14, 55, tzinfo=timezone.utc)) -> Chair:
    """Convened in the chair's personal chat for 14:00 on Friday 28 May 2027, its record opened at `ended_at`."""
    chair = Chair(bot)
    await convene(chair, child=child, concern={"concerns": "physical_abuse", "received_time": "10:00"},
                  when={"slot": "other", "other_date": "2027-05-28", "other_time": "14:00"})
    await chair.press("convene.confirm")
    await bot.services.drain()
    bot.services.clock.set(ended_at)
    [opened] = [a for a in await chair.say("record") if a.get("attachments")]
    chair.card = opened["attachments"][0]["content"]
    if "1 of 10" not in texts_of(chair.card):
        chair.card = await chair.press("discussion.open", keep_inputs=False)
    return chair


async def test_the_record_starts_with_the_other_children_named_when_convening(bot):
    """A trial: siblings typed in the wizard had to be typed again in the record's household step."""
    from .chair import inputs_of
    from .test_durable_effects import walk_to

    chair = await opened_record(bot, child={**CHILD, "other_children": "CD 02/04/2017\nEF 30/11/2019"})
    card = await walk_to(chair, "2 of 10")
    assert inputs_of(card)["other_children"] == "CD (born 02/04/2017)\nEF (born 30/11/2019)"


async def test_an_unborn_childs_record_is_not_sent_to_the_education_welfare_service_by_default(bot):
    """A procedures expert's trial: the distribution for a pre-birth discussion named the Education Welfare Service."""
    from .chair import inputs_of
    from .test_durable_effects import walk_to

    chair = await opened_record(bot, child={"case_reference": "CR-104233", "initials": "AB", "unborn": "true"})
    card = await walk_to(chair, "9 of 10")
    distribution = inputs_of(card)["distribution"]
    assert "Child's GP" in distribution and "Education Welfare Service" not in distribution


async def test_a_record_typed_days_later_counts_an_actions_timescale_from_the_discussion(bot):
    # Held on the Friday, recorded on the Tuesday: Monday 31/05 was a bank holiday.
    chair = await opened_record(bot, ended_at=datetime(2027, 6, 1, 9, 30, tzinfo=timezone.utc))
    from .test_durable_effects import walk_to

    await walk_to(chair, "8 of 10")
    card = await chair.press("record.add_action", {"action_child": "AB", "action_what": "Police checks", "action_agency": "police",
                                                   "action_owner": "DS Pat", "action_email": "cait.ds@hackney.example.org",
                                                   "action_due": "1 working day"})
    assert "**A1 (AB)**: Police checks: Police, DS Pat, by 01/06/2027" in texts_of(card)  # Friday's next working day
    card = await chair.press("record.add_action", {"action_child": "AB", "action_what": "Speak to the school", "action_agency": "police",
                                                   "action_owner": "DS Pat", "action_email": "cait.ds@hackney.example.org",
                                                   "action_due": "28/05/2027"})
    assert "by 28/05/2027 (⚠ already passed: overdue from the start)" in texts_of(card)


@pytest.mark.parametrize("together", [False, True])
async def test_a_double_click_on_an_action_cards_button_is_one_report(bot, recorded, together):
    """From a second Playground walk: each click has its own activity id, so a double-click on
    "Needs a further discussion" recorded two reports and posted two review offers."""
    chair, actions = recorded
    posted = [a for a in bot.connector.sent if a.get("attachments") and a["attachments"][0]["content"]["body"][0].get("text", "").startswith("A4 ·")][-1]
    chair.card = posted["attachments"][0]["content"]
    clicks = [chair.invoke("action.needs_discussion", {"action_id": actions[4]}, keep_inputs=False) for _ in range(2)]
    if together:
        responses = await asyncio.gather(*(bot.post(c) for c in clicks))
    else:
        responses = [await bot.post(c) for c in clicks]
    answers = [texts_of(await chair.answer(r)) for r in responses]
    await bot.services.drain()
    assert all("Status: needs a further strategy discussion" in a for a in answers), answers
    async with bot.services.uow() as uow:
        discussion = await uow.discussions.get(chair.discussion_id)
        [a4] = [a for a in discussion.actions if a.number == 4]
        offers = [e for e in await uow.effects.for_discussion(chair.discussion_id) if e.key.endswith(":review-offer")]
    assert [u.status for u in a4.history].count("needs_discussion") == 1 and len(offers) == 1
    # Confirmed in the thread, as a typed reply is (the README's promise; a re-walk found buttons silent), once.
    said = [a["text"] for a in bot.connector.sent if (a.get("text") or "").startswith("A4 (CR-104233): needs a further")]
    assert len(said) == 1 and said[0].endswith(f"Recorded for {chair.person['name']}.")


async def test_the_same_report_again_without_the_cards_state_is_recorded_once(bot, recorded):
    """A hostile-input trial pressed "will be done by" twice with presses that carried no card state
    (`seen`): two reports were recorded. An action already standing as reported records nothing new."""
    chair, actions = recorded
    posted = [a for a in bot.connector.sent if a.get("attachments") and a["attachments"][0]["content"]["body"][0].get("text", "").startswith("A4 ·")][-1]
    chair.card = posted["attachments"][0]["content"]
    clicks = []
    for _ in range(2):
        click = chair.invoke("action.will_complete_by", {"action_id": actions[4], "by": "30/06/2027"}, keep_inputs=False)
        click["value"]["action"]["data"].pop("seen", None)
        clicks.append(click)
    answers = [texts_of(await chair.answer(await bot.post(c))) for c in clicks]
    assert all("Status: not completed yet, will be by 30/06/2027" in a for a in answers), answers
    async with bot.services.uow() as uow:
        discussion = await uow.discussions.get(chair.discussion_id)
        [a4] = [a for a in discussion.actions if a.number == 4]
    assert [u.status for u in a4.history].count("will_complete_by") == 1


@pytest.mark.parametrize("url, local_mode, allowed", [
    ("https://contoso-my.sharepoint.com/personal/sam/_api/upload", False, True),
    ("https://contoso-my.sharepoint.us/personal/sam/upload", False, True),
    ("http://contoso-my.sharepoint.com/personal/sam/upload", False, False),  # not over https
    ("https://evil.example/upload", False, False),  # the record goes nowhere an invoke names
    ("https://sharepoint.com.evil.example/upload", False, False),
    ("file:///etc/passwd", False, False), ("http://[::1/x", False, False), (None, False, False),
    ("http://127.0.0.1:3979/upload/x.docx", True, True),  # local mode: the tests' and the Playground's stand-ins
    ("file:///etc/passwd", True, False)])
def test_the_record_is_uploaded_only_to_the_chairs_onedrive(url, local_mode, allowed):
    from types import SimpleNamespace

    from bot.export import ExportFlow

    assert ExportFlow(SimpleNamespace(local_mode=local_mode), directory=Path("."))._onedrive(url) is allowed


async def test_a_press_on_an_older_copy_of_an_action_card_says_the_action_had_changed(bot, recorded):
    """A walk: Completed pressed on A1's first card, after A1 had become "by 20/12", came back unchanged without a word."""
    chair, actions = recorded
    posted = [a for a in bot.connector.sent if a.get("attachments") and a["attachments"][0]["content"]["body"][0].get("text", "").startswith("A1 ·")][-1]
    chair.card = posted["attachments"][0]["content"]
    old_completed = chair.invoke("action.completed", {"action_id": actions[1]}, keep_inputs=False, as_person=POLICE)
    card = await chair.press("action.will_complete_by", {"action_id": actions[1], "by": "30/06/2027"}, keep_inputs=False,
                             as_person=POLICE)
    assert "Status: not completed yet, will be by 30/06/2027" in texts_of(card)
    answer = texts_of(await chair.answer(await bot.post(old_completed)))
    assert ("⚠ A1 had changed since that card was drawn: it is now not completed yet, will be by 30/06/2027. Nothing was "
            "recorded: press again if you still mean it.") in answer
    async with bot.services.uow() as uow:
        _, a1 = await uow.discussions.with_action(discussion_id=chair.discussion_id, number=1)
    assert a1.status == "will_complete_by"
    # Closed since: nothing left to press, so not told to press again (a walk: said on a card without buttons).
    async with bot.services.uow() as uow:
        _, a1 = await uow.discussions.with_action(discussion_id=chair.discussion_id, number=1)
        await uow.discussions.change_action(a1, status="completed", updated_at=bot.services.clock.now())
        await uow.commit()
    answer = texts_of(await chair.answer(await bot.post(chair.invoke("action.not_required", {"action_id": actions[1], "reason": "x",
                                                                                              "seen": "open@an older card"},
                                                                     keep_inputs=False, as_person=POLICE))))
    assert "⚠ A1 had changed since that card was drawn: it is now completed. Nothing was recorded." in answer, answer
    assert "press again" not in answer


async def breach(bot, discussion_id: str, kind: str, agency: str | None = None) -> str:
    """An obligation of this kind (and agency) taken to the top of its ladder, past due (as the chasers leave it): its key."""
    async with bot.services.uow() as uow:
        owed = next(o for o in await uow.obligations.for_discussion(discussion_id)
                    if o.kind == kind and agency in (None, o.owner_agency))
        await uow.obligations.change(owed.key, state="breached", escalation_level=3)
        await uow.commit()
    return owed.key


async def obligation_state(bot, key: str) -> str:
    async with bot.services.uow() as uow:
        return next(o.state for o in await uow.obligations.for_discussion(key.split(":")[0]) if o.key == key)


async def test_what_arrives_late_meets_its_breached_obligation(bot, recorded):
    """A walk: health's information update, sent once its chasing had reached the top ("BREACHED, ladder
    exhausted"), was kept but left the obligation breached: on `overdue` for ever, with nothing the chair
    could press. A late update, a late distribution of the record, and a cancelled meeting each close it."""
    chair, _ = recorded
    update = await breach(bot, chair.discussion_id, "information_update", "police")
    said = await said_in_thread(bot, "update checks done, nothing further known", POLICE)
    assert "your one-working-day information update is complete" in said
    assert await obligation_state(bot, update) == "satisfied"
    overdue = (await chair.say("overdue"))[-1]["text"]
    assert "information update (Police)" not in overdue, overdue

    # The record's distribution, owed by a date (bristol's out-of-hours record; hackney's is "as soon as practicable").
    from storage.models import Obligation
    now = bot.services.clock.now()
    async with bot.services.uow() as uow:
        await uow.obligations.add_once(Obligation(
            key=f"{chair.discussion_id}:out_of_hours_record", kind="out_of_hours_record", discussion_id=chair.discussion_id,
            subject_type="discussion", subject_id=chair.discussion_id, owner_agency="social_care", due_at=now, state="breached",
            rule_source="bristol 4.2", created_at=now, updated_at=now))
        await uow.commit()
    await chair.press("record.distributed", {"discussion_id": chair.discussion_id}, keep_inputs=False)
    assert await obligation_state(bot, f"{chair.discussion_id}:out_of_hours_record") == "satisfied"


async def test_a_cancelled_meeting_owes_nothing_even_what_had_been_breached(bot):
    chair = await convened(bot)
    async with bot.services.uow() as uow:
        kinds = [o.kind for o in await uow.obligations.for_discussion(chair.discussion_id)]
    key = await breach(bot, chair.discussion_id, kinds[0])
    chair.card = None
    await chair.press("discussion.cancel", {"cancel_reason": "child safe with grandmother"}, keep_inputs=False)
    assert await obligation_state(bot, key) == "cancelled"


async def refusals(bot, discussion_id: str) -> list[tuple[str, str]]:
    async with bot.services.uow() as uow:
        return [(e.actor, e.details.get("verb")) for e in await uow.audit.for_subject("discussion", discussion_id)
                if e.action == "discussion.access_refused"]


async def test_every_refused_press_on_someone_elses_discussion_is_audited(bot):
    """A hostile trial: an outsider's Finalise on a child's record, Move or Cancel of its meeting, Export or
    Distributed were each refused and left no trace; the wizard's and the clocks' refusals did."""
    chair = await convened(bot)
    data = {"discussion_id": chair.discussion_id}
    for verb in ("discussion.move", "discussion.cancel", "record.open", "record.finalise"):
        card = await chair.press(verb, data, keep_inputs=False, as_person=STRANGER)
        assert texts_of(card).startswith("Not yours\nOnly the chair can"), (verb, texts_of(card))
    async with bot.services.uow() as uow:
        police = next(i for i in (await uow.discussions.get(chair.discussion_id)).invitations if i.agency == "police")
    card = await chair.press("rsvp.accept", {**data, "invitation_id": police.id}, keep_inputs=False, as_person=STRANGER)
    assert texts_of(card) == "Not your invitation\nOnly the person invited can answer this invitation."
    await record_the_discussion(bot, chair)
    for verb in ("record.export", "record.distributed"):
        card = await chair.press(verb, data, keep_inputs=False, as_person=STRANGER)
        assert texts_of(card).startswith(("Not yours", "Not exported")), (verb, texts_of(card))
    assert await refusals(bot, chair.discussion_id) == [(STRANGER["aad_id"], verb) for verb in (
        "discussion.move", "discussion.cancel", "record.open", "record.finalise", "rsvp.accept", "record.export", "record.distributed")]
    missing = await chair.press("record.finalise", {"discussion_id": "no-such-discussion"}, keep_inputs=False, as_person=STRANGER)
    assert texts_of(missing) == "Not found\nThis strategy discussion no longer exists."


@pytest.mark.parametrize("together", [False, True], ids=["one after the other", "at once"])
async def test_a_double_click_on_export_offers_the_record_once(bot, recorded, together):
    """A hostile trial: two presses of Export (or `record export` delivered twice) offered the record twice
    in the chair's chat, each audited."""
    chair, _ = recorded
    clicks = [chair.invoke("record.export", {"discussion_id": chair.discussion_id}, keep_inputs=False) for _ in range(2)]
    responses = await asyncio.gather(*(bot.post(c) for c in clicks)) if together else [await bot.post(c) for c in clicks]
    answers = [texts_of(await chair.answer(r)) for r in responses]
    assert answers == ["Record\nThe record (DOCX and PDF) is offered in your personal chat with me."] * 2, answers
    await bot.services.drain()
    async with bot.services.uow() as uow:
        exported = [e for e in await uow.audit.for_subject("discussion", chair.discussion_id) if e.action == "record.exported"]
    offers = [a for a in bot.connector.sent if any(c.get("contentType") == "application/vnd.microsoft.teams.card.file.consent"
                                                    for c in a.get("attachments") or [])]
    assert len(exported) == 1 and len(offers) == 1
    bot.services.clock.set(bot.services.clock.now() + timedelta(minutes=2))  # asked again later: offered again
    await bot.post(chair.invoke("record.export", {"discussion_id": chair.discussion_id}, keep_inputs=False))
    async with bot.services.uow() as uow:
        assert len([e for e in await uow.audit.for_subject("discussion", chair.discussion_id) if e.action == "record.exported"]) == 2


async def test_a_reason_no_longer_required_is_kept_to_a_sentence_or_two_however_it_comes(bot, recorded):
    """A hostile trial stored a 200,000-character reason from the emailed link, and 60,000 from the thread."""
    chair, actions = recorded
    too_long = "the family moved away " * 30  # 660 characters
    card = await chair.press("action.not_required", {"action_id": actions[3], "reason": too_long}, keep_inputs=False,
                             as_person=chair.person)
    assert "⚠ Keep the reason under 500 characters." in texts_of(card)
    assert await said_in_thread(bot, f"A1 not required: {too_long}", POLICE) == "Keep the reason under 500 characters."
    async with bot.services.uow() as uow:
        discussion = await uow.discussions.get(chair.discussion_id)
    assert {a.number: a.status for a in discussion.actions}[1] == "open"
    assert {a.number: a.status for a in discussion.actions}[3] == "open"


async def test_a_meeting_change_pressed_on_a_draft_says_there_is_no_meeting_yet(bot):
    """A hostile trial's forged Move on a draft drew it as a convened discussion: "nothing was sent", "not quorate"."""
    chair = Chair(bot)
    await chair.strategy()
    for verb in ("discussion.move", "discussion.invite", "discussion.cancel"):
        card = await chair.press(verb, {"discussion_id": chair.discussion_id}, keep_inputs=False, as_person=chair.person)
        assert texts_of(card).startswith("Not convened yet\n") and texts_of(card).endswith("Nothing was changed."), texts_of(card)


async def test_a_reply_on_an_action_the_discussion_does_not_have_says_so_by_its_number(bot, recorded):
    """`A9 done` said there is no A9; `A0 done` (a hostile trial) said "That action no longer exists"."""
    chair, _ = recorded
    for number in (9, 0):
        said = await said_in_thread(bot, f"A{number} done", POLICE)
        assert said == f"There is no action A{number} on this discussion. Type `actions` to see them.", said


async def test_a_closed_action_changed_by_a_later_reply_is_said_as_such_and_the_chair_told(bot, recorded):
    """A walk: `A2 done`, then `A2 not required: GP did it`, turned a completed CP medical into "no longer
    required", confirmed as if it were the first report; nothing told the chair. It may be changed (the work
    was not finished after all), but never silently."""
    chair, _ = recorded

    reply = partial(said_in_thread, bot, person=POLICE)

    assert await reply("A1 done") == f"A1 (CR-104233): completed. Recorded for {POLICE['name']}."
    assert await reply("A1 not required: GP saw the child") == (
        f"A1 (CR-104233): was completed, now not completed and no longer required. Recorded for {POLICE['name']}.")
    assert await reply("A1 by 15/6/2027") == (
        f"A1 (CR-104233): was not completed and no longer required, now not completed yet, will be by 15/06/2027. "
        f"Recorded for {POLICE['name']}.")
    await bot.services.drain()
    to_chair = [a["text"] for a in bot.connector.sent if ", closed as " in (a.get("text") or "")]
    assert to_chair == [
        f"Strategy discussion CR-104233 (AB): A1, closed as completed, is now not completed and no longer required "
        f"({POLICE['name']}). Open the discussion's card to see it.",
        f"Strategy discussion CR-104233 (AB): A1, closed as not completed and no longer required, is now not completed yet, "
        f"will be by 15/06/2027 ({POLICE['name']}). Open the discussion's card to see it."]
    assert all("GP saw the child" not in text for text in to_chair)  # what was typed never goes to a chat
    thread = activities.channel_mention(bot.connector.url, "")["conversation"]["id"]
    assert all(a["_conversation_id"] != thread for a in bot.connector.sent if ", closed as " in (a.get("text") or ""))  # the chair's own chat


async def test_the_chair_opens_a_finalised_discussions_card_from_their_personal_chat(bot, recorded):
    """A walk: the chair's notice of an agency's update said "Open, or `record` here"; in the personal chat
    `record` answered that there was nothing to record, and Case clocks could be reached only by scrolling
    back to the channel's thread."""
    chair, _ = recorded
    mine = Chair(bot, conversation="personal", aad_id=chair.person["aad_id"], user_id=chair.person["user_id"],
                 name=chair.person["name"])
    for typed in ("record CR-104233", "record"):
        [answer] = [a for a in await mine.say(typed) if a.get("attachments")]
        card = answer["attachments"][0]["content"]
        assert "clock.open" in action_verbs(card) and "CR-104233" in texts_of(card), texts_of(card)
    assert (await chair.say("record CR-104233"))[-1]["text"].startswith("There is no convened discussion of yours to record")
    stranger = Chair(bot, conversation="personal", aad_id=STRANGER["aad_id"], user_id=STRANGER["user_id"], name=STRANGER["name"])
    assert (await stranger.say("record CR-104233"))[-1]["text"].startswith("There is no convened discussion of yours to record")
    assert "**Case clocks**" in (await mine.say("help"))[-1]["text"]


async def test_a_new_date_keeps_the_one_agreed_at_the_discussion_in_view(bot, recorded):
    """A walk: "will be done by" 10/12 on a CP medical agreed for 03/12 (and breached) left its card saying
    "due Thu 10 Dec" as if that had been agreed; the slip was only in the database's history."""
    chair, actions = recorded
    async with bot.services.uow() as uow:
        agreed = next(a.due_at for a in (await uow.discussions.get(chair.discussion_id)).actions if a.number == 1)
    message = activities.channel_mention(bot.connector.url, "A1 by 15/6/2027", aad_id=POLICE["aad_id"], user_id=POLICE["user_id"],
                                         name=POLICE["name"])
    assert (await bot.post(message)).status == 201
    card = [a for a in bot.connector.sent if a["_method"] == "PUT"][-1]["attachments"][0]["content"]
    local = bot.services.calendar.local(agreed)
    assert f"(agreed at the discussion: {local:%H:%M} {local:%a} {local.day} {local:%b})" in texts_of(card), texts_of(card)
    async with bot.services.uow() as uow:
        action = next(a for a in (await uow.discussions.get(chair.discussion_id)).actions if a.number == 1)
    assert action.agreed_due_at == agreed and action.due_at != agreed


async def test_a_moved_action_says_its_agreed_date_wherever_its_due_date_is_shown(bot, recorded):
    """A walk: after "will be done by", the chair's card, the chases and `overdue` gave the new date alone, and the
    chase said of it "(agreed at the discussion)": the slip, which a chair is there to see, was nowhere."""
    from app import CHASER

    chair, actions = recorded
    async with bot.services.uow() as uow:
        agreed = next(a.due_at for a in (await uow.discussions.get(chair.discussion_id)).actions if a.number == 1)
    said = await said_in_thread(bot, "A1 by 15/6/2027", POLICE)
    assert said.startswith("A1 (CR-104233): not completed yet, will be by 15/06/2027"), said
    local = bot.services.calendar.local(agreed)
    on_cards = f"(agreed at the discussion: {local:%H:%M} {local:%a} {local.day} {local:%b})"
    in_words = f"(a new date given since; agreed at the discussion: {local:%d/%m/%Y})"
    card = await chair.press("discussion.open", {})
    [line] = [t for t in texts_of(card).splitlines() if t.startswith("A1: ")]
    assert on_cards in line and "15 Jun" in line, line

    await said_in_thread(bot, f"A1 by {local:%d/%m/%Y}", POLICE)  # back to the day agreed: nothing has slipped
    assert "agreed at the discussion" not in texts_of(await chair.press("discussion.open", {}))
    async with bot.services.uow() as uow:
        obligation = next(o for o in await uow.obligations.for_discussion(chair.discussion_id) if o.key.endswith(":action:1"))
    assert obligation.rule_source == "agreed at the discussion"

    await said_in_thread(bot, "A1 by 15/6/2027", POLICE)
    before = len(bot.connector.sent)
    bot.services.clock.set(datetime(2027, 6, 16, 8, 0, tzinfo=timezone.utc))  # 09:00 BST the day after: overdue, chased
    await bot.server.app[CHASER].sweep()
    chased = [json.dumps(a) for a in bot.connector.sent[before:] if "A1, an agreed action" in json.dumps(a)]
    assert chased and all(in_words in c and "15 Jun" in c for c in chased), chased
    overdue = (await chair.say("overdue"))[-1]["text"]
    assert f"**A1**" in overdue and f"due 15/06/2027 17:00 {in_words}" in overdue, overdue
    async with bot.services.uow() as uow:
        obligation = next(o for o in await uow.obligations.for_discussion(chair.discussion_id) if o.key.endswith(":action:1"))
    assert len(obligation.rule_source) <= 120


async def test_a_refused_reply_or_press_delivered_again_by_teams_is_refused_and_audited_once(bot, recorded):
    """A two-replica trial: `A3 by 21/02` from someone who may not report on it, delivered twice (Teams again, the
    same activity id), was audited twice and refused twice in the thread."""
    from sqlalchemy import select

    from storage.models import AuditEvent

    chair, actions = recorded
    typed = activities.channel_mention(bot.connector.url, "A5 done", aad_id=STRANGER["aad_id"], user_id=STRANGER["user_id"],
                                       name=STRANGER["name"])
    before = len(bot.connector.sent)
    for _ in range(2):
        assert (await bot.post(typed)).status == 201
    said = [a["text"] for a in bot.connector.sent[before:] if a.get("text")]
    assert said == ["Only its owner, anyone from Police in the directory, or the chair can report on A5."], said
    async with bot.services.uow() as uow:
        refused = (await uow.session.execute(select(AuditEvent).where(AuditEvent.action == "action.change_refused"))).scalars().all()
    assert len(refused) == 1
    typed["id"] += "-later"  # typed again, a new message: refused again, and told
    assert (await bot.post(typed)).status == 201
    assert [a["text"] for a in bot.connector.sent[before:] if a.get("text")][-1] == said[0]

    # A button pressed by someone who may not, delivered twice: the handler recognises the press; refused and audited once.
    pressed = chair.invoke("action.completed", {"action_id": actions[5]}, keep_inputs=False, as_person=STRANGER)
    cards = [await Chair.answer(await bot.post(pressed)) for _ in range(2)]
    assert "Only its owner, anyone from Police in the directory, or the chair can report on A5." in texts_of(cards[0])
    async with bot.services.uow() as uow:
        refused = (await uow.session.execute(select(AuditEvent).where(AuditEvent.action == "action.change_refused"))).scalars().all()
    assert len(refused) == 3  # the reply, the reply typed again, the press
    # Each row names the Teams activity that made it (its id @ its conversation's), so an auditor can tie a change to it.
    assert [event.correlation_id.split("@")[0] for event in refused] == [typed["id"].removesuffix("-later"), typed["id"], pressed["id"]]


async def test_the_same_update_sent_twice_by_the_same_person_is_kept_once(bot, recorded):
    """A walk and a re-check: two identical `update ...` messages (a double send: two deliveries, two ids) were
    kept twice, the chair's card listed them twice and the chair was told twice."""
    chair, _ = recorded
    first = await said_in_thread(bot, "update PNC checks: nothing further known", POLICE)
    again = await said_in_thread(bot, "update PNC checks: nothing further known", POLICE)
    assert first.startswith("Thank you") and again.endswith("it was already recorded a moment ago."), again
    bot.services.clock.set(bot.services.clock.now() + timedelta(minutes=11))  # later, the same words are a new update
    assert (await said_in_thread(bot, "update PNC checks: nothing further known", POLICE)).startswith("Thank you")
    await bot.services.drain()
    async with bot.services.uow() as uow:
        kept = (await uow.discussions.get(chair.discussion_id)).record["updates"]
        told = [e for e in await uow.effects.for_discussion(chair.discussion_id) if e.key.endswith(":update-to-chair")]
    assert len(kept) == 2 and len(told) == 2


@pytest.mark.parametrize("started_by", ["record", "the card's button"])
async def test_a_review_recorded_in_its_discussions_thread_numbers_its_actions_on_and_a_reply_finds_the_right_one(bot, started_by):
    """A walk: a review started from its discussion's card is recorded in the same thread; both had an A4, and
    `A4 done`, meant for the first discussion's, closed the review's (the confirmation read the same either way).
    A re-check: a record started with the card's Write the record button still began at A1."""
    from storage.models import Action

    chair, first = await a_review_agreed_and_a4_further_discussion(bot)
    bot.services.clock.set(datetime(2027, 6, 21, 8, 0, tzinfo=timezone.utc))
    await bot.services.drain()
    chair.discussion_id = review = await _convene_review(bot, chair, {"discussion_id": first}, day="2027-06-25", deadline="Deadline")
    if started_by != "record":
        bot.services.clock.set(datetime(2027, 6, 25, 9, 5, tzinfo=timezone.utc))  # the meeting has begun
        card = await chair.press("record.open", {"discussion_id": review}, keep_inputs=False)
        assert "1 of 10 · Introductions and apologies" in texts_of(card), texts_of(card)
    await record_the_discussion(bot, chair, ended_at=datetime(2027, 6, 25, 9, 55, tzinfo=timezone.utc), health_records_by="09/07/2027")
    async with bot.services.uow() as uow:
        numbers = {d: sorted(a.number for a in (await uow.discussions.get(d, load=("actions",))).actions) for d in (first, review)}
        assert (await uow.discussions.get(review)).conversation_id == (await uow.discussions.get(first)).conversation_id
    assert numbers == {first: [1, 2, 3, 4, 5], review: [6, 7, 8, 9, 10]}

    before = len(bot.connector.sent)
    said = activities.channel_mention(bot.connector.url, "A2 done", aad_id=chair.person["aad_id"], user_id=chair.person["user_id"],
                                      name=chair.person["name"])
    assert (await bot.post(said)).status == 201
    await bot.services.drain()
    async with bot.services.uow() as uow:
        from sqlalchemy import select

        statuses = {(a.discussion_id, a.number): a.status for a in (await uow.session.execute(select(Action))).scalars()}
    assert statuses[(first, 2)] == "completed" and statuses[(review, 7)] == "open"
    spaced = activities.channel_mention(bot.connector.url, "A 6 done", aad_id=chair.person["aad_id"], user_id=chair.person["user_id"],
                                        name=chair.person["name"])  # with a space, as a walk typed it (it got "Type help")
    assert (await bot.post(spaced)).status == 201
    talk = activities.channel_message(bot.connector.url, "a 3 week plan is what the school suggested")
    talk["conversation"] = said["conversation"]  # people talking in the thread, not to the bot: no answer
    quiet = len(bot.connector.sent)
    assert (await bot.post(talk)).status in (200, 201)
    assert len(bot.connector.sent) == quiet
    async with bot.services.uow() as uow:
        from sqlalchemy import select

        assert (await uow.session.execute(select(Action.status).where(Action.discussion_id == review, Action.number == 6))).scalar() \
            == "completed"
    listed = activities.channel_mention(bot.connector.url, "actions")
    assert (await bot.post(listed)).status == 201
    [answer] = [a for a in bot.connector.sent[before:] if (a.get("text") or "").startswith("**Actions for")]
    assert answer["text"].index("held 25/06/2027") < answer["text"].index("**A6**") < answer["text"].index("held 28/05/2027") \
        < answer["text"].index("**A1**"), answer["text"]


async def test_an_update_in_a_thread_of_two_childrens_discussions_goes_to_the_one_it_names_or_is_asked_about(bot):
    """A walk: a second child's discussion was convened from a reply in the first's thread and recorded there;
    health's update about the first child was recorded on the second."""
    chair = await convened(bot)
    await record_the_discussion(bot, chair)
    first = chair.discussion_id
    second_child = {**CHILD, "case_reference": "CR-311920"}  # a sibling: the same initials (the record's helper writes AB's)
    bot.services.clock.set(datetime(2027, 5, 31, 8, 0, tzinfo=timezone.utc))
    await convene(chair, child=second_child, concern={"concerns": "physical_abuse", "received_time": "08:30"},
                  when={"slot": "other", "other_date": "2027-06-02", "other_time": "10:00"})
    await chair.press("convene.confirm")
    await bot.services.drain()
    assert chair.discussion_id != first
    await record_the_discussion(bot, chair, ended_at=datetime(2027, 6, 2, 9, 55, tzinfo=timezone.utc), health_records_by="16/06/2027")
    second = chair.discussion_id

    async def updates(discussion_id):
        async with bot.services.uow() as uow:
            return [u["text"] for u in ((await uow.discussions.get(discussion_id, load=())).record.get("updates") or [])]

    asked = await said_in_thread(bot, "update GP records show two A&E attendances", POLICE)
    assert asked == ("More than one child's discussion is recorded in this thread: CR-311920 (AB), CR-104233 (AB). Start your "
                     "update with the case reference, e.g. `update CR-311920: ...`. Nothing was recorded."), asked
    assert await updates(first) == [] and await updates(second) == []
    said = await said_in_thread(bot, "update cr-104233: GP records show two A&E attendances", POLICE)
    assert said.startswith("Thank you, DS Pat Placeholder (fictional): your update on CR-104233 is recorded"), said
    assert await updates(first) == ["GP records show two A&E attendances"] and await updates(second) == []
