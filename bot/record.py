"""/record: the chair writes the record on the agenda's cards (a draft saved at every step), and
finalising it creates the decisions, the actions, and the obligations the chasers will work."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from botbuilder.core import MessageFactory, TurnContext

from cards import record as record_cards
from cards import wizard as cards
from cards.elements import execute, input_ids, refreshing, text
from cards.words import TOLD, agency as agency_name, subject, when
from protocol import Facts
from protocol.conditions import required_parts, school_age
from protocol.vocabulary import AGENCIES, OWED_OBLIGATION_STATES
from storage.models import Action, ActionUpdate, Decision, Obligation

from . import messages, recording
from .wizard import (BAD_START, as_int, as_on_card, forget, keep, keep_from_an_older_card, older_card_note, time_of_day,
                     typed_on_an_older_card)
from .wizard import text as typed_in
from .convene import actor_of, delivery_of, personal_chat, stale_press
from .meetings import BEFORE_MEETING
from .proactive import bot_id_of, card_activity, channel_of, service_url_of
from .services import BotServices

log = logging.getLogger(__name__)
PREVIOUS = dict(zip(recording.STEPS[1:], recording.STEPS))
NEXT = dict(zip(recording.STEPS, recording.STEPS[1:]))
HALF_TYPED = "You have typed {} that is not added yet: press {}, or clear it, first."
# Presses that change a list on the card without moving on: applied only with the card's version.
LIST_EDITS = frozenset({"record.add_action", "record.add_decision", "record.remove_decision", "record.remove_action",
                        "record.edit_action"})


class RecordFlow:
    def __init__(self, services: BotServices, actions_flow):
        self.s = services
        self.actions_flow = actions_flow

    async def start(self, turn_context: TurnContext, args: str) -> str | None:
        """`record [CR-123]`: the record's next card for a convened discussion. With none to write, in the
        chair's personal chat, the id of their finalised one (the latest, or the one named), whose card the
        handler shows: the chair's notices point there for the agencies' updates and the case's clocks."""
        aad, _, _ = actor_of(turn_context)
        now = self.s.clock.now()
        # No case reference holds a space (the child card refuses one): "CR 104233" is CR-104233 typed in a hurry (a walk).
        named = "-".join(args.split()).upper() or None
        async with self.s.uow() as uow:
            yours = await uow.discussions.of_chair(chair_aad_id=aad, statuses=("convened", "recording"))
            if named is None and len(yours) > 1:  # more than one to record: which (a walk: a tired chair landed on the latest)
                await turn_context.send_activity(MessageFactory.text(self._which("You have more than one discussion to record: "
                                                                                 "type `record` and its case reference.", yours, now)))
                return
            discussion = await uow.discussions.latest_for_chair(chair_aad_id=aad, case_reference=named, statuses=("convened", "recording"))
            if discussion is None:
                finalised = await uow.discussions.latest_for_chair(chair_aad_id=aad, case_reference=named, statuses=("recorded",))
                if finalised is not None and personal_chat(turn_context):
                    return finalised.id
                await turn_context.send_activity(MessageFactory.text(
                    self._which(f"None of your discussions to record is {named}: type `record` and one of these.", yours, now)
                    if named and yours else
                    "There is no convened discussion of yours to record. Type `record CR-123` with its case reference."))
                return None
            if early := self._not_held_yet(discussion, now):  # with the box for when it began, if that was earlier
                await turn_context.send_activity(card_activity(record_cards.not_held_yet_card(discussion.id, early)))
                return None
            if discussion.record is None and (await uow.discussions.lock(discussion)).record is None:
                discussion.record = await self._new_record(uow, discussion)
                discussion.status = "recording"
                uow.audit.record(actor=aad, action="record.started", subject_type="discussion", subject_id=discussion.id)
            if not await uow.commit_once(delivery_of(turn_context)):  # the record started, and this delivery with it
                log.info("`record` %s already answered: nothing sent again", turn_context.activity.id)
                return None  # Teams delivered this message again (a two-replica trial): its first delivery answers it
            card = self.step_card(discussion)
        if personal_chat(turn_context):
            await turn_context.send_activity(card_activity(card))
        else:  # the record holds everything about the child: only the chair's own view shows it
            await turn_context.send_activity(MessageFactory.text(
                f"{discussion.case_reference} ({discussion.child_initials}): the chair is writing the record. "
                "Chair: open the discussion card, or type `record` to me in a personal chat."))

    def _which(self, opening: str, yours: list, now: datetime) -> str:
        local = self.s.calendar.local(now)
        return opening + "\n\n" + "\n".join(messages.item(f"{ref} ({initials})" + (f": meeting {when(start, now=local)}" if start else ""))
                                            for ref, initials, start in yours)

    def _not_held_yet(self, discussion, now: datetime) -> str | None:
        """Why a record cannot be written yet: its meeting has not begun (a walk finalised one at 01:17 for a
        meeting at 10:00, and the census counted its s47 from then). A meeting held earlier than planned is
        moved to when it was held first, so that the record, its clocks and the census agree."""
        if discussion.status not in ("convened", "recording") or not discussion.meeting_start or now >= discussion.meeting_start:
            return None
        return (f"{subject(discussion.case_reference, discussion.child_initials)}: the meeting is "
                f"{when(discussion.meeting_start, now=self.s.calendar.local(now))}; its record is written once it has begun. "
                "If it was held earlier today, give the time it began.")

    def _held_earlier(self, data: dict, discussion, now: datetime) -> tuple[datetime | None, str | None]:
        """When a meeting held before its planned time began: earlier today, not before it was convened."""
        typed = typed_in(data, "held_at")
        at = time_of_day(typed)
        if at is None:
            return None, "Give the time it began, e.g. 11:30." if not typed else BAD_START
        local = self.s.calendar.local(now)
        held = datetime.combine(local.date(), at, tzinfo=self.s.calendar.zone)
        if held > now:
            return None, f"{at:%H:%M} is still to come today: give the time it began."
        if held < discussion.created_at:
            return None, (f"{at:%H:%M} is before this discussion was convened "
                          f"({self.s.calendar.local(discussion.created_at):%H:%M}): give the time it began.")
        return held, None

    async def _new_record(self, uow, discussion) -> dict:
        """The record as it starts, whichever way it is started (`record`, or a button on the card). Its actions are
        numbered on from the discussions recorded in the same thread (a review started from its discussion's card is
        recorded there), so that `A4 done` in the thread names one action (a walk: the review's own A4 was closed by
        a report meant for the first discussion's; a re-check: started from the card's button, it began at A1)."""
        after = await uow.discussions.last_action_number_in(discussion.conversation_id, excluding=discussion.id)
        return {**self._first_record(discussion), **({"numbered_after": after} if after else {})}

    def _first_record(self, discussion) -> dict:
        # A delegate sent in the invitee's place is who attends, and has the record too (a walk: the record named only the invitee).
        rows = [{"invitation_id": i.id, "agency": i.agency, "name": i.name, "email": i.email,
                 **({"delegate": i.delegate_name, "delegate_email": i.delegate_email} if i.rsvp == "delegated" and i.delegate_name else {}),
                 "attendance": {"declined": "apologies"}.get(i.rsvp, ""), "route": i.information_route,
                 # fully researched only if the agency said so before the meeting (shared, or nothing known);
                 # otherwise an update is owed within one working day (hackney 7.2) unless the chair ticks it
                 "researched": i.record_check in ("shared", "nothing_known")}
                for i in discussion.invitations]
        # The other children the chair named when convening start the record's list, to be added to, not typed again.
        others = "\n".join(f"{c['initials']} (born {datetime.fromisoformat(c['dob']):%d/%m/%Y})" if c.get("dob") else c["initials"]
                           for c in (discussion.children or [])[1:])
        return {"step": "attendance", "attendance": rows, "decisions": [], "actions": [], "errors": {},
                **({"household": {"other_children": others}} if others else {})}

    def _missing(self, discussion, record: dict) -> list[str]:
        """The required parts still empty, however the card was reached: the last check before finalising."""
        required = self._required(discussion)
        return [recording.part_named(label) for step, fields in recording.TEXT_FIELDS.items() for field, label in fields
                if field in required and not str((record.get(step) or {}).get(field) or "").strip()]

    def _required(self, discussion) -> set[str]:
        held = discussion.meeting_start
        return required_parts(self.s.profile.record, Facts.model_validate(discussion.facts),
                              out_of_hours=None if held is None else not self.s.calendar.in_working_hours(held))

    def children(self, discussion) -> list[str]:
        return [c["initials"] for c in (discussion.children or [])] or [discussion.child_initials]

    def step_card(self, discussion) -> dict:
        record = discussion.record
        return refreshing(record_cards.step_card(
            discussion=discussion, record=record, steps=recording.STEPS, text_fields=recording.TEXT_FIELDS,
            decisions=recording.DECISIONS, attendance_words=recording.ATTENDANCE, children=self.children(discussion),
            agencies=[(a, agency_name(a)) for a in AGENCIES], not_quorate_text=self.s.profile.quorum.not_quorate_text,
            quorate=recording.quorate(record["attendance"], list(self.s.profile.quorum.agencies),
                                      self.s.profile.quorum.counts_as), disagreement=self.s.profile.disagreement),
            "record.open", {"discussion_id": discussion.id}, [discussion.chair_user_id])

    async def act(self, turn_context: TurnContext, verb: str, data: dict) -> dict:
        aad, _, name = actor_of(turn_context)
        now = self.s.clock.now()
        async with self.s.uow() as uow:
            discussion, refusal = await self.s.access.chaired(uow, data, aad, verb, "Only the chair can write this record.",
                                                              for_update=True)
            if refusal:
                return refusal
            said = subject(discussion.case_reference, discussion.child_initials)
            if discussion.status == "cancelled":  # an old card's button after Cancel (the hostile trial: a failed turn)
                return cards.message_card("Cancelled", f"{said}: this strategy discussion was cancelled; there is no record to write.")
            if discussion.status in ("draft", "convening"):
                return cards.message_card("Not convened yet", f"{said}: the record is written once the meeting is set up and held.")
            early = self._not_held_yet(discussion, now)
            if early and verb == "record.held_earlier":
                held, problem = self._held_earlier(data, discussion, now)
                if problem:
                    return record_cards.not_held_yet_card(discussion.id, early, typed=typed_in(data, "held_at"), problem=problem)
                planned = discussion.meeting_start
                discussion.meeting_start, discussion.meeting_end = held, held + timedelta(minutes=self.s.profile.meetings.minutes)
                # The calendar brought to when it was held, so that nobody joins the old time (read at delivery: no
                # invitation is asked again, the record having begun).
                await uow.effects.add(key=f"{discussion.id}:meeting.reschedule:held", kind="meeting.reschedule",
                                      discussion_id=discussion.id, payload={})
                uow.audit.record(actor=aad, action="meeting.held_earlier", subject_type="discussion", subject_id=discussion.id,
                                 details={"planned": planned.isoformat(), "held": held.isoformat()})
                early = None  # and the record starts, below
            if early:
                return record_cards.not_held_yet_card(discussion.id, early)
            if discussion.status == "convened":  # any record button before the record was started starts it
                discussion.record, discussion.status = await self._new_record(uow, discussion), "recording"
                uow.audit.record(actor=aad, action="record.started", subject_type="discussion", subject_id=discussion.id)
                await uow.commit()
                return self.step_card(discussion)
            if verb == "record.open" and discussion.status == "recording":
                return self.step_card(discussion)
            if discussion.status == "recorded" and _posted_here(discussion, turn_context):  # a double-click's second Finalise
                return _finalised_here(discussion)
            if discussion.status == "recorded":
                return record_cards.summary_card(discussion, quorate=discussion.record.get("quorate", True),
                                                 not_quorate_text=self.s.profile.quorum.not_quorate_text,
                                                 action_count=len(discussion.actions))
            record = dict(discussion.record)
            if stale_press(data, record, adding=verb in LIST_EDITS):  # a stale or repeated press does nothing it asks...
                if not typed_on_an_older_card(data, record, recording.STEPS):
                    return self.step_card(discussion)
                # ...but an older card keeps what was typed on it, under its own part, and says so (a walk typed
                # on card 9 after moving on to 10, pressed Back, and it was gone without a word).
                discussion.record = keep_from_an_older_card(record, data, (recording.DECISION_FORM, recording.ACTION_FORM))
                uow.audit.record(actor=aad, action="record.kept_from_an_older_card", subject_type="discussion",
                                 subject_id=discussion.id, details={"step": data["step"]})
                await uow.commit()
                card = self.step_card(discussion)
                card["body"].append(text(older_card_note(data, recording.STEPS, "the record", at=record["step"]), color="Attention"))
                return card
            data = as_on_card(data, input_ids(self.step_card(discussion)))  # an emptied box is empty
            record = keep(record, data)  # first, whatever the button: what is on the card is kept
            if record["step"] == "attendance":  # marks changed on the card count, whatever the button
                record["attendance"], _ = recording.parse_attendance(data, record["attendance"])
            if verb == "record.back":
                if record["step"] == "actions" and not recording.half_typed_action(data):
                    record = recording.kept_edit(record)
                record.update(step=PREVIOUS.get(record["step"], "attendance"), errors={})
            elif verb == "record.add_decision":
                decision, errors = recording.parse_decision(data, self.children(discussion))
                record = {**record, "errors": errors, "decisions": record["decisions"] + ([decision] if decision else [])}
                if decision:
                    record = forget(record, *recording.DECISION_FORM)
            elif verb == "record.remove_decision":
                index = as_int(data.get("index"))
                record["decisions"] = [d for i, d in enumerate(record["decisions"]) if i != index]
            elif verb == "record.edit_action" and recording.half_typed_action(data):  # editing would overwrite it
                record["errors"] = {"_card": _half_typed_action(record)}
            elif verb in ("record.remove_action", "record.edit_action"):
                record = recording.without_action(record, as_int(data.get("number")), edit=verb == "record.edit_action",
                                                  zone=self.s.calendar.zone)
            elif verb == "record.add_action":
                action, errors = recording.parse_action(data, children=self.children(discussion),
                                                        start=min(discussion.meeting_start or now, now), now=now,
                                                        calendar=self.s.calendar)
                if action:
                    if not action["email"]:  # who the reminders will reach instead: the chair learns it now, not when one is missed
                        lead = self.s.directory.lead(action["agency"])
                        action["reach_note"] = (f"no email: reminders go to {lead.name}, the agency's lead in the directory"
                                                if lead else f"⚠ no email, and no lead for {agency_name(action['agency'])} "
                                                             "in the directory: reminders come to you")
                    record = forget(record, *recording.ACTION_FORM)
                record = {**(recording.with_action(record, action) if action else record), "errors": errors}
            elif verb == "record.finalise" and record["step"] != recording.STEPS[-1]:
                # Only from the last card, once every part has been through its own (the hostile trial finalised from card 1).
                record["errors"] = {"_card": "Finalise is on the last card: go through each part with Next first."}
            else:
                record = self._apply(discussion, record, data, now)
                if verb == "record.finalise" and not record["errors"] and (missing := self._missing(discussion, record)):
                    record["errors"] = {"_card": f"Not finalised: still to fill in: {'; '.join(missing)}. Go Back to reach them."}
                if verb == "record.finalise" and not record["errors"]:
                    discussion.record = record
                    card = await self._finalise(uow, discussion, now, actor=aad, actor_name=name)
                    await uow.commit()
                    if _posted_here(discussion, turn_context):  # the summary follows in this chat: not twice
                        return _finalised_here(discussion)
                    return card
            discussion.record = {**record, "version": record.get("version", 0) + 1}
            uow.audit.record(actor=aad, action=f"record.{verb.split('.')[1]}", subject_type="discussion",
                             subject_id=discussion.id, details={"step": record["step"], "errors": sorted(record["errors"])})
            await uow.commit()
            return self.step_card(discussion)

    def _apply(self, discussion, record: dict, data: dict, now: datetime) -> dict:
        """Check the current step's answers; on success save them and move on."""
        step = record["step"]
        if step == "attendance":
            rows, errors = recording.parse_attendance(data, record["attendance"])
            record = {**record, "attendance": rows, "quorate": recording.quorate(rows, list(self.s.profile.quorum.agencies),
                                                                                    self.s.profile.quorum.counts_as)}
        elif step in recording.TEXT_FIELDS and step != "plan":
            clean, errors = recording.parse_text_step(step, data, required=self._required(discussion))
            record = {**record, step: clean}
        elif step == "plan":
            clean, errors = recording.parse_plan(data, required=self._required(discussion))
            record = {**record, "plan": clean}
        elif step == "decisions":
            missing = [c for c in self.children(discussion) if not any(d["child"] == c for d in record["decisions"])]
            errors = ({"_card": HALF_TYPED.format("a decision", "Add decision")} if str(data.get("decision_reasoning") or "").strip()
                      else {"_card": f"Record at least one decision for {', '.join(missing)} (Add decision)."} if missing else {})
            disagreement, problems = recording.parse_disagreement(data)
            errors = {**problems, **errors}
            record = record if problems else {**record, "disagreement": disagreement}
            odds = recording.at_odds(record["decisions"])
            if not errors and odds and record.get("seen_at_odds") != odds:  # said once; pressed again, kept as recorded
                errors = {"_card": f"{'; '.join(odds)}. Remove the one that is not so, or press Next again to keep both."}
                record = {**record, "seen_at_odds": odds}
        elif step == "actions":  # moving on would leave out what is in the form (an action taken out to edit, say)
            errors = {"_card": _half_typed_action(record)} if recording.half_typed_action(data) else {}
            record = record if errors else recording.kept_edit(record)
        elif step == "distribution":
            distribution = str(data.get("distribution") or "").strip()
            errors = {} if distribution else {"distribution": "Say who receives the record."}
            record = {**record, "distribution": distribution}
        else:
            clean, errors = recording.parse_next(data, now=now, calendar=self.s.calendar,
                                                 seen_closed=(record.get("next") or {}).get("seen_closed"))
            record = {**record, "next": clean}
        if errors:
            return {**record, "errors": errors}
        following = NEXT.get(step, step)
        if following == "distribution" and not record.get("distribution"):
            facts = discussion.facts
            unborn = "unborn_child" in (facts.get("concerns") or [])
            record["distribution"] = recording.default_distribution(
                record["attendance"], in_education=bool(facts.get("in_education")),
                school_age=False if unborn else school_age(Facts.model_validate(facts)))
        return {**record, "step": following, "errors": {}}

    async def _finalise(self, uow, discussion, now: datetime, *, actor: str, actor_name: str) -> dict:
        if not await uow.discussions.claim(discussion.id, from_status="recording", to_status="recorded"):
            # Finalised by a press a moment ago: show what it made, post nothing more.
            await uow.session.refresh(discussion)
            return record_cards.summary_card(discussion, quorate=(discussion.record or {}).get("quorate", True),
                                             not_quorate_text=self.s.profile.quorum.not_quorate_text,
                                             action_count=len(discussion.actions))
        record = discussion.record
        discussion.status, discussion.finalised_at, discussion.finalised_by = "recorded", now, actor_name
        for row in record["attendance"]:
            invitation = next((i for i in discussion.invitations if i.id == row["invitation_id"]), None)
            if invitation:
                invitation.attendance, invitation.records_researched = row["attendance"], row["researched"]
        for decision in record["decisions"]:
            discussion.decisions.append(Decision(child_initials=decision["child"], kind=decision["kind"],
                                                 reasoning=decision["reasoning"], created_at=now))
        for item in record["actions"]:
            contact = self.s.directory.by_email(item["email"]) if item["email"] else None
            action = Action(number=item["number"], child_initials=item["child"], description=item["what"],
                            owner_agency=item["agency"], owner_name=item["owner"], owner_email=item["email"],
                            owner_aad_object_id=contact.aad_object_id if contact else None,
                            due_at=datetime.fromisoformat(item["due"]), agreed_due_at=datetime.fromisoformat(item["due"]),
                            created_at=now, updated_at=now)
            action.history.append(ActionUpdate(status="open", note="agreed at the discussion", by=actor, at=now))
            discussion.actions.append(action)
        for before in await uow.obligations.for_discussion(discussion.id):  # replies, records checks, quorum: the meeting is held
            if before.kind in BEFORE_MEETING and before.state in OWED_OBLIGATION_STATES:
                before.state, before.updated_at = "satisfied", now
        held_at = discussion.meeting_start or now
        # A review, or a review of one: the case's clocks run on from the discussion that started them.
        first = frozenset([o.kind for reviewed in await uow.discussions.reviewed_by(discussion)
                           for o in await uow.obligations.for_discussion(reviewed)])
        owed = recording.obligations(discussion_id=discussion.id, held_at=held_at, facts=discussion.facts, record=record,
                                     actions=record["actions"], profile=self.s.profile, calendar=self.s.calendar,
                                     already_owed=first)
        for item in owed:
            await uow.obligations.add_once(Obligation(discussion_id=discussion.id, created_at=now, updated_at=now, **item))
        uow.audit.record(actor=actor, action="record.finalised", subject_type="discussion", subject_id=discussion.id,
                         details={"decisions": len(record["decisions"]), "actions": len(record["actions"]),
                                  "obligations": [o["key"].split(":", 1)[1] for o in owed], "quorate": record.get("quorate")})
        if record.get("disagreement"):  # recorded, never blocking; the managers told (PROTOCOL.md §7)
            rules = self.s.profile.disagreement
            told = await self._tell_of_disagreement(uow, discussion, record["disagreement"]["agency"], now)
            record = {**record, "disagreement": {**record["disagreement"], "policy": rules.policy, "source": rules.source,
                                                 "link": rules.link, "told": told}}
            discussion.record = record  # what applied and who was told, as it stood: the summary card says it from here
            uow.audit.record(actor=actor, action="record.disagreement", subject_type="discussion", subject_id=discussion.id,
                             details={"agency": record["disagreement"]["agency"], "policy": rules.policy, "told": told})
        await self.actions_flow.post_record(uow, discussion, now)
        return record_cards.summary_card(discussion, quorate=record.get("quorate", True),
                                         not_quorate_text=self.s.profile.quorum.not_quorate_text,
                                         action_count=len(record["actions"]))

    async def _tell_of_disagreement(self, uow, discussion, agency: str, now: datetime) -> list[str]:
        """The managers the profile names (the agency's lead, the chair's manager: the directory's leads) hear
        that a professional disagreement was recorded, whose, and where it goes; never what it is about,
        which stays on the record. In Teams if the bot can reach them there, else by email. Returns who was
        told, in the profile's words; none is the chair themself."""
        rules, told, reference = self.s.profile.disagreement, [], discussion.conversation_reference or {}
        said = subject(discussion.case_reference, discussion.child_initials)
        held = self.s.calendar.local(discussion.meeting_start or now)
        route = f"It goes to {rules.policy} ({rules.source}{f': {rules.link}' if rules.link else ''})" if rules.policy else \
            "These procedures name no escalation policy: it goes to your safeguarding partnership's"
        reached: set[str] = set()
        for role in rules.tell:
            lead = self.s.directory.lead(agency if role == "agency_lead" else "social_care")
            if lead is None or lead.email in reached or (lead.aad_object_id and lead.aad_object_id == discussion.chair_aad_id):
                continue
            title = f"Professional disagreement: {said}"
            line = (f"At the strategy discussion on {held:%d/%m/%Y}, the chair ({discussion.chair_name}) recorded a professional "
                    f"disagreement from {agency_name(agency)}. {route}. You are told as {TOLD[role]}; the record has the detail.")
            key, user_id = f"{discussion.id}:record:disagreement:{role}", self.s.directory.teams_id_of(lead.aad_object_id)
            if user_id and service_url_of(reference):
                await self.s.effects.personal(uow, key, user_id=user_id, tenant_id=discussion.tenant_id,
                                              service_url=service_url_of(reference), activity=f"**{title}**: {line}",
                                              discussion_id=discussion.id, bot_id=bot_id_of(reference))
            elif lead.email:
                await self.s.effects.email(uow, key, to=lead.email, subject=title, body=line, discussion_id=discussion.id)
            else:
                continue
            reached.add(lead.email)
            told.append(TOLD[role])
        return told


def _half_typed_action(record: dict) -> str:
    """What to press for the action in the form: its own Save button while one is being edited (a walk was
    told to press Add action, a button the card did not have then)."""
    editing = record.get("editing")
    if editing:
        return f"A{editing} is in the form, not saved: press Save A{editing}, or clear the form to keep it as it was."
    return HALF_TYPED.format("an action", "Add action")


def _posted_here(discussion, turn_context: TurnContext) -> bool:
    """Whether the record's summary is posted (ActionsFlow.post_record) in the chat the press came from."""
    posted_to = ((discussion.conversation_reference or {}).get("conversation") or {}).get("id") or ""
    pressed_in = turn_context.activity.conversation.id or ""
    return bool(posted_to) and channel_of(posted_to) == channel_of(pressed_in)


def _finalised_here(discussion) -> dict:
    return cards.message_card(f"Record finalised: {subject(discussion.case_reference, discussion.child_initials)}",
                              "Its summary, and a card for each action's owner, are posted below.",
                              actions=[execute("Open", "discussion.open", {"discussion_id": discussion.id})])
