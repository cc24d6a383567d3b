"""The case's clocks after the record (bot/clocks.py): the chair says when each was met, on the day it
happened, or that it is not needed and why. Until then the chasers chase it up to the manager: a
procedures expert's trial found nothing could stop them (the conference held, the chasing went on)."""
from datetime import datetime, timezone

from app import CHASER
from tests.conftest import make_settings, start_bot, stop_bot

from .chair import action_verbs, texts_of
from .test_record import FRIDAY_NOON, STRANGER, bot, convened, record_the_discussion  # noqa: F401 (the fixture)

JUNE_16 = datetime(2027, 6, 16, 9, 0, tzinfo=timezone.utc)  # 10:00 BST, a Wednesday


async def test_the_chair_says_when_the_conference_was_held_and_its_chasing_stops(bot):
    chair = await convened(bot)
    await record_the_discussion(bot, chair)  # s47 decided on Friday 28 May 2027
    bot.services.clock.set(JUNE_16)
    chair.card = None
    card = await chair.press("discussion.open", keep_inputs=False)
    assert "clock.open" in action_verbs(card)
    card = await chair.press("clock.open", keep_inputs=False)
    # 15 working days after Friday 28 May (31 May a bank holiday): Monday 21 June, by its close (hackney 9.1).
    assert "Initial child protection conference: due 17:00 Mon 21 Jun (hackney 9.1" in texts_of(card), texts_of(card)
    choices = {c["title"].split(", due ")[0]: c["value"] for c in next(i for i in card["body"][-1]["items"] if i["id"] == "clock")["choices"]}
    icpc = choices["Initial child protection conference"]
    assert "Initial child protection conference, due 21/06" in texts_of_choices(card)  # with its day: two of a kind told apart

    # Wrong input, each told by its box, with what was typed kept.
    card = await chair.press("clock.met", {"met_on": "2027-06-15"})
    assert "⚠ Choose which clock." in texts_of(card)
    card = await chair.press("clock.met", {"clock": icpc, "met_on": "2027-06-30"})
    assert "⚠ 30/06/2027 is in the future: give the day it was met." in texts_of(card)
    form = {i["id"]: i.get("value") for i in card["body"][-1]["items"] if i.get("id")}
    assert form["clock"] == icpc and form["met_on"] == "2027-06-30"
    card = await chair.press("clock.met", {"clock": icpc, "met_on": "20/05/2027"})
    assert "⚠ 20/05/2027 is before the discussion (28/05/2027): give the day it was met." in texts_of(card)
    card = await chair.press("clock.not_needed", {"clock": icpc, "reason": ""})
    assert "⚠ Say why it is not needed (e.g. the enquiry concluded without a conference)." in texts_of(card)

    for hostile in (["x"], {"a": 1}):  # a failure trial: a list as the clock crashed the card ("unhashable type")
        card = await chair.press("clock.met", {"clock": hostile, "met_on": "2027-06-15"})
        assert "⚠ Choose which clock." in texts_of(card)
    refused = await chair.press("clock.met", {"clock": icpc, "met_on": "2027-06-15"}, as_person=STRANGER)
    assert texts_of(refused) == "Not yours\nOnly the chair of this discussion can say when its clocks are met."
    async with bot.services.uow() as uow:  # a refusal is audited, as every other refused press is
        refusals = [e for e in await uow.audit.for_subject("discussion", chair.discussion_id) if e.action == "discussion.access_refused"]
    assert [(e.actor, e.details["verb"]) for e in refusals] == [(STRANGER["aad_id"], "clock.met")]
    card = chair.card
    missing = await chair.press("clock.met", {"clock": icpc, "met_on": "2027-06-15", "discussion_id": "no-such-discussion"})
    assert texts_of(missing) == "Not found\nThis strategy discussion no longer exists."  # not "Not yours" (a walk)
    chair.card = card
    card = await chair.press("clock.met", {"clock": icpc, "met_on": "15/06/2027"})
    # The conference concludes the s47 enquiries, so hackney's review "if s47 enquiries are not concluded within 15
    # working days" (4.3, 9.3) is owed no more (a trial found it overdue on every case whose conference was held).
    assert ("Initial child protection conference: met on 15/06/2027. Its chasing has stopped. S47 review discussion: not "
            "needed now, and not chased.") in texts_of(card)
    assert "Initial child protection conference: met on 15/06/2027" in texts_of(card).split("Closed")[1]
    again = await chair.press("clock.met", {"clock": icpc, "met_on": "15/06/2027"})  # a double-click's second press
    assert "Initial child protection conference is closed: its chasing has stopped." in texts_of(again)

    async with bot.services.uow() as uow:
        owed = {o.kind: o for o in await uow.obligations.for_discussion(chair.discussion_id)}
        met = [e for e in await uow.audit.for_subject("obligation", owed["icpc"].id) if e.action == "obligation.met"]
        # The census's DateOfInitialCPC is the day it was held, not the day the chair said so.
        [row] = await uow.oversight.section_47(None, datetime(2027, 5, 1, tzinfo=timezone.utc), datetime(2027, 7, 1, tzinfo=timezone.utc))
    assert owed["icpc"].state == "satisfied" and len(met) == 1 and met[0].details["met_on"] == "2027-06-15"
    assert bot.services.calendar.local(row["icpc_changed_at"]).date().isoformat() == "2027-06-15"

    async with bot.services.uow() as uow:
        review = next(o for o in await uow.obligations.for_discussion(chair.discussion_id) if o.kind == "s47_review")
        [ended] = [e for e in await uow.audit.for_subject("obligation", review.id) if e.action == "obligation.not_needed"]
    assert review.state == "cancelled" and ended.details["concluded_by"] == "icpc"

    # The assessment's decision: not needed, with why; the reason is kept in the audit trail, not on the card.
    choices = {c["title"].split(", due ")[0]: c["value"] for c in next(i for i in again["body"][-1]["items"] if i["id"] == "clock")["choices"]}
    assert "Initial child protection conference" not in choices and "S47 review discussion" not in choices
    chair.card = again
    card = await chair.press("clock.not_needed", {"clock": choices["Assessment's decision on next steps"],
                                                  "reason": "Closed after the enquiry, on day 9"})
    assert "Assessment's decision on next steps: not needed. Its chasing has stopped." in texts_of(card)
    assert "on day 9" not in texts_of(card) and "S47 review discussion: not needed" in texts_of(card).split("Closed")[1]

    # On the day the conference was due, nothing more is chased for it.
    bot.services.clock.set(datetime(2027, 6, 21, 8, 0, tzinfo=timezone.utc))
    await bot.server.app[CHASER].sweep()
    async with bot.services.uow() as uow:
        assert await uow.chases.for_obligation(owed["icpc"].id) == []


def texts_of_choices(card) -> list[str]:
    return [c["title"] for c in next(i for i in card["body"][-1]["items"] if i["id"] == "clock")["choices"]]
