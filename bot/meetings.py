"""Creating the meeting once the chair confirms: answer the card at once, talk to Graph after,
then update the card. A failure is told to the chair and leaves the draft ready to retry."""
from __future__ import annotations

import html
import logging
from datetime import datetime

from botbuilder.core import MessageFactory

from cards import discussion as discussion_cards
from cards import wizard as cards
from cards.words import agency as agency_name
from cards.words import subject, when
from scheduling.meetings import Attendee, MeetingError, MeetingRequest
from storage.models import Discussion, Invitation

from .proactive import card_activity
from .services import BotServices

log = logging.getLogger(__name__)


def next_contact(services: BotServices, discussion: Discussion, agency: str) -> str:
    """Who the chair should try for an agency none of whose invitees is coming (on duty at the meeting time)."""
    in_hours = discussion.meeting_start is None or services.calendar.in_working_hours(discussion.meeting_start)
    tried = {i.email.lower() for i in discussion.invitations if i.agency == agency}
    contact = services.directory.next_to_try(agency, in_hours=in_hours, tried=tried)
    return contact.describe() if contact else "the agency's duty desk"


class MeetingsFlow:
    def __init__(self, services: BotServices):
        self.s = services
        self.step_card = None  # set by ConveneFlow: the wizard's card for a draft sent back to the chair
        self.record_card = None  # set by the handler: the record's card while the chair writes it

    async def confirm(self, uow, discussion: Discussion, data: dict, now: datetime, *, actor: str) -> dict:
        if not await uow.discussions.claim(discussion.id, from_status="draft", to_status="convening"):
            return await self.status_card(uow, discussion, now)  # a repeated delivery: the first one is creating it
        discussion.status = "convening"
        uow.audit.record(actor=actor, action="meeting.requested", subject_type="discussion", subject_id=discussion.id,
                         details={"provider": self.s.meetings.name, "start": discussion.draft["slot"]["start"]})
        self.s.in_background(self._create(discussion.id), name=f"create-meeting-{discussion.id}")
        return cards.message_card(subject(discussion.case_reference, discussion.child_initials),
                                  "Creating the meeting and sending the invitations… this card updates when it is done.")

    async def status_card(self, uow, discussion: Discussion, now: datetime) -> dict:
        if discussion.status == "convening":
            return cards.message_card(subject(discussion.case_reference, discussion.child_initials),
                                      "The meeting is being created; this card updates when it is done.")
        if discussion.status == "cancelled":
            return cards.message_card("Cancelled", "This strategy discussion was cancelled.")
        if discussion.status == "recording" and self.record_card:
            return self.record_card(discussion)
        return self.chair_card(discussion, now)

    def chair_card(self, discussion: Discussion, now: datetime, problem: dict | None = None) -> dict:
        return discussion_cards.chair_card(discussion, now=self.s.calendar.local(now), quorum=list(self.s.profile.quorum.agencies),
                                           provider_sends=discussion.meeting_provider == "graph",
                                           next_contacts=self.next_contacts(discussion), problem=problem)

    async def change(self, uow, discussion: Discussion, verb: str, data: dict, now: datetime, *, actor: str) -> dict:
        """Invite someone else, move the meeting or cancel it: through the provider, then recorded."""
        from . import wizard

        if discussion.status != "convened":
            return await self.status_card(uow, discussion, now)
        try:
            if verb == "discussion.invite":
                person, problem = wizard.added_person(data)
                if problem:
                    return self.chair_card(discussion, now, problem)
                invitation = Invitation(agency=person["agency"], name=person["name"], email=person["email"], required=False,
                                        reason="added by the chair", source="chair")
                attendees = tuple(Attendee(i.name or i.email, i.email, i.required) for i in discussion.invitations)
                await self.s.meetings.set_attendees(discussion.meeting_event_id, attendees + (Attendee(person["name"], person["email"], False),))
                discussion.invitations.append(invitation)
                await uow.session.flush()
                await self._before_meeting_obligations(uow, discussion, now)  # their reply and records check, chased too
                details = {"added": person["agency"]}
            elif verb == "discussion.move":
                start = wizard.parse_when({"slot": "other", "other_date": data.get("move_date"), "other_time": data.get("move_time"),
                                           "late_reason": "moved by the chair"}, slots=[], now=now, deadline=discussion.deadline,
                                          zone=self.s.calendar.zone, minutes=self.s.profile.meetings.minutes)
                slot, problem = start
                if problem:
                    return self.chair_card(discussion, now, {"move_date": next(iter(problem.values()))})
                begin, end = datetime.fromisoformat(slot["start"]), datetime.fromisoformat(slot["end"])
                await self.s.meetings.reschedule(discussion.meeting_event_id, begin, end, str(self.s.calendar.zone))
                discussion.meeting_start, discussion.meeting_end = begin, end
                for obligation in await uow.obligations.for_discussion(discussion.id):
                    if obligation.kind in ("rsvp", "record_check", "quorum_at_risk") and obligation.state == "open":
                        obligation.due_at, obligation.next_attempt_at = begin, now
                details = {"to": slot["start"], "after_deadline": bool(discussion.deadline and end > discussion.deadline)}
            else:
                reason = str(data.get("cancel_reason") or "").strip()
                if not reason:
                    return self.chair_card(discussion, now, {"cancel_reason": "Say why: everyone invited is told."})
                await self.s.meetings.cancel(discussion.meeting_event_id, reason)
                discussion.status = "cancelled"
                for obligation in await uow.obligations.for_discussion(discussion.id):
                    if obligation.state == "open":
                        obligation.state = "cancelled"
                details = {"reason": reason}
        except MeetingError as error:
            return self.chair_card(discussion, now, {"_card": f"Not changed: {error}. Nothing else was lost; try again."})
        discussion.updated_at = now
        uow.audit.record(actor=actor, action=verb.replace("discussion.", "meeting."), subject_type="discussion",
                         subject_id=discussion.id, details=details)
        await uow.commit()
        if discussion.status == "cancelled":
            return cards.message_card("Cancelled", f"{subject(discussion.case_reference, discussion.child_initials)}: the meeting "
                                                   "was cancelled and everyone invited was told.")
        return self.chair_card(discussion, now)

    def next_contacts(self, discussion: Discussion) -> dict[str, str]:
        """For a quorum agency whose every invitee declined: who to try next (directory, on duty then)."""
        suggestions = {}
        for agency in self.s.profile.quorum.agencies:
            mine = [i for i in discussion.invitations if i.agency == agency]
            if mine and all(i.rsvp == "declined" for i in mine):
                suggestions[agency] = next_contact(self.s, discussion, agency)
        return suggestions

    def _request(self, discussion: Discussion) -> MeetingRequest:
        draft = discussion.draft
        invited = [r for r in draft["invitees"] if r["invite"] and r.get("email")]
        start, end = datetime.fromisoformat(draft["slot"]["start"]), datetime.fromisoformat(draft["slot"]["end"])
        rule = discussion.assessment["deadline_rule"]
        # No child's name, date of birth or address: case reference and initials only.
        body = (f"<p>Child protection strategy discussion for case {html.escape(discussion.case_reference)} "
                f"({html.escape(discussion.child_initials)}), convened by {html.escape(discussion.chair_name)}.</p>"
                f"<p>Statutory timescale: {html.escape(rule['text'])} ({html.escape(rule['source'])}).</p>"
                "<p>Agenda: introductions and apologies; family and household; reason and purpose; causes of concern; "
                "background and risk; decisions; plan of enquiries; actions; distribution; next discussion.</p>"
                "<p>Please research your agency's records on the case before the meeting. Attend senior enough to make "
                "decisions for your agency, or say you attend to share information only.</p>")
        return MeetingRequest(
            transaction_id=discussion.id, subject=subject(discussion.case_reference, discussion.child_initials),
            body_html=body, start=start, end=end, time_zone=str(self.s.calendar.zone),
            attendees=tuple(Attendee(r["name"] or r["email"], r["email"], r["required"]) for r in invited),
        )

    async def _create(self, discussion_id: str) -> None:
        async with self.s.uow() as uow:
            discussion = await uow.discussions.get(discussion_id)
            request = self._request(discussion)
        try:
            meeting = await self.s.meetings.create(request)
        except MeetingError as error:
            await self._failed(discussion_id, str(error))
            return
        now = self.s.clock.now()
        async with self.s.uow() as uow:
            discussion = await uow.discussions.get(discussion_id)
            discussion.status, discussion.updated_at = "convened", now
            discussion.meeting_event_id, discussion.meeting_join_url = meeting.event_id, meeting.join_url
            discussion.meeting_start, discussion.meeting_end = request.start, request.end
            discussion.meeting_provider = self.s.meetings.name
            for row in discussion.draft["invitees"]:
                if row["invite"] and row.get("email"):
                    discussion.invitations.append(Invitation(
                        agency=row["agency"], name=row["name"], email=row["email"], role=row.get("role", ""),
                        required=row["required"], reason=row["reason"], source=row["source"],
                        aad_object_id=row.get("aad_object_id"), quorum=row.get("quorum", False)))
            await uow.session.flush()
            await self._before_meeting_obligations(uow, discussion, now)
            removed = [{"agency": r["agency"], "reason": r["removal_reason"]} for r in discussion.draft["invitees"] if not r["invite"]]
            uow.audit.record(actor="strategy-bot", action="meeting.created", subject_type="discussion", subject_id=discussion_id,
                             details={"provider": meeting.where, "event_id": meeting.event_id, "invited": len(request.attendees),
                                      "not_invited": removed})
            await uow.commit()
            discussion = await uow.discussions.get(discussion_id)
            await self.show(discussion, self.s.calendar.local(now), f"Meeting {when(discussion.meeting_start, now=self.s.calendar.local(now))}")
            await self._invite_in_teams(discussion, now)

    async def _before_meeting_obligations(self, uow, discussion: Discussion, now: datetime) -> None:
        """What is owed before the meeting: every invitee's reply and records check, and the quorum."""
        from storage.models import Obligation

        def owe(key: str, kind: str, subject: str, agency: str | None) -> Obligation:
            return Obligation(key=f"{discussion.id}:{key}", kind=kind, discussion_id=discussion.id, subject_type="invitation",
                              subject_id=subject, owner_agency=agency, due_at=discussion.meeting_start,
                              rule_source="before the meeting", out_of_hours=not self.s.calendar.in_working_hours(discussion.meeting_start),
                              created_at=now, updated_at=now)

        for invitation in discussion.invitations:
            await uow.obligations.add_once(owe(f"rsvp:{invitation.id}", "rsvp", invitation.id, invitation.agency))
            await uow.obligations.add_once(owe(f"record_check:{invitation.id}", "record_check", invitation.id, invitation.agency))
        await uow.obligations.add_once(owe("quorum_at_risk", "quorum_at_risk", discussion.id, "social_care"))

    async def _failed(self, discussion_id: str, reason: str) -> None:
        now = self.s.clock.now()
        async with self.s.uow() as uow:
            discussion = await uow.discussions.get(discussion_id)
            discussion.status, discussion.updated_at = "draft", now
            discussion.draft = {**discussion.draft, "step": "confirm", "meeting_error": reason}
            uow.audit.record(actor="strategy-bot", action="meeting.failed", subject_type="discussion", subject_id=discussion_id,
                             details={"reason": reason})
            await uow.commit()
        log.error("discussion %s: meeting not created: %s", discussion_id, reason)
        note = (f"{subject(discussion.case_reference, discussion.child_initials)}: the meeting could not be created "
                f"({reason}). Nothing you entered is lost: open the card and choose Retry.")
        await self.s.proactive.send(discussion.conversation_reference, MessageFactory.text(note))
        await self.show(discussion, now, "Meeting not created yet: the chair can retry")

    async def show(self, discussion: Discussion, now: datetime, status_line: str) -> None:
        """Update the card in the chat: the chair's own view in a personal chat, the neutral card elsewhere."""
        if not discussion.card_activity_id or not discussion.conversation_reference:
            return
        personal = discussion.conversation_reference.get("conversation", {}).get("conversationType", "personal") == "personal"
        if personal and discussion.status == "draft":
            card = self.step_card(discussion, now)
        elif personal:
            card = self.chair_card(discussion, now)
        else:
            viewers = [discussion.chair_user_id] + [f"8:orgid:{i.aad_object_id}" for i in discussion.invitations if i.aad_object_id]
            card = discussion_cards.base_card(discussion_id=discussion.id, case_reference=discussion.case_reference,
                                              initials=discussion.child_initials, status_line=status_line,
                                              viewers=[v for v in viewers if v])
        await self.s.proactive.update_card(discussion.conversation_reference, discussion.card_activity_id, card)

    async def _invite_in_teams(self, discussion: Discussion, now: datetime) -> None:
        """A personal RSVP card for every invitee the bot can reach in Teams (same tenant, app installed)."""
        service_url = discussion.conversation_reference.get("serviceUrl") or discussion.conversation_reference.get("service_url")
        for invitation in discussion.invitations:
            if not invitation.aad_object_id:
                continue
            card = discussion_cards.rsvp_card(discussion, invitation, now=self.s.calendar.local(now))
            try:
                await self.s.proactive.send_personal(user_id=invitation.aad_object_id, tenant_id=discussion.tenant_id,
                                                     service_url=service_url, activity=card_activity(card))
            except Exception as error:  # unreachable in Teams: the Graph invitation still reached them by email
                log.warning("could not reach %s invitee in Teams (%s); they have the email invitation",
                            agency_name(invitation.agency), error)
