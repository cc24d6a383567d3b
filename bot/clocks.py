"""The case's clocks after the record, closed by the chair: the initial child protection conference
held, the assessment's decision made, the LADO informed, a review held, each on the day it
happened; or not needed, with why (audited). Nothing the bot sees meets them, so until the chair
says so the chasers chase them up to the manager, and the census reads the conference's date here."""
from __future__ import annotations

from datetime import datetime, time

from botbuilder.core import TurnContext

from cards import record as record_cards
from cards import wizard as cards
from cards.words import capital, listing
from cards.words import owed as owed_name
from cards.words import subject

from .convene import actor_of
from .recording import CLOSED_BY_THE_CHAIR, reason_problem
from .services import BotServices
from .wizard import text, uk_date

VERBS = ("clock.open", "clock.met", "clock.not_needed")  # the clocks card's buttons, as bot/handler.py routes them


class ClocksFlow:
    def __init__(self, services: BotServices):
        self.s = services

    async def act(self, turn_context: TurnContext, verb: str, data: dict) -> dict:
        aad, _, name = actor_of(turn_context)
        now = self.s.clock.now()
        local = self.s.calendar.local(now)
        async with self.s.uow() as uow:
            discussion, refusal = await self.s.access.chaired(
                uow, data, aad, verb, "Only the chair of this discussion can say when its clocks are met.", load=())
            if refusal:
                return refusal
            if discussion.status != "recorded":
                return cards.message_card("No record yet", f"{subject(discussion.case_reference, discussion.child_initials)}: "
                                          "the case's clocks start when its record is finalised.")
            owed = [o for o in await uow.obligations.for_discussion(discussion.id) if o.kind in CLOSED_BY_THE_CHAIR]
            if verb == "clock.open":
                return record_cards.clocks_card(discussion, owed=owed, now=local)
            held = self.s.calendar.local(discussion.meeting_start or discussion.finalised_at or now).date()
            closing, problem = _read(verb, data, owed, today=local.date(), held=held)
            if problem:  # said on the card, with what was typed in it, read as every box is (a trial sent a list: it crashed)
                typed = {box: text(data, box) for box in ("clock", "met_on", "reason")}
                return record_cards.clocks_card(discussion, owed=owed, now=local, problem=problem, typed=typed)
            obligation, met_on, reason = closing
            what = capital(owed_name(obligation.kind, obligation.subject_id))
            met_at = datetime.combine(met_on, time(12, 0), tzinfo=self.s.calendar.zone) if met_on else None
            if await uow.obligations.close(obligation, state="satisfied" if met_on else "cancelled", met_at=met_at, now=now):
                uow.audit.record(actor=aad, action="obligation.met" if met_on else "obligation.not_needed",
                                 subject_type="obligation", subject_id=obligation.id,
                                 details={"discussion_id": discussion.id, "kind": obligation.kind, "by": name,
                                          **({"met_on": met_on.isoformat()} if met_on else {"reason": reason})})
                ended = await self._concluded(uow, discussion, obligation, owed, now)
                await uow.commit()
                note = f"{what}: {f'met on {met_on:%d/%m/%Y}' if met_on else 'not needed'}. Its chasing has stopped."
                if ended:
                    note += f" {listing([capital(owed_name(o.kind, o.subject_id)) for o in ended])}: not needed now, and not chased."
            else:  # closed a moment ago (a double-click's second press, a redelivery): nothing more, said as done
                # (a walk: "already closed: nothing changed", the last thing the chair saw, read as a failure)
                note = f"{what} is closed: its chasing has stopped."
            return record_cards.clocks_card(discussion, owed=owed, now=local, note=note)


    async def _concluded(self, uow, discussion, closed, owed: list, now: datetime) -> list:
        """The clocks the profile says end with `closed` (its `concluded_by`), closed as not needed, each audited."""
        ending = {rule.clock for rule in self.s.profile.clocks if closed.kind in rule.concluded_by}
        ended = []
        for obligation in owed:
            if obligation.kind in ending and obligation is not closed and await uow.obligations.close(
                    obligation, state="cancelled", met_at=None, now=now):
                uow.audit.record(actor="strategy-bot", action="obligation.not_needed", subject_type="obligation",
                                 subject_id=obligation.id, details={"discussion_id": discussion.id, "kind": obligation.kind,
                                                                    "concluded_by": closed.kind})
                ended.append(obligation)
        return ended


def _read(verb: str, data: dict, owed: list, *, today, held) -> tuple[tuple | None, dict]:
    """(the obligation, the day it was met or None, the reason it is not needed), or what is wrong, by its box.
    One that is no longer owed (closed a moment ago) is read as chosen: closing it again changes nothing."""
    chosen = next((o for o in owed if o.id == text(data, "clock")), None)
    problem = {} if chosen else {"clock": "Choose which clock."}
    met_on, reason = None, ""
    if verb == "clock.met":
        met_on = uk_date(text(data, "met_on"))
        if met_on is None:
            problem["met_on"] = "Enter the day it was met, e.g. 16/06/2027."
        elif met_on > today:
            problem["met_on"] = f"{met_on:%d/%m/%Y} is in the future: give the day it was met."
        elif met_on < held:
            problem["met_on"] = f"{met_on:%d/%m/%Y} is before the discussion ({held:%d/%m/%Y}): give the day it was met."
    else:
        reason = text(data, "reason")
        if not reason:
            problem["reason"] = "Say why it is not needed (e.g. the enquiry concluded without a conference)."
        elif too_long := reason_problem(reason):
            problem["reason"] = too_long
    return (None, problem) if problem else ((chosen, met_on, reason), {})
