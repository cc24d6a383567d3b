"""Opening a discussion and replying to it: the chair sees everyone's replies and the quorum;
an invitee sees their own invitation and answers it; anyone else sees nothing."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from cards import discussion as discussion_cards
from cards import wizard as cards
from cards.words import agency as agency_name
from cards.words import subject, when
from scheduling.meetings import MeetingError
from storage.directory import is_email
from storage.models import new_id

from .convene import actor_of, delivery_of
from .meetings import MeetingsFlow, draft_cancelled
from .services import BotServices

log = logging.getLogger(__name__)
FROM_GRAPH = {"accepted": "accepted", "tentativelyAccepted": "tentative", "declined": "declined"}
POLL_BUDGET_SECONDS = 3  # the card must answer within Teams' turn limit
# The invitation card's buttons (cards.discussion.rsvp_card), as bot/handler.py routes them.
RSVP_VERBS = ("rsvp.accept", "rsvp.decline", "rsvp.delegate", "rsvp.share_only", "rsvp.records")


class RsvpFlow:
    def __init__(self, services: BotServices, meetings: MeetingsFlow):
        self.s = services
        self.meetings = meetings

    async def open(self, turn_context, data: dict) -> dict:
        aad, _, _ = actor_of(turn_context)
        now = self.s.clock.now()
        async with self.s.uow() as uow:
            discussion = await uow.discussions.get(str(data.get("discussion_id", "")))
            if discussion is None:
                return cards.no_such_discussion()
            invitation = self.s.access.invitation_of(discussion, aad)
            if self.s.access.is_chair_of(discussion, aad):
                await self._poll_replies(uow, discussion)
                card = (await self.meetings.status_card(uow, discussion, now) if discussion.status != "draft"
                        else self.meetings.step_card(discussion, now))
            elif invitation is not None:
                card = discussion_cards.rsvp_card(discussion, invitation, now=self.s.calendar.local(now))
            elif discussion.status == "cancelled" and not discussion.meeting_event_id:
                # A draft's card in the channel, cancelled: what it was, to anyone who sees it there (a re-check: others
                # were told only that they could not see it, and the card still said "Being convened").
                card = draft_cancelled(discussion)
            else:
                card = cards.message_card(subject(discussion.case_reference, discussion.child_initials),
                                          "Only the chair and the people invited can see this strategy discussion.")
            uow.audit.record(actor=aad, action="discussion.viewed" if (invitation or self.s.access.is_chair_of(discussion, aad))
                             else "discussion.access_refused", subject_type="discussion", subject_id=discussion.id)
            # Once per activity id: a plain commit let the same press, delivered again, be refused at commit and then
            # shown (and audited) a second time by the handler's current card.
            await uow.commit_once(delivery_of(turn_context))
            return card

    async def change_meeting(self, turn_context, verb: str, data: dict) -> dict:
        aad, _, _ = actor_of(turn_context)
        async with self.s.uow() as uow:
            discussion, refusal = await self.s.access.chaired(uow, data, aad, verb, "Only the chair can change this meeting.",
                                                              for_update=True)
            if refusal:
                return refusal
            return await self.meetings.change(uow, discussion, verb, data, self.s.clock.now(), actor=aad)

    async def poll_all(self) -> int:
        """The scheduled sweep: read calendar replies for every discussion still to meet, and
        update the chair's card where something changed. Returns how many discussions changed."""
        now = self.s.clock.now()
        changed = 0
        async with self.s.uow() as uow:
            for discussion in await uow.discussions.awaiting_meeting(now):
                if await self._poll_replies(uow, discussion):
                    changed += 1
                    await self._update_chair_card(uow, discussion, now)
                    await uow.commit()
        return changed

    async def _update_chair_card(self, uow, discussion, now: datetime) -> None:
        """The chair's card shows replies as they come (an update through the outbox, each its own)."""
        await self.meetings.show(uow, f"{discussion.id}:replies:{new_id()}", discussion, now,
                                 f"Meeting {when(discussion.meeting_start, now=self.s.calendar.local(now))}")

    async def _poll_replies(self, uow, discussion) -> bool:
        """Replies of people outside Teams reach the organiser's calendar event: read them."""
        if not discussion.meeting_event_id or discussion.meeting_provider != self.s.meetings.name:
            return False
        try:
            replies = await asyncio.wait_for(self.s.meetings.responses(discussion.meeting_event_id), POLL_BUDGET_SECONDS)
        except (MeetingError, asyncio.TimeoutError) as error:
            log.warning("discussion %s: could not read replies: %s", discussion.id, error)
            return False
        changed = False
        for invitation in discussion.invitations:
            reply = FROM_GRAPH.get(replies.get(invitation.email.lower(), "none"))
            if reply and invitation.rsvp in ("none", "tentative", "accepted", "declined") and reply != invitation.rsvp:
                invitation.rsvp, invitation.rsvp_at = reply, self.s.clock.now()
                uow.audit.record(actor=invitation.email, action=f"rsvp.{reply}", subject_type="invitation",
                                 subject_id=invitation.id, details={"via": "calendar"})
                changed = True
        return changed

    async def reply(self, turn_context, verb: str, data: dict) -> dict:
        aad, _, _ = actor_of(turn_context)
        now = self.s.clock.now()
        async with self.s.uow() as uow:  # the discussion's row locked: two presses at once answer in turn
            discussion = await uow.discussions.get(str(data.get("discussion_id", "")), for_update=True)
            invitation = self.s.access.invitation_of(discussion, aad) if discussion else None
            if discussion is None:
                return cards.no_such_discussion()
            if invitation is None or invitation.id != data.get("invitation_id"):
                await self.s.access.refused(uow, discussion, aad, verb)
                return cards.message_card("Not your invitation", "Only the person invited can answer this invitation.")
            answer = verb.split(".", 1)[1]
            said = subject(discussion.case_reference, discussion.child_initials)
            if closed := discussion_cards.nothing_to_answer(discussion, now):
                # A walk: an old card's Accept brought a cancelled meeting back on the chair's card.
                title, why, hint = closed
                return cards.message_card(title, f"{said}: {why} Nothing was changed. {hint}".strip())
            if answer == "records":
                return await self._records_check(uow, discussion, invitation, data, aad, now)
            shown_now = self.s.calendar.local(now)
            moved = "at" in data and not discussion_cards.same_time(data["at"], discussion_cards.drawn_for(discussion))
            if moved or "seen" in data and str(data["seen"] or "") != (invitation.rsvp or ""):
                # Drawn before the meeting moved (a walk: the answer to the old time was cleared, and Accept on the old
                # card was refused in words nobody could follow), or before the last answer: a double-click's second
                # press, or Accept and Decline at once. The invitation as it stands, so that nobody is told one thing
                # while the chair sees another; what was typed comes back, and what to do is said.
                if moved or invitation.rsvp == "none":  # (a card from before `at`: an answer cleared is a move)
                    note = (f"The meeting moved to {when(discussion.meeting_start, now=shown_now)} after this card was drawn, "
                            "so nothing was recorded: press your answer again for the new time.")
                else:
                    note = (f"You had already answered ({discussion_cards.RSVP_WORDS.get(invitation.rsvp, invitation.rsvp)}) "
                            "when you pressed, so nothing was changed: to change your answer, press it again.")
                return discussion_cards.rsvp_card(discussion, invitation, now=shown_now, typed=data, problem={"_card": note})
            problems = self._check(answer, data)
            if problems:
                return discussion_cards.rsvp_card(discussion, invitation, now=shown_now, problem=problems, typed=data)
            answered = {"rsvp": {"accept": "accepted", "decline": "declined", "delegate": "delegated", "share_only": "share_only"}[answer],
                        "apologies": str(data.get("apologies") or "").strip() if answer == "decline" else "",
                        "information_route": str(data.get("information_route") or "").strip() if answer == "decline" else ""}
            if answer == "delegate":
                answered |= {"delegate_name": str(data["delegate_name"]).strip(), "delegate_email": str(data["delegate_email"]).strip()}
            # A records check chosen on the card goes with the answer (a walk: chosen, then Accept pressed, it was
            # never recorded, while the card still showed it chosen, as if sent).
            check = str(data.get("record_check") or "")
            check = check if check in dict(discussion_cards.RECORD_CHECKS) and check != invitation.record_check else None
            if check is None and all(getattr(invitation, field) == value for field, value in answered.items()):  # the same answer again
                return discussion_cards.rsvp_card(discussion, invitation, now=shown_now, typed=data)
            if check is not None:
                invitation.record_check = check
                uow.audit.record(actor=aad, action=f"record_check.{check}", subject_type="invitation", subject_id=invitation.id,
                                 details={"discussion_id": discussion.id, "agency": invitation.agency, "with": answer})
            was_confirmed = invitation.rsvp in discussion_cards.CONFIRMED
            for field, value in answered.items():
                setattr(invitation, field, value)
            invitation.rsvp_at = now
            if answer == "delegate":
                # The delegate is invited through the calendar too, so that they have the join link.
                await uow.effects.add(key=f"{discussion.id}:meeting.attendees:delegate:{invitation.id}:{invitation.delegate_email.lower()}",
                                      kind="meeting.attendees", discussion_id=discussion.id, payload={})
            uow.audit.record(actor=aad, action=f"rsvp.{invitation.rsvp}", subject_type="invitation", subject_id=invitation.id,
                             details={"discussion_id": discussion.id, "agency": invitation.agency})
            suggestions = self.meetings.next_contacts(discussion)
            await self._update_chair_card(uow, discussion, now)
            if invitation.agency in suggestions:
                await self.s.effects.tell_chair(uow, f"{invitation.id}:declined:{delivery_of(turn_context)}", discussion, (
                    f"{subject(discussion.case_reference, discussion.child_initials)}: {agency_name(invitation.agency)} "
                    f"declined and nobody else from {agency_name(invitation.agency)} is coming. {suggestions[invitation.agency]}"))
            elif was_confirmed and invitation.rsvp == "declined":
                log.info("discussion %s: a confirmed invitee declined", discussion.id)
            await uow.commit()
            return discussion_cards.rsvp_card(discussion, invitation, now=shown_now, typed=data)

    async def _records_check(self, uow, discussion, invitation, data: dict, aad: str, now) -> dict:
        check = str(data.get("record_check") or "")
        if check not in dict(discussion_cards.RECORD_CHECKS):
            return discussion_cards.rsvp_card(discussion, invitation, now=self.s.calendar.local(now),
                                              problem={"record_check": "Choose what your agency holds."}, typed=data)
        if invitation.record_check == check:  # sent again (a double-click): nothing new to record
            return discussion_cards.rsvp_card(discussion, invitation, now=self.s.calendar.local(now), typed=data)
        invitation.record_check = check
        uow.audit.record(actor=aad, action=f"record_check.{check}", subject_type="invitation", subject_id=invitation.id,
                         details={"discussion_id": discussion.id, "agency": invitation.agency})
        await self._update_chair_card(uow, discussion, now)  # as an answer does: the chair sees it without refreshing
        await uow.commit()
        return discussion_cards.rsvp_card(discussion, invitation, now=self.s.calendar.local(now), typed=data)

    @staticmethod
    def _check(answer: str, data: dict) -> dict:
        problems = {}
        if answer == "decline" and not str(data.get("information_route") or "").strip():
            problems["information_route"] = "Say how your agency's information will reach the chair."
        if answer == "delegate":
            if not str(data.get("delegate_name") or "").strip():
                problems["delegate_name"] = "Enter your delegate's name."
            typed = str(data.get("delegate_email") or "").strip()
            if not is_email(typed):  # a walk: "deputy@school" was told to enter an address, as if the box were empty
                problems["delegate_email"] = (f"{typed[:80]} is not a full email address: write it as name@organisation, e.g. "
                                              "name@school.sch.uk." if typed else "Enter your delegate's email address.")
        return problems
