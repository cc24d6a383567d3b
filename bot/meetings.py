"""The meeting: created once the chair confirms, changed or cancelled from the chair's card.
Each turn records the change and an outbox effect in one transaction and answers at once; the
effect (MeetingCreation, MeetingChange below) talks to the provider afterwards. A failure is told
to the chair, and a failed creation leaves the draft ready to retry."""
from __future__ import annotations

import html
import logging
from datetime import datetime

from sqlalchemy.orm.attributes import flag_modified

from cards import discussion as discussion_cards
from cards import wizard as cards
from cards.elements import execute, refreshing
from cards.words import agency as agency_name
from cards.words import subject, when
from protocol.vocabulary import OWED_OBLIGATION_STATES, REVIEWS_OWED
from scheduling.meetings import Attendee, MeetingRequest
from storage.models import Discussion, Invitation

from . import recording, wizard
from .proactive import bot_id_of, in_personal_chat, service_url_of
from .services import BotServices

log = logging.getLogger(__name__)
BEFORE_MEETING = ("rsvp", "record_check", "quorum_at_risk")  # what is owed before the meeting, satisfied once it is held
ASKED_AGAIN_WHEN_MOVED = ("rsvp", "quorum_at_risk")  # a records check stands whatever the time


def next_contact(services: BotServices, discussion: Discussion, agency: str) -> str:
    """What the chair should do for an agency none of whose invitees is coming: a sentence of its own,
    naming who to try next (on duty at the meeting time), or saying the directory has nobody else."""
    in_hours = discussion.meeting_start is None or services.calendar.in_working_hours(discussion.meeting_start)
    tried = {i.email.lower() for i in discussion.invitations}  # nobody already asked, for any agency
    tried |= {c.email.lower() for c in services.directory.by_aad_object_id(discussion.chair_aad_id)}  # never the chair themself
    # The agency's own people first, then those of an agency that counts as it for the quorum (a walk: "nobody
    # else from Health" while the on-call paediatrician, who stands for health, was in the directory).
    counts_as = services.profile.quorum.counts_as
    for candidate in (agency, *sorted(a for a, stands_for in counts_as.items() if stands_for == agency)):
        if contact := services.directory.next_to_try(candidate, in_hours=in_hours, tried=tried):
            why = "" if candidate == agency else f" ({agency_name(candidate)}: counts as {agency_name(agency)} for the quorum)"
            return f"Next to try: {contact.describe()}{why}."
    return f"Nobody else from {agency_name(agency)} is in the contacts directory: ask their duty desk, and add them to it."


USED_BY = {"discussion.invite": {"add_agency", "add_name", "add_email"},
           "discussion.move": {"move_date", "move_time", "move_reason"}}
CHANGED = {"discussion.invite": "added to", "discussion.move": "moved", "discussion.cancel": "cancelled"}  # the chair's three changes
# A meeting the calendar refused: the discussion's clock runs on whatever the bot can do.
STILL_DUE = ("The strategy discussion must still be held by its deadline (on the card): if IT cannot fix this in time, "
             "arrange it by phone or email meanwhile.")
CALENDAR_AGAIN = "discussion.calendar_again"  # a change the calendar refused, sent to it again (MeetingChange.on_failed)
CALENDAR_CHANGES = {"meeting.attendees": "adding the invitee to the meeting", "meeting.reschedule": "moving the meeting",
                    "meeting.cancel": "cancelling the meeting"}


def _unused(data: dict, verb: str) -> dict:
    """What a press carried that its change did not use: typed for another change, it comes back."""
    return {k: v for k, v in data.items() if k not in USED_BY[verb]}


class MeetingsFlow:
    def __init__(self, services: BotServices):
        self.s = services
        self.step_card = None  # set by ConveneFlow: the wizard's card for a draft sent back to the chair
        self.record_card = None  # set by the handler: the record's card while the chair writes it

    async def confirm(self, uow, discussion: Discussion, data: dict, now: datetime, *, actor: str) -> dict:
        if not await uow.discussions.claim(discussion.id, from_status="draft", to_status="convening"):
            return await self.status_card(uow, discussion, now)  # a repeated delivery: the first one is creating it
        discussion.status = "convening"
        # Each try has its own outbox key (a Retry after a failure is a new effect); Graph de-duplicates
        # a try's own repeats by its transaction id.
        attempt = int(discussion.draft.get("meeting_attempt", 0)) + 1
        discussion.draft = {**discussion.draft, "meeting_attempt": attempt}
        await uow.effects.add(key=f"{discussion.id}:meeting.create:{attempt}", kind="meeting.create",
                              discussion_id=discussion.id, payload={"attempt": attempt})
        uow.audit.record(actor=actor, action="meeting.requested", subject_type="discussion", subject_id=discussion.id,
                         details={"provider": self.s.meetings.name, "start": discussion.draft["slot"]["start"], "attempt": attempt})
        return cards.message_card(subject(discussion.case_reference, discussion.child_initials),
                                  "Creating the meeting and sending the invitations… this card updates when it is done.")

    async def status_card(self, uow, discussion: Discussion, now: datetime) -> dict:
        if discussion.status == "convening":
            return cards.message_card(subject(discussion.case_reference, discussion.child_initials),
                                      "The meeting is being created; this card updates when it is done.")
        if discussion.status == "cancelled" and not discussion.meeting_event_id:
            return draft_cancelled(discussion)
        if discussion.status == "cancelled":
            return cards.message_card("Cancelled", f"{subject(discussion.case_reference, discussion.child_initials)}: "
                                                   "this strategy discussion was cancelled.")
        if discussion.status == "recording" and self.record_card:
            return self.record_card(discussion)
        return self.chair_card(discussion, now)

    def chair_card(self, discussion: Discussion, now: datetime, problem: dict | None = None, typed: dict | None = None) -> dict:
        card = discussion_cards.chair_card(discussion, now=self.s.calendar.local(now), quorum=list(self.s.profile.quorum.agencies),
                                           counts_as=self.s.profile.quorum.counts_as, provider_sends=discussion.meeting_provider == "graph",
                                           next_contacts=self.next_contacts(discussion), problem=problem, typed=typed,
                                           meeting_closed=wizard.meeting_day_closed(discussion.assessment, discussion.meeting_start, self.s.calendar)
                                           if discussion.meeting_start else None, attendance_words=recording.ATTENDANCE)
        return refreshing(card, "discussion.open", {"discussion_id": discussion.id}, [discussion.chair_user_id])

    async def change(self, uow, discussion: Discussion, verb: str, data: dict, now: datetime, *, actor: str) -> dict:
        """Invite someone else, move the meeting or cancel it: recorded now, and the calendar changed
        through the outbox (the chair is told if it cannot be, with a button to send it again)."""
        if verb == CALENDAR_AGAIN:
            return await self._calendar_again(uow, discussion, data, now, actor=actor)
        if discussion.status in ("recording", "recorded"):  # from a card drawn before the record began (a walk: no word)
            record = "has been started" if discussion.status == "recording" else "is finalised"
            return cards.message_card("Not changed", f"{subject(discussion.case_reference, discussion.child_initials)}: "
                                      f"its record {record}, so the meeting can no longer be {CHANGED[verb]}. Nothing was changed.",
                                      actions=[execute("Open the discussion", "discussion.open", {"discussion_id": discussion.id})])
        if discussion.status == "draft":  # no meeting yet (a hostile trial's forged press drew a draft as a convened discussion)
            return cards.message_card("Not convened yet", f"{subject(discussion.case_reference, discussion.child_initials)}: "
                                      f"there is no meeting to be {CHANGED[verb]} until it is convened. Nothing was changed.")
        if discussion.status != "convened":
            return await self.status_card(uow, discussion, now)
        version = discussion.version  # the card's state this press acted on: a repeat of it is one change
        # From a card older than the discussion: after a change the card is replaced, so this is the
        # same press again (a double-click's second, a redelivery). It never refuses a change; it
        # only lets a press whose change is already made show the card as it is, without a warning.
        repeated = "version" in data and str(data["version"]) != str(version)
        if verb == "discussion.invite" and len(discussion.invitations) >= wizard.MAX_INVITEES:
            return self.chair_card(discussion, now, {"add_email": wizard.TOO_MANY}, data)
        if verb == "discussion.invite":
            person, problem = wizard.added_person(data)
            if problem:
                return self.chair_card(discussion, now, problem, data)
            if any(wizard.same_person(i.agency, i.email, person["agency"], person["email"]) for i in discussion.invitations):
                if repeated:  # the change is made: what was typed for another one comes back
                    return self.chair_card(discussion, now, typed=_unused(data, verb))
                return self.chair_card(discussion, now, {"_card": f"{person['email']} is already invited for "
                                                                  f"{agency_name(person['agency'])}: nothing to add."}, data)
            invitation = Invitation(agency=person["agency"], name=person["name"], email=person["email"], required=False,
                                    reason="added by the chair", source="chair",
                                    aad_object_id=self.known_in_teams(person).get("aad_object_id"))
            discussion.invitations.append(invitation)
            await uow.session.flush()
            await self._before_meeting_obligations(uow, discussion, now)  # their reply and records check, chased too
            await self.invite_in_teams(uow, f"{discussion.id}:invited:{invitation.id}", discussion, now, only=invitation)
            await uow.effects.add(key=f"{discussion.id}:meeting.attendees:{invitation.id}", kind="meeting.attendees",
                                  discussion_id=discussion.id, payload={})
            details = {"added": person["agency"]}
        elif verb == "discussion.move":
            # The wizard's rule wherever a time is chosen: after the deadline only with a reason, recorded.
            slot, problem = wizard.parse_when({"slot": "other", "other_date": data.get("move_date"), "other_time": data.get("move_time"),
                                               "late_reason": data.get("move_reason")}, slots=[], now=now, deadline=discussion.deadline,
                                              zone=self.s.calendar.zone, minutes=self.s.profile.meetings.minutes)
            if problem:
                field = {"late_reason": "move_reason", "other_time": "move_time"}.get(next(iter(problem)), "move_date")
                return self.chair_card(discussion, now, {field: next(iter(problem.values()))}, data)
            begin, end = datetime.fromisoformat(slot["start"]), datetime.fromisoformat(slot["end"])
            if (begin, end) == (discussion.meeting_start, discussion.meeting_end):  # no move: replies stand, nobody is told again
                if repeated:
                    return self.chair_card(discussion, now, typed=_unused(data, verb))
                return self.chair_card(discussion, now, {"move_date": "The meeting is already at that time: nothing changed."}, data)
            discussion.meeting_start, discussion.meeting_end = begin, end
            # A reply was to the old time: Exchange clears the attendees' responses when the time changes,
            # and so does the bot, so that the quorum and the reply chases are about the new time.
            for invitation in discussion.invitations:
                invitation.rsvp, invitation.rsvp_at = "none", None
            for obligation in await uow.obligations.for_discussion(discussion.id):
                if obligation.kind in ASKED_AGAIN_WHEN_MOVED and obligation.state in OWED_OBLIGATION_STATES + ("satisfied",):
                    # Asked again now, for the new time: its ladder starts again from here (a walk: everyone who had
                    # accepted was chased within a minute, half the old span being long gone, and the chair escalated
                    # to for each at the ladder's old rung).
                    obligation.state, obligation.due_at, obligation.next_attempt_at = "open", begin, now
                    obligation.created_at, obligation.escalation_level = now, 0
                elif obligation.kind in BEFORE_MEETING and obligation.state == "open":
                    obligation.due_at, obligation.next_attempt_at = begin, now
            await uow.effects.add(key=f"{discussion.id}:meeting.reschedule:{version}", kind="meeting.reschedule",
                                  discussion_id=discussion.id, payload={})
            details = {"to": slot["start"], "after_deadline": bool(discussion.deadline and end > discussion.deadline),
                       "reason": slot["late_reason"]}
        else:
            reason = str(data.get("cancel_reason") or "").strip()
            if not reason:
                return self.chair_card(discussion, now, {"cancel_reason": "Say why: it is kept on the record; invitees are told "
                                                                          "only that the meeting is cancelled."}, data)
            discussion.status = "cancelled"
            for obligation in await uow.obligations.for_discussion(discussion.id):
                if obligation.state in OWED_OBLIGATION_STATES:  # a breached one too: nothing is owed for a cancelled meeting
                    obligation.state = "cancelled"
            # The reason is typed, so it may name the child or a relative: it stays in the audit trail, and
            # the effect carries nothing for the provider to send on (cancellation_notice is what they get).
            await uow.effects.add(key=f"{discussion.id}:meeting.cancel", kind="meeting.cancel", discussion_id=discussion.id,
                                  payload={})
            details = {"reason": reason}
        discussion.updated_at = now
        flag_modified(discussion, "updated_at")  # a change is a new version even within one clock tick: its card's presses are older
        uow.audit.record(actor=actor, action=verb.replace("discussion.", "meeting."), subject_type="discussion",
                         subject_id=discussion.id, details=details)
        await uow.commit()
        if discussion.status == "cancelled":
            told = ("the meeting is being cancelled and everyone invited told (not why: your reason stays on the record)."
                    if self.s.meetings.sends_invitations else
                    "the meeting is cancelled. Local mode: the .ics file is marked cancelled and nothing was sent to anyone.")
            return cards.message_card("Cancelled", f"{subject(discussion.case_reference, discussion.child_initials)}: {told}")
        # What this press used is done with; anything typed in the card's other boxes comes back.
        return self.chair_card(discussion, now, typed=_unused(data, verb))

    async def _calendar_again(self, uow, discussion: Discussion, data: dict, now: datetime, *, actor: str) -> dict:
        """A change the calendar refused, sent again as the discussion now stands (a Graph trial: a move refused
        was recorded by the bot, and pressing Move to the same time again said "already at that time", so the
        invitees' calendars kept the old time; a refused cancel left no button at all). Pressed twice, or
        delivered twice, it is sent once: its key names the failure it answers."""
        kind, failed = str(data.get("kind") or ""), str(data.get("failed") or "")
        said = subject(discussion.case_reference, discussion.child_initials)
        cancelling = kind == "meeting.cancel"
        refused = await uow.effects.by_key(failed) if kind in CALENDAR_CHANGES else None
        if refused is None or (refused.discussion_id, refused.kind, refused.state) != (discussion.id, kind, "failed"):
            # Only a change the calendar did refuse, as the chair was told (a re-check: made-up button data sent the
            # meeting to Graph again, and the invitees their cards, once for each).
            return cards.message_card("Sorry", "That button is no longer supported. Type **help** to start again.")
        if not discussion.meeting_event_id or discussion.status != ("cancelled" if cancelling else "convened"):
            return cards.message_card("Nothing to send", f"{said}: the meeting is {'not cancelled' if cancelling else discussion.status} "
                                      "now, so there is nothing to send to the calendar again. Nothing was changed.")
        await uow.effects.add(key=f"{failed}:again", kind=kind, discussion_id=discussion.id, payload={})
        uow.audit.record(actor=actor, action="meeting.calendar_again", subject_type="discussion", subject_id=discussion.id,
                         details={"kind": kind})
        await uow.commit()
        return cards.message_card("Sent again", f"{said}: {CALENDAR_CHANGES[kind]} is being sent to the calendar again, as the "
                                  "discussion now stands. You will be told here if it fails again.")

    def next_contacts(self, discussion: Discussion) -> dict[str, str]:
        """For a quorum agency whose every invitee declined: who to try next (directory, on duty then)."""
        suggestions = {}
        for agency in self.s.profile.quorum.agencies:
            mine = [i for i in discussion.invitations if self.s.profile.quorum.counts_as.get(i.agency, i.agency) == agency]
            if mine and all(i.rsvp == "declined" for i in mine):
                suggestions[agency] = next_contact(self.s, discussion, agency)
        return suggestions

    def _request(self, discussion: Discussion) -> MeetingRequest:
        draft = discussion.draft
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
            # Every try carries the discussion id: Graph (and the .ics file's name) de-duplicate on it, so a
            # try whose answer was lost (a timeout, a crash) never makes a second meeting.
            transaction_id=discussion.id,
            subject=subject(discussion.case_reference, discussion.child_initials),
            body_html=body, start=start, end=end, time_zone=str(self.s.calendar.zone),
            attendees=attendees_of([*draft["invitees"], *self.chair_row(discussion)]),
        )

    def chair_row(self, discussion: Discussion) -> list[dict]:
        """The chair, so the meeting is in their calendar too (the organiser is the service mailbox or,
        locally, the bot): their email from the contacts directory, when it has them."""
        found = next(iter(self.s.directory.by_aad_object_id(discussion.chair_aad_id)), None)
        return [{"invite": True, "email": found.email, "name": discussion.chair_name, "required": True}] if found else []

    async def _before_meeting_obligations(self, uow, discussion: Discussion, now: datetime) -> None:
        """What is owed before the meeting: every invitee's reply and records check, and the quorum."""
        from storage.models import Obligation

        def owe(key: str, kind: str, subject: str, agency: str | None) -> Obligation:
            return Obligation(key=f"{discussion.id}:{key}", kind=kind, discussion_id=discussion.id, subject_type="invitation",
                              subject_id=subject, owner_agency=agency, due_at=discussion.meeting_start,
                              rule_source="before the meeting", out_of_hours=not self.s.calendar.in_working_hours(discussion.meeting_start),
                              created_at=now, updated_at=now)

        for invitation in discussion.invitations:
            if not self.is_the_chair(discussion, invitation):  # the chair convened it, and is there (a re-check: chased for a reply)
                await uow.obligations.add_once(owe(f"rsvp:{invitation.id}", "rsvp", invitation.id, invitation.agency))
            await uow.obligations.add_once(owe(f"record_check:{invitation.id}", "record_check", invitation.id, invitation.agency))
        await uow.obligations.add_once(owe("quorum_at_risk", "quorum_at_risk", discussion.id, "social_care"))

    @staticmethod
    def is_the_chair(discussion: Discussion, invitation: Invitation) -> bool:
        """The chair invited as their own agency's attendee (the directory's social care lead, say): they need no
        invitation card and owe no reply; their card shows them there."""
        return bool(invitation.aad_object_id) and invitation.aad_object_id == discussion.chair_aad_id

    def known_in_teams(self, person: dict) -> dict:
        """Someone the chair adds, with their Entra id if the directory has them by that address: they are invited in
        Teams as the wizard's own invitees are (a re-check: a paediatrician added on the chair's card had no card to
        answer, and could not say they came to share information only)."""
        contact = self.s.directory.by_email(person["email"]) if person.get("email") else None
        return {**person, "aad_object_id": contact.aad_object_id} if contact and contact.aad_object_id else person

    async def invite_in_teams(self, uow, key: str, discussion: Discussion, now: datetime, *, only: Invitation | None = None) -> None:
        """A personal RSVP card for every invitee the bot can reach in Teams (same tenant, app installed), once
        per `key` (the meeting's creation, each move). Quiet on failure when the provider sends calendar
        invitations (they reach them by email anyway); with the local provider nothing else reaches them, so
        the chair is told."""
        service_url = service_url_of(discussion.conversation_reference)
        for invitation in [only] if only else discussion.invitations:
            if invitation.aad_object_id and not self.is_the_chair(discussion, invitation):
                card = discussion_cards.rsvp_card(discussion, invitation, now=self.s.calendar.local(now))
                await self.s.effects.personal(uow, f"{key}:rsvp-card:{invitation.id}",
                                              user_id=self.s.directory.teams_id_of(invitation.aad_object_id),
                                              tenant_id=discussion.tenant_id, service_url=service_url, activity=card,
                                              bot_id=bot_id_of(discussion.conversation_reference),
                                              discussion_id=discussion.id, quiet=self.s.meetings.sends_invitations)

    async def show(self, uow, key: str, discussion: Discussion, now: datetime, status_line: str) -> None:
        """Update the card in the chat (through the outbox): the chair's own view in a personal chat,
        the neutral card elsewhere."""
        if not discussion.card_activity_id or not discussion.conversation_reference:
            return
        personal = in_personal_chat(discussion.conversation_reference)
        if personal and discussion.status == "draft":
            card = self.step_card(discussion, now)
        elif personal:
            card = self.chair_card(discussion, now)
        else:
            viewers = [discussion.chair_user_id] + [f"8:orgid:{i.aad_object_id}" for i in discussion.invitations if i.aad_object_id]
            card = discussion_cards.base_card(discussion_id=discussion.id, case_reference=discussion.case_reference,
                                              initials=discussion.child_initials, status_line=status_line,
                                              viewers=[v for v in viewers if v])
        await self.s.effects.update(uow, key, reference=discussion.conversation_reference, activity_id=discussion.card_activity_id,
                                    card=card, discussion_id=discussion.id)


def draft_cancelled(discussion: Discussion) -> dict:
    """A draft cancelled before anyone was invited, said as such: its card may be seen in the channel beside a live
    discussion for the same child (a walk: "this strategy discussion was cancelled" under the live one's reference)."""
    if not discussion.case_reference:  # cancelled on its first card
        return cards.message_card("Draft cancelled", "The draft was cancelled before anyone was invited; nothing was sent.")
    if (discussion.draft or {}).get("meeting_in_doubt"):  # a try's answer was lost: invitations may have gone (withdrawn)
        return cards.message_card("Draft cancelled", f"{subject(discussion.case_reference, discussion.child_initials)}: a draft, "
                                                     "cancelled. The meeting an earlier try may have made is being cancelled "
                                                     "in the calendar, so anyone it invited is told. Any other strategy "
                                                     "discussion for this child is unchanged.")
    return cards.message_card("Draft cancelled", f"{subject(discussion.case_reference, discussion.child_initials)}: a draft, "
                                                 "cancelled before anyone was invited; nothing was sent. Any other strategy "
                                                 "discussion for this child is unchanged.")


def attendees_of(rows) -> tuple[Attendee, ...]:
    """The meeting's attendees from invitee rows (draft dicts or Invitations): one per email address,
    required if any of their rows is, so nobody is invited twice."""
    found: dict[str, Attendee] = {}
    expanded = []
    for row in rows:
        if not isinstance(row, dict):  # an Invitation: its delegate, once named, is invited too (with the join link)
            if row.rsvp == "delegated" and row.delegate_email:
                expanded.append({"invite": True, "email": row.delegate_email, "name": row.delegate_name, "required": row.required})
            row = {"invite": True, "email": row.email, "name": row.name, "required": row.required}
        expanded.append(row)
    for row in expanded:
        if not row.get("invite") or not row.get("email"):
            continue
        email = row["email"].strip().lower()
        earlier = found.get(email)
        found[email] = Attendee(row.get("name") or row["email"], row["email"],
                                bool(row.get("required")) or bool(earlier and earlier.required))
    return tuple(found.values())


def cancellation_notice(discussion: Discussion) -> str:
    """What everyone invited is told as the meeting is cancelled (Graph emails it to every attendee,
    other tenants too; the local .ics carries it): the case reference and initials only, never the
    chair's typed reason, which may be case detail."""
    return (f"{subject(discussion.case_reference, discussion.child_initials)} is cancelled by the chair. "
            "The reason is on the record; ask the chair if you need it.")


class MeetingCreation:
    """The `meeting.create` effect: the meeting made through the provider; once made, the discussion
    is convened with its invitations and obligations in the same transaction that records it."""

    def __init__(self, flow: MeetingsFlow):
        self.flow, self.s = flow, flow.s

    async def deliver(self, effect) -> dict:
        async with self.s.uow() as uow:
            discussion = await uow.discussions.get(effect.discussion_id, load=())
            if discussion is None or discussion.status != "convening":
                return {"skipped": discussion.status if discussion else "gone"}
            request = self.flow._request(discussion)
        meeting = await self.s.meetings.create(request)
        if int(effect.payload.get("attempt", 1)) > 1:
            # A Retry may meet the meeting an earlier try made before its answer was lost (Graph returns it
            # for the same transactionId), perhaps at a time the chair has since changed: bring it in line.
            await self.s.meetings.reschedule(meeting.event_id, request.start, request.end, request.time_zone)
            await self.s.meetings.set_attendees(meeting.event_id, request.attendees)
        return {"event_id": meeting.event_id, "join_url": meeting.join_url, "where": meeting.where,
                "start": request.start.isoformat(), "end": request.end.isoformat(), "attendees": len(request.attendees)}

    async def on_done(self, uow, effect, result: dict) -> None:
        if "skipped" in result:
            return
        now = self.s.clock.now()
        discussion = await uow.discussions.get(effect.discussion_id, for_update=True)
        discussion.status, discussion.updated_at = "convened", now
        discussion.meeting_event_id, discussion.meeting_join_url = result["event_id"], result["join_url"]
        discussion.meeting_start, discussion.meeting_end = datetime.fromisoformat(result["start"]), datetime.fromisoformat(result["end"])
        discussion.meeting_provider = self.s.meetings.name
        for row in discussion.draft["invitees"]:
            if not row["invite"] or not row.get("email"):
                continue
            if any(wizard.same_person(i.agency, i.email, row["agency"], row["email"]) for i in discussion.invitations):
                continue  # the same person added twice (typed again, or a retried press): one invitation
            discussion.invitations.append(Invitation(
                agency=row["agency"], name=row["name"], email=row["email"], role=row.get("role", ""),
                required=row["required"], reason=row["reason"], source=row["source"],
                aad_object_id=row.get("aad_object_id"), quorum=row.get("quorum", False)))
        await uow.session.flush()
        await self.flow._before_meeting_obligations(uow, discussion, now)
        review = (discussion.draft or {}).get("review") or {}
        if reviewed := review.get("of"):  # the review owed there is now convened, and any owed by the time it meets
            meant = (review.get("owed") or {}).get("key")
            for owed in await uow.obligations.for_discussion(reviewed):
                if owed.kind in REVIEWS_OWED and owed.state in OWED_OBLIGATION_STATES and (
                        meant is None or owed.key == meant or owed.due_at <= discussion.meeting_start):  # (None: a draft from before)
                    # One agreed for later than this meeting stays owed (a procedures trial: a review an agency asked
                    # for, held on 28 April, closed the one agreed at the discussion for 10 May without a word).
                    owed.state, owed.updated_at = "satisfied", now
        removed = [{"agency": r["agency"], "reason": r["removal_reason"]} for r in discussion.draft["invitees"] if not r["invite"]]
        uow.audit.record(actor="strategy-bot", action="meeting.created", subject_type="discussion", subject_id=discussion.id,
                         details={"provider": result["where"], "event_id": result["event_id"], "invited": result["attendees"],
                                  "not_invited": removed})
        local_now = self.s.calendar.local(now)
        await self.flow.show(uow, f"{effect.key}:card", discussion, local_now, f"Meeting {when(discussion.meeting_start, now=local_now)}")
        await self.flow.invite_in_teams(uow, effect.key, discussion, now)

    async def on_failed(self, uow, effect, reason: str) -> None:
        """Back to a draft at its confirm step, nothing lost, the reason told and a Retry that works."""
        now = self.s.clock.now()
        discussion = await uow.discussions.get(effect.discussion_id, load=())
        if discussion is None or discussion.status != "convening":
            return
        # An answer lost on the way, this try or an earlier one: Graph may have made it (and it stays so through a Retry).
        in_doubt = bool((effect.result or {}).get("in_doubt") or (discussion.draft or {}).get("meeting_in_doubt"))
        refused = bool((effect.result or {}).get("refused"))  # Retry meets the same answer until IT changes something
        discussion.status, discussion.updated_at = "draft", now
        discussion.draft = {**discussion.draft, "step": "confirm", "meeting_error": reason, "meeting_in_doubt": in_doubt,
                            "meeting_refused": refused}
        uow.audit.record(actor="strategy-bot", action="meeting.failed", subject_type="discussion", subject_id=discussion.id,
                         details={"reason": reason, "attempt": effect.payload.get("attempt"), "in_doubt": in_doubt, "refused": refused})
        said = subject(discussion.case_reference, discussion.child_initials)
        await self.s.effects.tell_chair(uow, f"{effect.key}:failed", discussion, (
            f"{said}: the meeting could not be created ({reason}). The calendar's answer to an earlier try never came back, "
            "so the meeting may have been made and its invitations sent. Nothing you entered is lost: open the card and "
            "choose Retry (it finds that meeting, never makes a second), or Cancel, which cancels it too if it was made."
            if in_doubt else
            f"{said}: the calendar refused the meeting ({reason}). Retry will be refused the same way until your IT team "
            f"has fixed this: send them these words. {STILL_DUE} Nothing you entered is lost: once IT says it is fixed, "
            "open the card and choose Retry."
            if refused else
            f"{said}: the meeting could not be created ({reason}). Nothing you entered is lost: open the card and choose Retry."))
        await self.flow.show(uow, f"{effect.key}:card", discussion, now, "Meeting not created yet: the chair can retry")


class MeetingWithdrawal:
    """`meeting.withdraw`: a draft cancelled while the meeting its last try asked for may exist (that try's answer
    was lost): asked for again with the same transaction id, so that the calendar answers with the meeting if it was
    made (or makes it), then cancelled, so that nobody invited is left with a meeting nobody will hold."""

    def __init__(self, flow: MeetingsFlow):
        self.flow, self.s = flow, flow.s

    async def deliver(self, effect) -> dict:
        async with self.s.uow() as uow:
            discussion = await uow.discussions.get(effect.discussion_id, load=())
            request = self.flow._request(discussion)
        meeting = await self.s.meetings.create(request)
        await self.s.meetings.cancel(meeting.event_id, cancellation_notice(discussion))
        return {"event_id": meeting.event_id}

    async def on_done(self, uow, effect, result: dict) -> None:
        uow.audit.record(actor="strategy-bot", action="meeting.withdrawn", subject_type="discussion", subject_id=effect.discussion_id,
                         details={"event_id": result["event_id"]})

    async def on_failed(self, uow, effect, reason: str) -> None:
        discussion = await uow.discussions.get(effect.discussion_id, load=())
        await self.s.effects.tell_chair(uow, f"{effect.key}:failed", discussion, (
            f"{subject(discussion.case_reference, discussion.child_initials)}: the meeting that may have been made before the "
            f"draft was cancelled could not be cancelled in the calendar ({reason}). Tell anyone invited that it will not go ahead."))


class MeetingChange:
    """`meeting.attendees`, `meeting.reschedule` and `meeting.cancel`: the calendar brought in line
    with what the discussion now says (read at delivery, so a repeat or a late retry sends the latest)."""

    def __init__(self, flow: MeetingsFlow):
        self.flow, self.s = flow, flow.s

    async def deliver(self, effect) -> dict:
        async with self.s.uow() as uow:
            discussion = await uow.discussions.get(effect.discussion_id, load=("invitations",))
        if discussion is None or not discussion.meeting_event_id:
            return {"skipped": "no meeting"}
        if effect.kind == "meeting.attendees":
            # Everyone the meeting was made with, the chair included (the local provider writes the list as given).
            await self.s.meetings.set_attendees(discussion.meeting_event_id,
                                                attendees_of([*discussion.invitations, *self.flow.chair_row(discussion)]))
        elif effect.kind == "meeting.reschedule":
            await self.s.meetings.reschedule(discussion.meeting_event_id, discussion.meeting_start, discussion.meeting_end,
                                             str(self.s.calendar.zone))
        else:
            # Never the effect's payload: one queued before the typed reason was kept back carries it.
            await self.s.meetings.cancel(discussion.meeting_event_id, cancellation_notice(discussion))
        return {}

    async def on_done(self, uow, effect, result: dict) -> None:
        if effect.kind != "meeting.reschedule" or "skipped" in result:
            return
        # Moved in the calendar: everyone's answer was to the old time, so each invitee the bot reaches in Teams
        # gets their invitation again with the new time, as with the calendar's own update (a walk: their cards
        # still showed the old time and "accepted" while the chair's showed no reply), and the thread's card the time.
        now = self.s.clock.now()
        discussion = await uow.discussions.get(effect.discussion_id)
        if discussion is None or discussion.status != "convened":
            return
        local_now = self.s.calendar.local(now)
        await self.flow.show(uow, f"{effect.key}:card", discussion, local_now, f"Meeting {when(discussion.meeting_start, now=local_now)}")
        await self.flow.invite_in_teams(uow, effect.key, discussion, now)

    async def on_failed(self, uow, effect, reason: str) -> None:
        discussion = await uow.discussions.get(effect.discussion_id, load=())
        said = (f"{subject(discussion.case_reference, discussion.child_initials)}: {CALENDAR_CHANGES[effect.kind]} in the calendar "
                f"failed ({reason}). The bot has recorded the change; the invitees' calendars do not show it yet. Tell them "
                "another way, and press Send to the calendar again once the cause is fixed (a refusal that stays is for IT: "
                "the bot's calendar permission).")
        again = execute("Send to the calendar again", CALENDAR_AGAIN, {"discussion_id": discussion.id, "kind": effect.kind,
                                                                        "failed": effect.key})
        await self.s.effects.tell_chair(uow, f"{effect.key}:failed", discussion,
                                        cards.message_card("The calendar is not up to date", said, color="Attention", actions=[again]))
