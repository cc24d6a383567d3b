"""/strategy: the convene wizard. Each card action arrives here with the discussion id; the
draft lives in the database, so a restart, a closed chat or a break of an hour resumes it."""
from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from botbuilder.core import MessageFactory, TurnContext

from cards import discussion as discussion_cards
from cards.elements import input_ids, refreshing, text
from cards import wizard as cards
from cards.words import owed as owed_name
from cards.words import subject
from protocol import Facts, as_owed_review, as_review, as_unplanned_review, assess
from protocol.conditions import asked_facts, unheeded
from protocol.vocabulary import OWED_OBLIGATION_STATES, REVIEWS_OWED
from scheduling.slots import propose_slots
from storage.models import Discussion
from storage.repositories import CHILDREN
from storage.unit_of_work import RepeatedDelivery, answering

from . import wizard
from .access import ChairsGroupUnavailable
from .meetings import draft_cancelled
from .proactive import card_activity, in_personal_chat, reference_of
from .services import BotServices

log = logging.getLogger(__name__)
PREVIOUS = dict(zip(wizard.STEPS[1:], wizard.STEPS))
WIZARD_VERBS = frozenset({"convene.open", "convene.next", "convene.back", "convene.add_person", "convene.remove_person",
                          "convene.cancel", "convene.cancel_confirmed"})


def delivery_of(turn_context: TurnContext) -> str:
    """What identifies this delivery, for recognising it if Teams delivers it again. Teams' activity id
    is unique within its conversation only (a message's is the moment it was sent, in milliseconds:
    a hostile-input trial answered one chair's /strategy with silence, taking it for another chat's
    message), so the conversation goes with it, hashed to keep the key short."""
    activity = turn_context.activity
    conversation = getattr(activity.conversation, "id", None) or ""
    return f"{activity.id}@{hashlib.sha256(conversation.encode()).hexdigest()[:16]}"


def actor_of(turn_context: TurnContext) -> tuple[str, str, str]:
    person = turn_context.activity.from_property
    return (person.aad_object_id or person.id), person.id, person.name or "the chair"


class ConveneFlow:
    def __init__(self, services: BotServices, meetings_flow):
        self.s = services
        self.meetings_flow = meetings_flow
        meetings_flow.step_card = self.step_card
        self.asked = asked_facts(services.profile)  # once: a walk of the whole profile, for the invitees card's note

    # ---- /strategy -------------------------------------------------------------------------
    async def start(self, turn_context: TurnContext) -> None:
        aad, user_id, name = actor_of(turn_context)
        try:
            allowed = await self.s.access.may_convene(aad)
        except ChairsGroupUnavailable as problem:
            await turn_context.send_activity(MessageFactory.text(problem.words()))
            return
        if not allowed:
            await turn_context.send_activity(MessageFactory.text(
                "Sorry, only team managers on the chairs list can convene a strategy discussion. "
                "If you should be able to, ask your Teams administrator to add you."))
            return
        now = self.s.clock.now()
        try:
            with answering(delivery_of(turn_context)):  # recorded with the draft: a redelivered message changes nothing
                draft, resumed, elsewhere = await self._open(turn_context, aad, user_id, name, now)
        except RepeatedDelivery:  # Teams delivered this message again; its first delivery answers it, once
            log.info("/strategy %s already answered: nothing sent again", turn_context.activity.id)
            return
        card = self.step_card(draft, now) if personal_chat(turn_context) else self.base_card(draft, "Being convened")
        if resumed:
            await turn_context.send_activity(MessageFactory.text("You have a strategy discussion draft in progress: carry on "
                                                                 "where you stopped, or cancel it to start again."))
        elif elsewhere:  # a new post in a channel is a thread of its own: say where the other draft went on
            # Which cases, only to the chair alone: a channel's members are not those of the other chats (the hostile trial).
            which = f" ({', '.join(elsewhere)})" if personal_chat(turn_context) else ""
            await turn_context.send_activity(MessageFactory.text(
                f"This is a new draft. You also have {'a draft' if len(elsewhere) == 1 else 'drafts'} in progress in another "
                f"chat or thread{which}: type `strategy` there to carry on with it, or cancel it."))
        response = await turn_context.send_activity(card_activity(card))
        async with self.s.uow() as uow:
            stored = await uow.discussions.get(draft.id)
            stored.card_activity_id = response.id if response else None
            await uow.commit()

    async def _open(self, turn_context: TurnContext, aad: str, user_id: str, name: str,
                    now: datetime) -> tuple[Discussion, bool, list[str]]:
        """The chair's draft in this conversation, resumed or started, whether it was resumed, and
        (for a new one) the chair's drafts in progress elsewhere, by reference and initials."""
        activity = turn_context.activity
        async with self.s.uow() as uow:
            draft = await uow.discussions.open_draft(chair_aad_id=aad, conversation_id=activity.conversation.id)
            resumed, elsewhere = draft is not None, []
            if draft is None:
                elsewhere = [f"{d.case_reference} ({d.child_initials})" for d in
                             await uow.discussions.drafts_elsewhere(chair_aad_id=aad, conversation_id=activity.conversation.id)]
                draft = uow.discussions.add(Discussion(
                    case_reference="", child_initials="", profile=self.s.profile.id, status="draft", chair_aad_id=aad,
                    chair_name=name, chair_user_id=user_id, tenant_id=(activity.channel_data or {}).get("tenant", {}).get("id"),
                    conversation_id=activity.conversation.id, conversation_reference=reference_of(turn_context),
                    draft={"step": "child"}, created_at=now, updated_at=now))
            uow.audit.record(actor=aad, action="discussion.draft_resumed" if resumed else "discussion.draft_started",
                             subject_type="discussion", subject_id=draft.id, correlation_id=activity.id)
            if resumed and draft.card_activity_id and draft.conversation_reference:
                # The older card would otherwise keep live buttons on a stale copy of the draft.
                await self.s.effects.update(uow, f"{draft.id}:superseded:{draft.card_activity_id}",
                                            reference=draft.conversation_reference, activity_id=draft.card_activity_id,
                                            card=cards.message_card(draft.case_reference or "Strategy discussion draft",
                                                                    "This draft continues in a newer card below."),
                                            discussion_id=draft.id)
            await uow.commit()
        return draft, resumed, elsewhere

    def base_card(self, discussion: Discussion, status_line: str) -> dict:
        viewers = [discussion.chair_user_id] if discussion.chair_user_id else []
        return discussion_cards.base_card(discussion_id=discussion.id, case_reference=discussion.case_reference or "(new)",
                                          initials=discussion.child_initials or "…", status_line=status_line, viewers=viewers)

    # ---- card actions ----------------------------------------------------------------------
    async def act(self, turn_context: TurnContext, verb: str, data: dict) -> dict:
        aad, _, _ = actor_of(turn_context)
        now = self.s.clock.now()
        async with self.s.uow() as uow:
            wizard_step = verb in WIZARD_VERBS  # the hot path: a draft's own row is enough
            discussion, refusal = await self.s.access.chaired(
                uow, data, aad, verb, "Only the chair who started this strategy discussion can change it.", title="Not your draft",
                load=() if wizard_step else CHILDREN, for_update=True)
            if refusal:
                return refusal
            if wizard_step and discussion.status == "draft":
                step_before = (discussion.draft or {}).get("step")
                card = self._wizard(uow, discussion, verb, data, now, aad)
                if discussion.status == "cancelled" and discussion.draft.get("meeting_in_doubt"):
                    # The meeting a try whose answer was lost may have made goes too (bot.meetings.MeetingWithdrawal).
                    await uow.effects.add(key=f"{discussion.id}:meeting.withdraw", kind="meeting.withdraw",
                                          discussion_id=discussion.id, payload={})
                if discussion.status == "cancelled" and discussion.card_activity_id and discussion.conversation_reference \
                        and not in_personal_chat(discussion.conversation_reference):
                    # The card the channel sees, wherever Cancel was pressed: no longer "Being convened" (a re-check).
                    await uow.discussions.get(discussion.id)  # its invitations too, for who may refresh it
                    await self.meetings_flow.show(uow, f"{discussion.id}:draft-cancelled", discussion, now,
                                                  "Draft cancelled before anyone was invited; nothing was sent.")
                if step_before == "child" and discussion.draft.get("step") == "concern":
                    await self._note_same_case(uow, discussion)
                    card = self.step_card(discussion, now)
                await uow.discussions.save(discussion)  # the draft's row in one statement: the everyday press
            else:
                if wizard_step:  # a wizard card pressed after the draft was convened: its status card needs the rest
                    await uow.discussions.get(discussion.id)
                if verb in ("convene.link", "convene.review"):
                    card = await self._link(uow, discussion, now, review=verb == "convene.review", owed_key=data.get("owed"),
                                            where=turn_context)
                elif discussion.status != "draft":
                    card = await self.meetings_flow.status_card(uow, discussion, now)
                elif verb == "convene.confirm" and (discussion.draft.get("step") != "confirm" or stale_press(data, discussion.draft)):
                    # A Confirm from an older copy of the card (a Back since) or before the time was chosen: the
                    # draft as it now stands, nothing created (the hostile trial convened from a stale card).
                    card = self.step_card(discussion, now)
                elif verb == "convene.confirm":
                    card = await self.meetings_flow.confirm(uow, discussion, data, now, actor=aad)
                else:  # a verb no card of ours sends: show where the draft is
                    card = self.step_card(discussion, now)
            await uow.commit()
            return card

    async def _note_same_case(self, uow, discussion: Discussion) -> None:
        """Whether the case reference just given already has a convened discussion, kept in the draft
        for the concern card to say so: a review may be meant, or a colleague's discussion be about
        to be duplicated. Nothing is refused."""
        others = await uow.discussions.others_for_case(discussion.case_reference, excluding=discussion.id)
        reviewed = ((discussion.draft or {}).get("review") or {}).get("of")  # a review's own first discussion is no surprise
        others = [o for o in others if o.id != reviewed]  # (a walk: the review the bot offered warned against itself)
        local = self.s.calendar.local
        same_case = [{"created": f"{local(o.created_at):%d/%m/%Y}", "status": "a draft, not yet convened" if o.status == "draft"
                      else o.status, "chair": o.chair_name} for o in others]
        discussion.draft = {**discussion.draft, "same_case": same_case}

    def _wizard(self, uow, discussion: Discussion, verb: str, data: dict, now: datetime, actor: str) -> dict:
        draft = dict(discussion.draft or {"step": "child"})
        if verb == "convene.cancel" and draft.get("step") == data.get("step") and stale_press(data, draft):
            # A double-click's second Cancel: the question the first asked, again (not the step's card,
            # which looked as if Cancel had done nothing).
            return cards.cancel_card(discussion.id, version=draft.get("version", 0), step=draft["step"],
                                     in_doubt=bool(draft.get("meeting_in_doubt")))
        if verb == "convene.open" or stale_press(data, draft, adding=verb in ("convene.add_person", "convene.remove_person")):  # a repeated or out-of-date press changes nothing
            if verb == "convene.open" or not wizard.typed_on_an_older_card(data, draft, wizard.STEPS):
                return self.step_card(discussion, now)
            # ...but what was typed on an older card is kept, and said (a walk changed the school on the first
            # card after the second was drawn: it moved on without a word, and the school was lost).
            discussion.draft, discussion.updated_at = wizard.keep_from_an_older_card(draft, data, (wizard.ADD_PERSON,)), now
            uow.audit.record(actor=actor, action="convene.kept_from_an_older_card", subject_type="discussion",
                             subject_id=discussion.id, details={"step": data["step"]})
            card = self.step_card(discussion, now)
            card["body"].append(text(wizard.older_card_note(data, wizard.STEPS, "the draft", at=draft["step"]), color="Attention"))
            return card
        if verb == "convene.cancel_confirmed":
            discussion.status, discussion.updated_at = "cancelled", now
            uow.audit.record(actor=actor, action="discussion.cancelled", subject_type="discussion", subject_id=discussion.id)
            return draft_cancelled(discussion)
        data = wizard.as_on_card(data, input_ids(self._step_card(discussion, now)))  # an emptied box is empty
        draft = wizard.keep(draft, data)  # first, whatever the button: what is on the card is kept
        if draft["step"] == "invitees":  # ticks, names and reasons changed on the card count, whatever the button
            draft["invitees"] = wizard.apply_invitee_edits(draft["invitees"], data)
        if verb == "convene.cancel":  # asked first: a slip of the finger must not throw a morning's work away
            draft["version"] = draft.get("version", 0) + 1  # "No" finds the card as it was left
            discussion.draft, discussion.updated_at = draft, now
            return cards.cancel_card(discussion.id, version=draft["version"], step=draft["step"],
                                     in_doubt=bool(draft.get("meeting_in_doubt")))
        if verb == "convene.back":
            draft.update(step=PREVIOUS.get(draft["step"], "child"), errors={})
        elif verb == "convene.add_person" and len(draft["invitees"]) >= wizard.MAX_INVITEES:
            draft["errors"] = {"add_email": wizard.TOO_MANY}
        elif verb == "convene.add_person":
            person, errors = wizard.added_person(data)
            draft["errors"] = errors
            if person:
                person = self.meetings_flow.known_in_teams(person)
                draft = wizard.forget({**draft, "invitees": wizard.with_person(draft["invitees"], person)}, *wizard.ADD_PERSON)
        elif verb == "convene.remove_person":  # the warnings of the Next before it may be stale now: Next tells again
            draft["invitees"], draft["errors"] = wizard.without_person(draft["invitees"], data.get("index")), {}
        elif verb == "convene.next":
            draft = getattr(self, f"_next_{draft['step']}")(discussion, draft, data, now)
        discussion.draft, discussion.updated_at = {**draft, "version": draft.get("version", 0) + 1}, now
        uow.audit.record(actor=actor, action=f"discussion.{verb.split('.')[1]}", subject_type="discussion",
                         subject_id=discussion.id, details={"step": draft["step"], "errors": sorted(draft.get("errors", {}))})
        return self.step_card(discussion, now)

    @staticmethod
    def _failed(draft: dict, errors: dict) -> dict:
        return {**draft, "errors": errors}  # what was typed is already kept (wizard.keep)

    def _next_child(self, discussion, draft, data, now):
        child, errors = wizard.parse_child(data, today=self.s.calendar.local(now).date())
        if errors:
            return self._failed(draft, errors)
        discussion.case_reference, discussion.child_initials = child["case_reference"], child["initials"]
        discussion.children = [{"initials": child["initials"], "dob": child["dob"]}, *child["other_children"]]
        # The concern card's "received" starts at now and stays there: it must not move each time the card is drawn.
        local = self.s.calendar.local(now)
        values = draft.get("values") or {}
        received = {"received_date": local.date().isoformat(), "received_time": local.strftime("%H:%M"), **values.get("concern", {})}
        return {**draft, "child": child, "step": "concern", "errors": {}, "values": {**values, "concern": received}}

    def _next_concern(self, discussion, draft, data, now):
        concern, facts, errors = wizard.parse_concern(data, now=now, zone=self.s.calendar.zone, child=draft["child"])
        if errors:
            return self._failed(draft, errors)
        assessment = assess(self.s.profile, Facts.model_validate(facts), self.s.calendar)
        review = draft.get("review") or {}
        if agreed := review.get("agreed"):  # the date the last discussion set is the review's deadline
            assessment = as_review(assessment, datetime.fromisoformat(agreed), self.s.profile, self.s.calendar)
        elif (owed := review.get("owed") or {}).get("by"):  # none set: the time the chair owes it, as they are chased for it
            assessment = as_owed_review(assessment, datetime.fromisoformat(owed["by"]), owed["why"])
        elif review:  # neither: the referral's timescale from now, said as a review's
            assessment = as_unplanned_review(assessment)
        assessment = assessment.to_json()
        discussion.facts, discussion.assessment = facts, assessment
        discussion.deadline = datetime.fromisoformat(assessment["deadline"])
        rows = wizard.invitee_rows(assessment, self.s.directory, in_hours=not self._meets_out_of_hours(discussion),
                                   quorum=assessment["quorum"])
        values = draft.get("values") or {}
        # Back to the concern and Next again: the list is worked out afresh, and the chair's work on it kept.
        rows, typed = wizard.carry_over(rows, draft.get("invitees") or [], values.get("invitees") or {})
        return {**draft, "concern": concern, "step": "invitees", "invitees": rows, "errors": {},
                "unheeded": list(unheeded(self.asked, Facts.model_validate(facts))), "values": {**values, "invitees": typed}}

    def _next_invitees(self, discussion, draft, data, now):
        rows, errors = wizard.apply_invitee_choices(draft["invitees"], data)
        if wizard.text(data, "add_name") or wizard.text(data, "add_email"):  # never drop a half-added person silently
            _, adding = wizard.added_person(data)  # what is wrong with them, by its box; the reminder by the Add button
            errors.update(adding)
            errors["add_email"] = adding.get("add_email") or "You have typed someone to add: press Add person, or clear their name and email."
        if errors:
            return {**draft, "errors": errors}  # the rows keep the chair's edits (apply_invitee_edits)
        return {**draft, "invitees": rows, "step": "when", "errors": {}, "slots": self._slots(discussion, rows, now)}

    def _slots(self, discussion, rows, now) -> list[dict]:
        rules = self.s.profile.meetings
        paediatrician = any(r["invite"] and r["agency"] in ("paediatrician", "csa_paediatrician") for r in rows)
        slots = propose_slots(now=now, deadline=discussion.deadline, calendar=self.s.calendar, minutes=rules.minutes,
                              out_of_hours=self._meets_out_of_hours(discussion), paediatrician_invited=paediatrician,
                              paediatrician_notice_hours=rules.paediatrician_notice_hours,
                              paediatrician_earliest=rules.paediatrician_earliest)
        return [{"start": s.start.isoformat(), "end": s.end.isoformat(), "suits_paediatrician": s.suits_paediatrician}
                for s in slots]

    def _meets_out_of_hours(self, discussion) -> bool:
        """A concern received at the weekend with days to run is met, and its contacts chosen, in working hours."""
        return wizard.meets_out_of_hours(discussion.assessment)

    def _next_when(self, discussion, draft, data, now):
        slot, errors = wizard.parse_when(data, slots=draft.get("slots", []), now=now, deadline=discussion.deadline,
                                         zone=self.s.calendar.zone, minutes=self.s.profile.meetings.minutes)
        if errors:
            return self._failed(draft, errors)
        start = datetime.fromisoformat(slot["start"])
        in_hours = self.s.calendar.in_working_hours(start)
        rows = wizard.refill_contacts(draft["invitees"], self.s.directory, in_hours=in_hours)
        # A weekend or bank holiday may be meant, but is said on the confirm card (a walk: no word of it).
        closed = wizard.meeting_day_closed(discussion.assessment, start, self.s.calendar)
        return {**draft, "slot": {**slot, "closed": closed} if closed else slot, "invitees": rows, "step": "confirm", "errors": {}}

    def step_card(self, discussion: Discussion, now: datetime) -> dict:
        return refreshing(self._step_card(discussion, now), "convene.open", {"discussion_id": discussion.id},
                          [discussion.chair_user_id])

    def _step_card(self, discussion: Discussion, now: datetime) -> dict:
        draft = {**(discussion.draft or {"step": "child"}), "assessment": discussion.assessment}
        step, local_now = draft["step"], self.s.calendar.local(now)
        if step == "child":
            return cards.child_card(draft, discussion.id)
        if step == "concern":
            return cards.concern_card(draft, discussion.id, now=local_now)
        missing = wizard.not_quorate(draft.get("invitees", []), self.s.profile.quorum.agencies, self.s.profile.quorum.counts_as)
        if step == "invitees":
            return cards.invitees_card(draft, discussion.id, now=local_now, missing_quorum=missing)
        if step == "when":
            return cards.when_card(draft, discussion.id, now=local_now)
        return cards.confirm_card(draft, discussion.id, now=local_now, provider_sends=self.s.meetings.sends_invitations,
                                  missing_quorum=missing, chair_invited=bool(self.meetings_flow.chair_row(discussion)))

    async def _link(self, uow, discussion: Discussion, now: datetime, *, review: bool, owed_key: str | None = None,
                    where: TurnContext) -> dict:
        """A new draft started from this discussion: for child-on-child, the other child's separate
        discussion (the concern filled in); for a review discussion, the same child and concern too.
        `owed_key`: the review owed that the button offered (an agency's "needs a further discussion").
        The draft is in the chat its button was pressed in (`where`), as its card is: a walk started a review
        from the discussion's card in the personal chat, typed `strategy` there, and got a blank draft (the
        review's was the channel thread's)."""
        if discussion.status not in (("recorded",) if review else ("convened", "recording", "recorded")):
            # An old card's button (the hostile trial started a review of a cancelled discussion): nothing to start from.
            return cards.message_card("Not started", f"{subject(discussion.case_reference, discussion.child_initials)}: "
                                      + ("a review follows a discussion whose record is finalised." if review
                                         else "the other child's discussion follows one that is convened."))
        started = next((d for d in await uow.discussions.drafts_started_from(discussion.id)
                        if bool((d.draft or {}).get("review")) == review), None)  # a review's, or the other child's: not each other's
        if started is not None:  # a double-click's second press, or the button pressed again later: that draft
            return self.step_card(started, now)
        concern = (discussion.draft or {}).get("concern") or {}
        draft = ({"step": "child", "child": discussion.draft.get("child"), "concern": concern,
                  "review": await self._review_of(uow, discussion, owed_key)} if review
                 else {"step": "child", "concern": {**concern, "concerns": ["child_on_child"]}})
        linked = uow.discussions.add(Discussion(
            case_reference="", child_initials="", profile=discussion.profile, status="draft",
            chair_aad_id=discussion.chair_aad_id, chair_name=discussion.chair_name, chair_user_id=discussion.chair_user_id,
            tenant_id=discussion.tenant_id, conversation_id=where.activity.conversation.id,
            conversation_reference=reference_of(where), linked_discussion_id=discussion.id,
            draft=draft, created_at=now, updated_at=now))
        if not review:
            discussion.linked_discussion_id = linked.id
        uow.audit.record(actor=discussion.chair_aad_id, action="discussion.review_draft_started" if review
                         else "discussion.linked_draft_started", subject_type="discussion",
                         subject_id=linked.id, details={"linked_to": discussion.id})
        await uow.session.flush()
        return self.step_card(linked, now)

    @staticmethod
    async def _review_of(uow, discussion: Discussion, owed_key: str | None) -> dict:
        """Which review the draft is: the one the button offered (an agency's "needs a further discussion",
        owed by that action's date), else the one agreed at the discussion, else the earliest still owed.
        Its deadline is that one's date, the date the chair is chased for (a procedures trial: a review
        offered for A1, owed by 28 April, said "Deadline: 10 May", the date agreed for another)."""
        owed = [o for o in await uow.obligations.for_discussion(discussion.id)  # soonest due first, as the repository orders them
                if o.kind in REVIEWS_OWED and o.state in OWED_OBLIGATION_STATES]
        agreed = ((discussion.record or {}).get("next") or {}).get("next") or None  # the date set for it at the last discussion
        agreed_key = f"{discussion.id}:review_discussion"  # (bot.recording.obligations' key for it)
        chosen = (next((o for o in owed if o.key == owed_key), None)
                  or next((o for o in owed if o.key == agreed_key), None) or next(iter(owed), None))
        if chosen is None or chosen.key == agreed_key:
            return {"of": discussion.id, "agreed": agreed, **({"owed": {"key": chosen.key}} if chosen else {})}
        why = (chosen.rule_source if chosen.kind == "review_discussion"  # an agency's "needs a further discussion" says its own
               else f"the {owed_name(chosen.kind, chosen.subject_id)} is owed ({chosen.rule_source})")
        return {"of": discussion.id, "agreed": None, "owed": {"key": chosen.key, "by": chosen.due_at.isoformat(), "why": why}}


def stale_press(data: dict, draft: dict, *, adding: bool = False) -> bool:
    """A press from a card older than the draft (a redelivery, a double-click's second press, an
    old card scrolled back to): the card's step or version is not the draft's. Next and Back move
    the step, so their repeat is stale by step; an Add leaves the step where it is, so it is
    applied only with the version of the card it came from."""
    if data.get("step") and data["step"] != draft.get("step"):
        return True
    if adding and "version" not in data:
        return True
    return "version" in data and str(data["version"]) != str(draft.get("version", 0))


def personal_chat(turn_context: TurnContext) -> bool:
    """The activity comes from a 1:1 chat with the bot (anything else is shared with others)."""
    return (turn_context.activity.conversation.conversation_type or "personal") == "personal"

