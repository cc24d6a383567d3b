"""Every effect of a turn happens once and survives a crash: the five cases of issue 11, through
the real HTTP surface, on SQLite and PostgreSQL. A "crash" here stops the process's work at the
worst moment (the meeting made, the message delivered, nothing yet recorded) and starts a new app
on the same database, as `kill -9` and a restart would (bench/crash_trials.py does it for real)."""
import asyncio
import logging
from datetime import timedelta

import pytest

from app import CHASER, OUTBOX
from bot.chasers import CLAIM_FOR as SWEEP_CLAIM
from bot.outbox import CLAIM_FOR
from scheduling.meetings.graph import GraphMeetingProvider, graph_client
from storage.directory import example_path
from tests.conftest import make_settings, no_wait, start_bot, stop_bot
from tests.support import activities
from tests.support.fake_graph import FakeCredential

from .chair import Chair, texts_of
from .test_convene import CHILD, convene
from .test_record import FRIDAY_NOON, POLICE, convened, thread_cards


def contacts(tmp_path):
    directory = tmp_path / "contacts.yaml"
    directory.write_text(example_path("hackney").read_text()
                         .replace("    email: cait.ds@hackney.example.org\n", "    email: cait.ds@hackney.example.org\n    aad_object_id: aad-police-ds\n"))
    return directory


@pytest.fixture
def settings(tmp_path, database_url):
    return make_settings(tmp_path, database_url=database_url, contacts_file=contacts(tmp_path))


@pytest.fixture
async def bot(settings, clock):
    clock.set(FRIDAY_NOON)
    running = await start_bot(settings, clock)
    yield running
    await stop_bot(running)


async def crash(bot) -> None:
    """The process dies: whatever it was doing in the background stops where it is, unrecorded."""
    for task in list(bot.services.tasks):
        task.cancel()
    await bot.services.drain()
    await stop_bot(bot, keep_connector=True)


class DiesMidway:
    """Wraps a real delivery: the call goes through (Graph makes the meeting, the connector takes the
    message, the .eml is written), then the process dies before the bot hears the answer."""

    def __init__(self, inner, method: str):
        self.inner, self.method = inner, method
        self.happened = asyncio.Event()

    def __getattr__(self, name):
        if name != self.method:
            return getattr(self.inner, name)

        async def then_die(*args, **kwargs):
            await getattr(self.inner, name)(*args, **kwargs)
            self.happened.set()
            await asyncio.Event().wait()  # never returns: the process is gone

        return then_die


async def effects_of(bot, discussion_id: str, kind: str) -> list:
    async with bot.services.uow() as uow:
        return [e for e in await uow.effects.for_discussion(discussion_id) if e.kind == kind]


# ---- 1. killed while the meeting is created ---------------------------------------------------

@pytest.mark.parametrize("provider", ["local", "graph"])
async def test_killed_while_the_meeting_is_created_it_is_convened_once_after_restart(settings, clock, graph, provider):
    clock.set(FRIDAY_NOON)
    real = (GraphMeetingProvider(graph_client(credential=FakeCredential(), base_url=graph.base_url),
                                 organiser="meetings@council.example.org", sleep=no_wait) if provider == "graph" else None)
    first = await start_bot(settings, clock, **({"meetings": real} if real else {}))
    dying = DiesMidway(first.services.meetings, "create")
    first.services.meetings = dying
    chair = Chair(first)
    await convene(chair, child=CHILD, concern={"concerns": "physical_abuse", "received_time": "10:00"})
    await chair.press("convene.confirm")
    await dying.happened.wait()  # Graph has made the meeting (or the .ics is written); nothing is recorded yet
    await crash(first)

    second = await start_bot(settings, clock, connector=first.connector, **({"meetings": real} if real else {}))
    try:
        async with second.services.uow() as uow:
            assert (await uow.discussions.get(chair.discussion_id, load=())).status == "convening"
        clock.advance(seconds=CLAIM_FOR.total_seconds())  # the dead process's claim runs out
        await second.server.app[OUTBOX].run()
        await second.services.drain()
        async with second.services.uow() as uow:
            discussion = await uow.discussions.get(chair.discussion_id)
            owed = await uow.obligations.for_discussion(chair.discussion_id)
            audit = [e.action for e in await uow.audit.for_subject("discussion", chair.discussion_id)]
        assert discussion.status == "convened"
        assert {i.agency for i in discussion.invitations} >= {"police", "health"}
        assert {o.kind for o in owed} == {"rsvp", "record_check", "quorum_at_risk"}
        assert audit.count("meeting.created") == 1
        if provider == "graph":
            assert len(graph.events) == 1  # the retry carried the same transactionId: Graph made no second meeting
        else:
            assert len(list((settings.data_dir / "invitations").glob("*.ics"))) == 1
        [effect] = await effects_of(second, chair.discussion_id, "meeting.create")
        assert (effect.state, effect.attempts) == ("done", 2)
        chair_card = [a for a in second.connector.sent if a["_method"] == "PUT"][-1]["attachments"][0]["content"]
        assert "Meeting" in texts_of(chair_card)
    finally:
        await stop_bot(second)


# ---- 2. someone already invited is added again -------------------------------------------------

async def test_a_person_added_twice_is_one_invitation_and_the_meeting_is_created(bot):
    chair = Chair(bot)
    await chair.strategy()
    await chair.press("convene.next", CHILD)
    card = await chair.press("convene.next", {"concerns": "physical_abuse", "received_time": "10:00"})
    assert len([r for r in _rows(card) if r.startswith("**Police**")]) == 1
    for email in ("cait.ds@hackney.example.org", "CAIT.DS@hackney.example.org "):  # typed again, in another case
        card = await chair.press("convene.add_person", {"add_agency": "police", "add_name": "DS Pat", "add_email": email},
                                 keep_inputs=False)
        assert "⚠" not in texts_of(card), texts_of(card)
    assert len([r for r in _rows(card) if r.startswith("**Police**")]) == 1  # merged with the one already there
    await chair.press("convene.next")
    await chair.press("convene.next")
    await chair.press("convene.confirm")
    await bot.services.drain()
    async with bot.services.uow() as uow:
        discussion = await uow.discussions.get(chair.discussion_id)
    assert discussion.status == "convened"
    assert [i.email.lower() for i in discussion.invitations].count("cait.ds@hackney.example.org") == 1


async def test_a_draft_that_already_lists_someone_twice_still_convenes_with_one_invitation(bot, tmp_path):
    """A draft saved before the merge existed: the meeting is created and the duplicate dropped."""
    chair = Chair(bot)
    await convene(chair, child=CHILD, concern={"concerns": "physical_abuse", "received_time": "10:00"})
    async with bot.services.uow() as uow:
        discussion = await uow.discussions.get(chair.discussion_id, load=())
        police = next(r for r in discussion.draft["invitees"] if r["agency"] == "police")
        discussion.draft = {**discussion.draft, "invitees": [*discussion.draft["invitees"], {**police, "email": police["email"].upper()}]}
        await uow.commit()
    await chair.press("convene.confirm")
    await bot.services.drain()
    async with bot.services.uow() as uow:
        discussion = await uow.discussions.get(chair.discussion_id)
    assert discussion.status == "convened"
    assert [i.agency for i in discussion.invitations].count("police") == 1
    [ics] = (tmp_path / "invitations").glob("*.ics")
    assert ics.read_text().lower().count("mailto:cait.ds@hackney.example.org") == 1  # one attendee in the invitation


def _rows(card) -> list[str]:
    return [texts_of({"body": [c]}) for c in card["body"] if c.get("type") == "Container"]


async def test_a_person_already_invited_to_the_meeting_is_not_added_again(bot):
    chair = Chair(bot)
    await convene(chair, child=CHILD, concern={"concerns": "physical_abuse", "received_time": "10:00"})
    await chair.press("convene.confirm")
    await bot.services.drain()
    chair.card = None
    card = await chair.press("discussion.invite", {"add_agency": "police", "add_name": "DS Pat",
                                                   "add_email": "Cait.DS@hackney.example.org"}, keep_inputs=False)
    assert "is already invited for Police: nothing to add." in texts_of(card)
    async with bot.services.uow() as uow:
        discussion = await uow.discussions.get(chair.discussion_id)
    assert [i.agency for i in discussion.invitations].count("police") == 1


# ---- 3. the same invoke delivered twice --------------------------------------------------------

async def deliver_twice(bot, activity: dict, *, together: bool) -> list[dict]:
    """Teams retries an invoke with the same activity id: in turn, or while the first is still running."""
    if together:
        responses = await asyncio.gather(bot.post(activity), bot.post(activity))
    else:
        responses = [await bot.post(activity), await bot.post(activity)]
    return [await Chair.answer(response) for response in responses]


async def test_record_typed_and_delivered_twice_at_once_starts_the_record_once_without_an_error(bot, caplog):
    """A two-replica trial: `record` delivered to both at once started the record twice; the second failed
    (StaleDataError, a traceback) and the thread was told "Sorry, something went wrong" of what had been done."""
    chair = await convened(bot)
    async with bot.services.uow() as uow:
        bot.services.clock.set((await uow.discussions.get(chair.discussion_id, load=())).meeting_start)
    typed = activities.channel_mention(bot.connector.url, "record", aad_id=chair.person["aad_id"], user_id=chair.person["user_id"],
                                       name=chair.person["name"])
    before = len(bot.connector.sent)
    with caplog.at_level(logging.ERROR):
        responses = await asyncio.gather(bot.post(typed), bot.post(typed))  # Teams again, with the same id
    assert [r.status for r in responses] == [201, 201]
    said = [a.get("text") or "" for a in bot.connector.sent[before:]]
    assert len(said) == 1 and "the chair is writing the record" in said[0], said  # the first delivery answers, once
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    async with bot.services.uow() as uow:
        started = [e for e in await _audit(uow) if e.action == "record.started" and e.subject_id == chair.discussion_id]
    assert len(started) == 1


@pytest.mark.parametrize("together", [False, True], ids=["in-turn", "at-once"])
async def test_add_person_delivered_twice_adds_one(bot, together):
    chair = Chair(bot)
    await chair.strategy()
    await chair.press("convene.next", CHILD)
    await chair.press("convene.next", {"concerns": "physical_abuse", "received_time": "10:00"})
    activity = chair.invoke("convene.add_person", {"add_agency": "specialist", "add_name": "Dr Expert",
                                                   "add_email": "expert@nhs.example.org"}, keep_inputs=False)
    cards = await deliver_twice(bot, activity, together=together)
    for card in cards:  # each answer shows the draft as it is: with the person, once
        assert sum("Dr Expert" in row for row in _rows(card)) == 1, texts_of(card)
    async with bot.services.uow() as uow:
        draft = (await uow.discussions.get(chair.discussion_id, load=())).draft
    assert [r["email"] for r in draft["invitees"]].count("expert@nhs.example.org") == 1


PLAN = {"seen_alone": "Tomorrow at school", "shared_with_family": "The s47 decision", "legal_action": "None at present",
        "cp_medical": "true"}


async def recording(bot) -> Chair:
    """A discussion convened in the channel, its record open at the first step once the meeting has begun."""
    chair = await convened(bot)
    async with bot.services.uow() as uow:
        bot.services.clock.set((await uow.discussions.get(chair.discussion_id, load=())).meeting_start)
    chair.card = await chair.press("record.open", keep_inputs=False)
    return chair


async def add_action(chair: Chair, what: str, *, agency: str = "police", owner: str = "DS Pat",
                     email: str = "cait.ds@hackney.example.org", due: str = "3 working days") -> dict:
    return await chair.press("record.add_action", {"action_child": "AB", "action_what": what, "action_agency": agency,
                                                   "action_owner": owner, "action_email": email, "action_due": due})


async def walk_to(chair: Chair, title: str) -> dict:
    answers = {
        "1 of 10": None, "2 of 10": {"household": "Mother, 1 Example Road"}, "3 of 10": {"reason": "Injury", "purpose": "s47"},
        "4 of 10": {"concerns": "Bruising", "severity": "Significant", "impact": "Pain"}, "5 of 10": {"background": "Known", "risk": "Injury", "protective": "Gran",
                                                          "whereabouts": "School"},
        "6 of 10": None, "7 of 10": PLAN, "8 of 10": None, "9 of 10": {},
    }
    while title not in texts_of(chair.card):
        step = next(k for k in answers if k in texts_of(chair.card))
        if step == "1 of 10":
            values = {k: "attended" for k in _inputs(chair.card) if k.startswith("attendance_")}
            values.update({k: "true" for k in _inputs(chair.card) if k.startswith("researched_")})  # all records researched
            await chair.press("record.next", values)
        elif step == "8 of 10":
            await chair.press("record.next", {f: "" for f in ("action_what", "action_owner", "action_email", "action_due")})
        elif step == "6 of 10":
            await chair.press("record.add_decision", {"decision_child": "AB", "decision_kind": "s47_joint",
                                                      "decision_reasoning": "Unexplained injury; joint with police"})
            await chair.press("record.next")
        else:
            await chair.press("record.next", answers[step])
        assert "⚠" not in texts_of(chair.card), texts_of(chair.card)
    return chair.card


def _inputs(card) -> dict:
    from .chair import inputs_of

    return inputs_of(card)


@pytest.mark.parametrize("together", [False, True], ids=["in-turn", "at-once"])
async def test_add_decision_and_add_action_delivered_twice_record_one_each(bot, together):
    chair = await recording(bot)
    await walk_to(chair, "6 of 10")
    activity = chair.invoke("record.add_decision", {"decision_child": "AB", "decision_kind": "s47_joint",
                                                    "decision_reasoning": "Unexplained injury; joint with police"})
    await deliver_twice(bot, activity, together=together)
    async with bot.services.uow() as uow:
        record = (await uow.discussions.get(chair.discussion_id, load=())).record
    assert len(record["decisions"]) == 1
    chair.card = await chair.press("record.open", keep_inputs=False)
    await chair.press("record.next")
    await chair.press("record.next", PLAN)
    assert "8 of 10" in texts_of(chair.card)
    activity = chair.invoke("record.add_action", {"action_child": "AB", "action_what": "Police checks", "action_agency": "police",
                                                  "action_owner": "DS Pat", "action_email": "cait.ds@hackney.example.org",
                                                  "action_due": "3 working days"})
    cards = await deliver_twice(bot, activity, together=together)
    assert all("A1 (AB)" in texts_of(card) and "A2" not in texts_of(card) for card in cards)
    async with bot.services.uow() as uow:
        record = (await uow.discussions.get(chair.discussion_id, load=())).record
    assert [a["number"] for a in record["actions"]] == [1]


async def test_a_double_click_on_add_action_adds_one_and_the_second_press_sees_it(bot):
    """Two presses of the same card (two activity ids): the second comes from an older card version."""
    chair = await recording(bot)
    await walk_to(chair, "8 of 10")
    values = {"action_child": "AB", "action_what": "Police checks", "action_agency": "police", "action_owner": "DS Pat",
              "action_email": "", "action_due": "3 working days"}
    first, second = chair.invoke("record.add_action", values), chair.invoke("record.add_action", values)
    cards = [await Chair.answer(r) for r in await asyncio.gather(bot.post(first), bot.post(second))]
    async with bot.services.uow() as uow:
        record = (await uow.discussions.get(chair.discussion_id, load=())).record
    assert [a["what"] for a in record["actions"]] == ["Police checks"]
    assert all("A1 (AB)" in texts_of(card) for card in cards)


# ---- 4. "Finalise the record" clicked twice ----------------------------------------------------

async def test_finalise_pressed_twice_at_once_posts_one_summary_and_one_card_per_action(bot):
    chair = await recording(bot)
    await walk_to(chair, "8 of 10")
    for what in ("Police checks", "Health records"):
        await add_action(chair, what)
    await chair.press("record.next", keep_inputs=False)
    await chair.press("record.next")
    assert "10 of 10" in texts_of(chair.card)
    presses = [chair.invoke("record.finalise", keep_inputs=False) for _ in range(2)]
    cards = [await Chair.answer(r) for r in await asyncio.gather(*(bot.post(p) for p in presses))]
    await bot.services.drain()
    for card in cards:  # both answers are the record's summary, with its Open button: never "Already finalised"
        assert "Record finalised: Strategy discussion CR-104233 (AB)" in texts_of(card)
        assert "discussion.open" in [a["verb"] for a in card["actions"]]
    posted = [texts_of(c) for c in thread_cards(bot)]
    assert sum("Record finalised" in t for t in posted) == 1
    assert sum(t.startswith("A1 · ") for t in posted) == 1 and sum(t.startswith("A2 · ") for t in posted) == 1
    assert not any("Police checks" in t or "Health records" in t for t in posted)  # the typed task stays out of the thread
    # A report on A1 updates its one card: the card the thread shows is the card the bot changes.
    async with bot.services.uow() as uow:
        discussion = await uow.discussions.get(chair.discussion_id)
    [a1] = [a for a in discussion.actions if a.number == 1]
    message = activities.channel_mention(bot.connector.url, "A1 done", aad_id=POLICE["aad_id"], user_id=POLICE["user_id"],
                                         name=POLICE["name"])
    assert (await bot.post(message)).status == 201
    [update] = [a for a in bot.connector.sent if a["_method"] == "PUT" and a.get("id") == a1.card_activity_id]
    assert "Status: completed" in texts_of(update["attachments"][0]["content"])


# ---- 5. killed during the chase sweep ----------------------------------------------------------

async def overdue_discussion(bot) -> str:
    """A recorded discussion whose actions fall due: A1 owned by someone in Teams, A2 by email only."""
    chair = await recording(bot)
    await walk_to(chair, "8 of 10")
    await add_action(chair, "Police checks", due="1 working day")
    await add_action(chair, "School records", agency="education_dsl", owner="Ms Avery", email="dsl.outside@school.example.org",
                     due="1 working day")
    await chair.press("record.next", keep_inputs=False)
    await chair.press("record.next")
    await chair.press("record.finalise", keep_inputs=False)
    await bot.services.drain()
    return chair.discussion_id


@pytest.mark.parametrize("channel", ["email", "teams"])
async def test_killed_mid_chase_an_email_is_not_sent_twice_and_a_teams_repeat_is_counted(settings, clock, channel):
    clock.set(FRIDAY_NOON)
    first = await start_bot(settings, clock)
    discussion_id = await overdue_discussion(first)
    chaser = first.server.app[CHASER]
    outbox = first.server.app[OUTBOX]
    kind = outbox.kinds["chase"]
    if channel == "email":
        dying = kind.mailer = DiesMidway(kind.mailer, "send")
    else:
        dying = first.services.proactive = DiesMidway(first.services.proactive, "send_personal")
    clock.set(FRIDAY_NOON + timedelta(days=4, hours=-2))  # Tuesday 10:00 (Monday is a bank holiday): A1 and A2 are due today
    sweep = asyncio.create_task(chaser.sweep())
    await asyncio.wait_for(dying.happened.wait(), 10)  # one chase has gone out; the process dies before recording it
    sweep.cancel()
    await asyncio.gather(sweep, return_exceptions=True)
    await crash(first)
    sent_before = [a for a in first.connector.sent if "Due today" in texts_of((a.get("attachments") or [{}])[0].get("content") or {})
                   or "Due today" in (a.get("text") or "")]
    eml_before = sorted(p.name for p in (settings.data_dir / "outbox").glob("chase_*.eml"))

    second = await start_bot(settings, clock, connector=first.connector)
    try:
        clock.advance(seconds=SWEEP_CLAIM.total_seconds())  # the dead sweeper's claims (obligations, the chase) run out
        await second.server.app[CHASER].sweep()
        await second.services.drain()
        async with second.services.uow() as uow:
            chases = [c for o in await uow.obligations.for_discussion(discussion_id) if o.kind == "action"
                      for c in await uow.chases.for_obligation(o.id)]
            effects = [e for e in await uow.effects.for_discussion(discussion_id) if e.kind == "chase"]
        assert sorted((c.stage, c.status) for c in chases) == [("due", "sent"), ("due", "sent")]  # each once, nothing lost
        emls = sorted(p.name for p in (settings.data_dir / "outbox").glob("chase_*.eml"))
        assert len(emls) == 1 and len(set(emls)) == 1  # A2's email, once, whether or not it had gone before the crash
        # ... beside the one that told its owner of it as the record was made
        assert [p.name for p in (settings.data_dir / "outbox").glob("*.eml") if not p.name.startswith("chase_")] == \
            [f"{discussion_id}_record_action_2_email.eml"]
        teams = [a for a in second.connector.sent if "Due today" in texts_of((a.get("attachments") or [{}])[0].get("content") or {})]
        uncertain = [e for e in effects if e.attempts == 2]
        if channel == "email":
            assert eml_before == emls  # written before the crash; found, not written again
            assert len(teams) == 1 and uncertain and uncertain[0].result.get("found_sent") is True
        else:
            assert len(sent_before) == 1  # the Teams chase reached the connector before the crash
            assert len(teams) == 2  # ... and went again after it: the one-message window, and it is counted
        async with second.services.uow() as uow:
            counted = [e for e in await _audit(uow) if e.action == "effect.repeated_after_crash"]
        assert len(counted) == (1 if channel == "teams" else 0)  # a Teams message in doubt is counted; a found email is not
    finally:
        await stop_bot(second)


async def _audit(uow):
    from sqlalchemy import select

    from storage.models import AuditEvent

    return list((await uow.session.execute(select(AuditEvent).order_by(AuditEvent.id))).scalars())



# ---- failures: transient ones retried, final ones told ------------------------------------------

async def finalised_with_one_action(bot) -> Chair:
    chair = await recording(bot)
    await walk_to(chair, "8 of 10")
    await add_action(chair, "Police checks")
    await chair.press("record.next", keep_inputs=False)
    await chair.press("record.next")
    return chair


async def test_a_thread_post_refused_for_good_is_told_to_the_chair_personally(bot):
    chair = await finalised_with_one_action(bot)
    bot.connector.fail_posts = [403]  # e.g. MessageWritesBlocked: the bot may no longer post in that channel
    card = await chair.press("record.finalise", keep_inputs=False)
    assert "Record finalised" in texts_of(card)  # the record is safe whatever happens to the post
    await bot.services.drain()
    [summary] = [e for e in await effects_of(bot, chair.discussion_id, "teams.post") if e.key.endswith(":record:summary")]
    assert (summary.state, summary.attempts) == ("failed", 1)  # a 403 is not worth a second try
    [chat] = [c for c in bot.connector.conversations if c["members"][0]["id"] == chair.person["user_id"]]
    [note] = [a["text"] for a in bot.connector.sent if a["_conversation_id"] == chat["id"]]
    assert note.startswith("Strategy discussion CR-104233 (AB): a message in Teams could not be delivered (connector POST")
    assert "403" in note
    async with bot.services.uow() as uow:
        failed = [e for e in await _audit(uow) if e.action == "effect.failed"]
    assert [e.details["key"] for e in failed] == [summary.key]


async def test_a_thread_post_that_meets_a_502_goes_on_the_next_try(bot):
    chair = await finalised_with_one_action(bot)
    bot.connector.fail_posts = [502, 502, 502]  # past the connector's own retries (412/429/502/504) within the call
    await chair.press("record.finalise", keep_inputs=False)
    await bot.services.drain()
    assert not any("Record finalised" in texts_of(c) for c in thread_cards(bot))
    bot.services.clock.advance(seconds=5)
    await bot.server.app[OUTBOX].run()
    assert sum("Record finalised" in texts_of(c) for c in thread_cards(bot)) == 1
    [summary] = [e for e in await effects_of(bot, chair.discussion_id, "teams.post") if e.key.endswith(":record:summary")]
    assert (summary.state, summary.attempts, summary.last_error) == ("done", 2, "")


async def test_a_thread_post_the_connector_took_but_never_answered_is_sent_again_and_counted(bot, monkeypatch):
    """A crash trial: the connector took a post and answered after the time limit; the outbox tried again,
    the thread had it twice, and the trail said nothing. Such an attempt is now uncertain, as after a crash."""
    from bot.connector import ConnectorError
    from bot.proactive import Proactive

    chair = await finalised_with_one_action(bot)
    send, unanswered = Proactive.send, []

    async def taken_then_no_answer(self, reference, activity):
        answer = await send(self, reference, activity)
        if not unanswered:  # the first post of all: delivered, but the bot never hears so
            unanswered.append(answer)
            raise ConnectorError(None, "POST", "/v3/conversations/x/activities", "TimeoutError") from asyncio.TimeoutError()
        return answer

    monkeypatch.setattr(Proactive, "send", taken_then_no_answer)
    await chair.press("record.finalise", keep_inputs=False)
    await bot.services.drain()
    bot.services.clock.advance(seconds=5)
    await bot.server.app[OUTBOX].run()
    assert sum("Record finalised" in texts_of(c) for c in thread_cards(bot)) == 2  # it went twice: it cannot be known
    [summary] = [e for e in await effects_of(bot, chair.discussion_id, "teams.post") if e.key.endswith(":record:summary")]
    assert (summary.state, summary.attempts) == ("done", 2)
    async with bot.services.uow() as uow:
        counted = [e.details["key"] for e in await _audit(uow) if e.action == "effect.repeated_after_no_answer"]
    assert counted == [summary.key]


async def test_an_add_from_a_card_without_its_version_changes_nothing(bot):
    """Next and Back move the step, so a repeat of them is stale by its step; an Add leaves the step
    where it is, so it is applied only with the version of the card it came from."""
    chair = Chair(bot)
    await chair.strategy()
    await chair.press("convene.next", CHILD)
    card = await chair.press("convene.next", {"concerns": "physical_abuse", "received_time": "10:00"})
    activity = chair.invoke("convene.add_person", {"add_agency": "specialist", "add_name": "Dr Expert",
                                                   "add_email": "expert@nhs.example.org"}, keep_inputs=False)
    del activity["value"]["action"]["data"]["version"]
    answer = await Chair.answer(await bot.post(activity))
    assert not any("Dr Expert" in row for row in _rows(answer))
    assert _rows(answer) == _rows(card)  # the card as it is, with nothing added


# ---- 4. the chair's card pressed twice (a double-click: two activities from one card) -----------

async def chair_card_after_convening(bot) -> Chair:
    chair = Chair(bot)
    await convene(chair, child=CHILD, concern={"concerns": "physical_abuse", "received_time": "10:00"})
    await chair.press("convene.confirm")
    await bot.services.drain()
    await chair.press("discussion.open", keep_inputs=False)  # the chair's card, as Teams refreshes it
    return chair


async def double_click(bot, chair: Chair, verb: str, typed: dict, *, together: bool) -> list[dict]:
    first, second = chair.invoke(verb, typed, keep_inputs=False), chair.invoke(verb, typed, keep_inputs=False)
    assert first["id"] != second["id"]  # two presses, not one delivered twice
    posted = await asyncio.gather(bot.post(first), bot.post(second)) if together else [await bot.post(first), await bot.post(second)]
    return [await Chair.answer(response) for response in posted]


async def _meeting_changes(bot, chair: Chair) -> tuple[list[str], list[str]]:
    async with bot.services.uow() as uow:
        effects = [e.kind for e in await uow.effects.for_discussion(chair.discussion_id) if e.kind.startswith("meeting.")]
        audit = [e.action for e in await uow.audit.for_subject("discussion", chair.discussion_id)
                 if e.action in ("meeting.invite", "meeting.move", "meeting.cancel")]  # the chair's changes
    return effects, audit


@pytest.mark.parametrize("together", [False, True], ids=["in-turn", "at-once"])
async def test_a_double_click_on_invite_invites_once_and_warns_of_nothing(bot, together):
    chair = await chair_card_after_convening(bot)
    person = {"add_agency": "adult_services", "add_name": "Adult MH duty", "add_email": "amh.duty@council.example.org"}
    cards = await double_click(bot, chair, "discussion.invite", person, together=together)
    for card in cards:
        assert "already invited" not in texts_of(card) and "Adult MH duty" in texts_of(card)
    async with bot.services.uow() as uow:
        discussion = await uow.discussions.get(chair.discussion_id)
    assert [i.email for i in discussion.invitations].count("amh.duty@council.example.org") == 1
    assert await _meeting_changes(bot, chair) == (["meeting.create", "meeting.attendees"], ["meeting.invite"])
    chair.card = cards[1]
    # Pressed again from the card it now shows (not a repeat): the chair is told, with what was typed
    card = await chair.press("discussion.invite", person, keep_inputs=False)
    assert "amh.duty@council.example.org is already invited for Adult services: nothing to add." in texts_of(card)


@pytest.mark.parametrize("together", [False, True], ids=["in-turn", "at-once"])
async def test_a_double_click_on_move_moves_the_meeting_once(bot, tmp_path, together):
    chair = await chair_card_after_convening(bot)
    move = {"move_date": FRIDAY_NOON.date().isoformat(), "move_time": "15:30"}  # later the same day, before the deadline
    cards = await double_click(bot, chair, "discussion.move", move, together=together)
    await bot.services.drain()
    for card in cards:
        assert "already at that time" not in texts_of(card)
    assert await _meeting_changes(bot, chair) == (["meeting.create", "meeting.reschedule"], ["meeting.move"])
    [ics] = (tmp_path / "invitations").glob("*.ics")
    assert "SEQUENCE:1" in ics.read_text()  # rewritten once
    chair.card = cards[1]
    # The same time asked for again from the current card: nothing changes, and the chair is told why
    card = await chair.press("discussion.move", move, keep_inputs=False)
    assert "The meeting is already at that time: nothing changed." in texts_of(card)
    assert await _meeting_changes(bot, chair) == (["meeting.create", "meeting.reschedule"], ["meeting.move"])


async def test_inviting_someone_after_the_meeting_is_made_keeps_the_chair_in_the_invitation(tmp_path, clock):
    """The local invitation is rewritten with the whole list: the chair (from the directory) stays on it."""
    bot = await start_bot(make_settings(tmp_path, contacts_file=example_path("playground")), clock)
    try:
        chair = Chair(bot, aad_id="00000000-0000-0000-0000-0000000000020")
        await convene(chair, child=CHILD, concern={"concerns": "physical_abuse", "received_time": "10:00"})
        await chair.press("convene.confirm")
        await bot.services.drain()
        [ics] = (tmp_path / "invitations").glob("*.ics")
        assert "mailto:sam.okafor@council.example.org" in ics.read_text().lower()
        await chair.press("discussion.invite", {"add_agency": "adult_services", "add_name": "Adult MH duty",
                                                "add_email": "amh.duty@council.example.org"}, keep_inputs=False)
        await bot.services.drain()
        text = ics.read_text().lower()
        assert "mailto:amh.duty@council.example.org" in text and "mailto:sam.okafor@council.example.org" in text
    finally:
        await stop_bot(bot)


# ---- a killed process's claims are handed back at restart (bot/boots.py) -----------------------

def a_dead_pid() -> int:
    import subprocess
    import sys

    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    return int(finished.stdout)


async def test_a_meeting_a_killed_process_was_creating_is_created_at_restart_without_waiting(settings, clock):
    """The restart knows its predecessor is gone (its pid no longer runs on this machine), so the
    chair's card does not say "Creating the meeting…" for the two minutes its claim had left."""
    from sqlalchemy import update

    from storage.models import Boot

    clock.set(FRIDAY_NOON)
    first = await start_bot(settings, clock)
    dying = DiesMidway(first.services.meetings, "create")
    first.services.meetings = dying
    chair = Chair(first)
    await convene(chair, child=CHILD, concern={"concerns": "physical_abuse", "received_time": "10:00"})
    await chair.press("convene.confirm")
    await dying.happened.wait()
    outbox = first.server.app[OUTBOX]
    async def says_nothing():  # killed, it never says it is going
        pass

    outbox.stop = says_nothing
    await crash(first)
    async with first.services.uow() as uow:  # as the process table says once it is killed
        await uow.session.execute(update(Boot).where(Boot.id == outbox.boot.id).values(pid=a_dead_pid()))
        await uow.commit()

    second = await start_bot(settings, clock, connector=first.connector)  # the clock has not moved
    try:
        await second.services.drain()
        async with second.services.uow() as uow:
            discussion = await uow.discussions.get(chair.discussion_id)
            audit = [e.action for e in await uow.audit.for_subject("discussion", chair.discussion_id)]
            boots = {b.id for b in await uow.boots.all()}
        assert discussion.status == "convened" and audit.count("meeting.created") == 1
        assert len(list((settings.data_dir / "invitations").glob("*.ics"))) == 1  # made once, not twice
        [effect] = await effects_of(second, chair.discussion_id, "meeting.create")
        assert (effect.state, effect.attempts, effect.uncertain) == ("done", 2, True)
        assert boots == {second.server.app[OUTBOX].boot.id}  # the gone process is forgotten
    finally:
        await stop_bot(second)


def noting(outbox, *, during=None) -> list:
    """A kind of effect, "noted", whose delivery notes the effect (and first does `during`, if given): the stand-in
    for a real delivery in the tests of claims. The list of those delivered, in order."""
    delivered = []

    class Noted:
        async def deliver(self, effect):
            delivered.append(effect)
            if during:
                during()
            return {}

        async def on_done(self, uow, effect, result):
            pass

    outbox.register("noted", Noted())
    return delivered


async def queued_for_this_process(bot, now, **started) -> list:
    """Three "noted" effects added as a sweep adds its chases: claimed by this process, to deliver straight away."""
    async with bot.services.uow() as uow:
        mine = await uow.effects.add_many([{"key": f"chase-{n}", "kind": "noted", "payload": {}} for n in range(3)],
                                          claimed_until=now + CLAIM_FOR, **started)
        await uow.commit()
    return mine


async def test_a_live_siblings_claim_is_left_alone_and_a_silent_remote_ones_is_handed_back(bot, clock):
    """Two workers on one machine, or replicas on others: a claim is taken over only from a process
    known to be gone, never from one that may still be delivering it."""
    from storage.models import Boot

    outbox = bot.server.app[OUTBOX]
    delivered = noting(outbox)
    me, now = outbox.boot, clock.now()
    siblings = {"live_sibling": (me.host, me.pid), "remote": ("elsewhere/kernel/1", 1)}
    async with bot.services.uow() as uow:
        for name, (host, pid) in siblings.items():
            await uow.boots.register(Boot(id=name, host=host, pid=pid, started_at=now, seen_at=now))
            uow.effects.boot_id = name
            await uow.effects.add(key=f"effect-of-{name}", kind="noted", payload={}, claimed_until=now + CLAIM_FOR)
        await uow.commit()

    clock.advance(seconds=30)
    await outbox.tick()
    assert delivered == []  # the remote one was heard from 30 s ago: it may still be delivering
    clock.advance(seconds=31)
    await outbox.tick()
    assert [(e.key, e.uncertain) for e in delivered] == [("effect-of-remote", True)]  # gone; the live sibling keeps its claim


@pytest.mark.parametrize("taker", ["another replica", "this process's own outbox"])
async def test_a_claim_run_out_while_a_long_list_is_delivered_is_left_to_the_worker_that_took_it(bot, clock, taker):
    """A two-replica trial: a sweep delivering 24 chases to a slow connector ran past its claims' two minutes; the
    other replica's outbox took the later ones as due, and both sent them (four chases twice, and nothing in the
    database to show it); a re-check found the same with one replica, its own outbox's tick taking them. Each
    effect of a list is now held again before it goes, and left to whoever took it."""
    outbox = bot.server.app[OUTBOX]
    delivered = noting(outbox)
    mine = await queued_for_this_process(bot, clock.now())
    clock.advance(seconds=CLAIM_FOR.total_seconds() + 1)  # the list is still being delivered as its claims run out
    by = "the-other-replica" if taker == "another replica" else outbox.boot.id
    async with bot.services.uow() as uow:
        uow.effects.boot_id = by
        taken = await uow.effects.claim_next(clock.now(), until=clock.now() + CLAIM_FOR)  # the oldest: due, as it sees it
        await uow.commit()
    assert taken is not None and taken.key in {e.key for e in mine}
    assert await outbox.deliver(mine) == 2
    assert sorted(e.key for e in delivered) == sorted(e.key for e in mine if e.key != taken.key)  # the one taken is the taker's
    async with bot.services.uow() as uow:
        kept = {e.key: e for e in [await uow.effects.by_key(e.key) for e in mine]}
    assert kept[taken.key].state == "pending" and kept[taken.key].claimed_by == by
    assert all(e.state == "done" for key, e in kept.items() if key != taken.key)


async def test_a_graceful_stop_finishes_the_delivery_under_way_and_gives_the_rest_back_not_in_doubt(bot, clock):
    """A re-check: a SIGTERM during a sweep of a slow connector's chases outran the stop's 20 s; the chase cut
    short was sent again after the restart. Now the delivery under way finishes, and the rest of the list is
    given back: due at once for whoever is next, with no attempt begun, so nothing is in doubt or sent twice."""
    outbox = bot.server.app[OUTBOX]
    delivered = noting(outbox, during=outbox.stop_taking)  # SIGTERM arrives while the first is under way
    now = clock.now()
    mine = await queued_for_this_process(bot, now, started=lambda effect: effect["key"] == "chase-2")
    assert await outbox.deliver(mine) == 1 and [e.key for e in delivered] == ["chase-0"]
    assert await outbox.run() == 0  # and nothing more is taken on
    async with bot.services.uow() as uow:
        kept = {e.key: e for e in [await uow.effects.by_key(e.key) for e in mine]}
    assert kept["chase-0"].state == "done"
    for key in ("chase-1", "chase-2"):  # (chase-2 queued as started, as an email chase is: no attempt began, all the same)
        assert (kept[key].state, kept[key].claimed_by, kept[key].started_at, kept[key].next_attempt_at) == ("pending", None, None, now)


async def test_starting_twice_at_once_registers_once_without_a_warning_and_a_busy_database_is_one_line(bot, tmp_path, clock, caplog):
    """A re-walk: every start logged "could not register itself (InvalidRequestError)" (the app's start and the
    scheduler's first tick raced), and a locked database made each tick an ERROR with two tracebacks."""
    from sqlalchemy import select
    from sqlalchemy.exc import OperationalError

    from bot.outbox import Outbox
    from storage.models import Boot

    fresh = Outbox(bot.services.uow, clock, spawn=bot.services.in_background, boot=Boot(
        id="racing", host="h", pid=1, started_at=clock.now(), seen_at=clock.now()))
    caplog.set_level(logging.WARNING)
    await asyncio.gather(fresh.start(), fresh.tick())
    async with bot.services.uow() as uow:
        assert (await uow.session.execute(select(Boot.id).where(Boot.id == "racing"))).scalars().all() == ["racing"]
    assert "could not register" not in caplog.text

    class Locked:
        async def __aenter__(self):
            raise OperationalError("UPDATE boots", {}, Exception("database is locked"))

        async def __aexit__(self, *exc):
            return False

    fresh.uow = Locked
    assert await fresh.tick() == 0
    assert "the outbox's tick could not reach the database (OperationalError)" in caplog.text
    assert not [r for r in caplog.records if r.exc_info]
