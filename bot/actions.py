"""Actions after the record: one card per action in the discussion's thread, and the agencies'
report-backs (PROTOCOL.md §6) by button or by a reply such as `A3 by 14/12`. Each report is
applied once, however often Teams delivers it, and only by someone who may."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from botbuilder.core import MessageFactory, TurnContext
from sqlalchemy.exc import IntegrityError

from cards import record as record_cards
from cards import wizard as cards
from cards.elements import execute
from cards.words import agency as agency_name
from cards.words import subject, when
from protocol.vocabulary import OWED_ACTION_STATUSES, OWED_OBLIGATION_STATES
from storage.models import Obligation

from . import messages, recording
from .convene import actor_of, delivery_of, personal_chat
from .mailer import with_link
from .proactive import bot_id_of, channel_of, in_personal_chat, service_url_of
from .services import BotServices

log = logging.getLogger(__name__)
VERB_STATUS = {"action.completed": "completed", "action.will_complete_by": "will_complete_by",
               "action.not_required": "not_required", "action.needs_discussion": "needs_discussion"}


SAME_UPDATE_AGAIN = timedelta(minutes=10)  # the same words from the same person within this: one update sent twice
UPDATE_LIMIT = 4000  # as each of the record's boxes (bot.recording.parse_text_step)
# A chat keeps what is said in it: the task the chair typed may name the family, so it is only on the card.
TASK_ON_THE_CARD = "Each task is on its action's card in the discussion's thread: press Open there to see it."


class ActionsFlow:
    def __init__(self, services: BotServices):
        self.s = services

    # ---- posting ---------------------------------------------------------------------------
    def action_card(self, discussion, action, now: datetime, typed: dict | None = None, *, private: bool = False,
                    problem: dict | None = None) -> dict:
        """The card as posted (no task text), or `private`: as answered to someone who may see the task."""
        # The owner as the directory names them: "Person and role responsible" was typed by the chair and may
        # name a relative (a walk found it in the channel), so it is on the private view only.
        listed = self.s.directory.by_aad_object_id(action.owner_aad_object_id) if action.owner_aad_object_id else []
        mention = f"<at>{listed[0].name}</at>" if listed else None
        # A due day the offices are closed is said on every copy (a procedures expert's trial: the record card
        # said it, the cards posted in the thread after finalising did not).
        card = record_cards.action_card(discussion, action, mention=mention, now=self.s.calendar.local(now), typed=typed,
                                        private=private, closed=recording.not_a_working_day(action.due_at, self.s.calendar),
                                        problem=problem)
        if mention:  # Teams turns the <at> text into a real @mention that notifies the owner
            card["msteams"] = {"entities": [{"type": "mention", "text": mention,
                                             "mentioned": {"id": action.owner_aad_object_id, "name": listed[0].name}}]}
        return card

    async def post_record(self, uow, discussion, now: datetime) -> None:
        """The summary and one card per action, in the thread where the discussion was convened, and an
        email to each owner outside Teams: added to the outbox in the finalising transaction, so they
        are sent once, and surely."""
        for action in sorted(discussion.actions, key=lambda a: a.number):
            if action.owner_email and not action.owner_aad_object_id:
                await self._email_owner(uow, discussion, action, now)
        reference = discussion.conversation_reference
        if not reference:
            return
        summary = record_cards.summary_card(discussion, quorate=discussion.record.get("quorate", True),
                                            not_quorate_text=self.s.profile.quorum.not_quorate_text,
                                            action_count=len(discussion.actions))
        await self.s.effects.post(uow, f"{discussion.id}:record:summary", reference=reference, activity=summary,
                                  discussion_id=discussion.id)
        # Held in the chair's personal chat, the cards posted there reach nobody else (a walk: owners heard nothing
        # until the chase on the day): each owner the bot can reach in Teams gets their card in their own chat too.
        for action in sorted(discussion.actions, key=lambda a: a.number):
            card = self.action_card(discussion, action, now)
            await self.s.effects.post(uow, f"{discussion.id}:record:action:{action.number}", reference=reference,
                                      activity=card, discussion_id=discussion.id, remember={"action_id": action.id})
            if in_personal_chat(reference) and action.owner_aad_object_id and not self.s.access.is_chair_of(discussion, action.owner_aad_object_id):
                await self.s.effects.personal(uow, f"{discussion.id}:record:action:{action.number}:owner",
                                              user_id=self.s.directory.teams_id_of(action.owner_aad_object_id),
                                              tenant_id=discussion.tenant_id, service_url=service_url_of(reference), activity=card,
                                              discussion_id=discussion.id, bot_id=bot_id_of(reference))

    async def _email_owner(self, uow, discussion, action, now: datetime) -> None:
        """An owner the bot knows by email alone (another tenant, or not in the directory) is not in the
        thread, so hears of their action by email as it is agreed, with the signed link that shows the
        task and takes their report (a walk: they first heard at its reminder, the day before it was due)."""
        obligation = await uow.obligations.by_key(f"{discussion.id}:action:{action.number}")
        link = self.s.links.make(obligation_id=obligation.id, purpose="action", sent_to="owner") if obligation else None
        title = f"Action A{action.number} agreed: {subject(discussion.case_reference, discussion.child_initials)}"
        held = self.s.calendar.local(discussion.meeting_start or now)
        line = (f"At the strategy discussion on {held:%d/%m/%Y}, A{action.number} was agreed for {agency_name(action.owner_agency)}, "
                f"with you as its owner. It is due {when(action.due_at, now=self.s.calendar.local(now))}. "
                "The link shows the task; use it to say when it is done, or the date it will be.")
        await self.s.effects.email(uow, f"{discussion.id}:record:action:{action.number}:email", to=action.owner_email,
                                   subject=title, body=with_link(title, line, link), discussion_id=discussion.id)

    # ---- report-backs ----------------------------------------------------------------------
    def may_change(self, discussion, action, aad: str) -> bool:
        if self.s.access.is_chair_of(discussion, aad) or (action.owner_aad_object_id and action.owner_aad_object_id == aad):
            return True
        return any(c.agency == action.owner_agency for c in self.s.directory.by_aad_object_id(aad))

    def may_see(self, discussion, action, aad: str) -> bool:
        """The task the chair typed is for those who report on it, the chair and the invitees."""
        return self.may_change(discussion, action, aad) or self.s.access.invitation_of(discussion, aad) is not None

    def answer_card(self, discussion, action, now: datetime, aad: str, typed: dict | None = None, problem: dict | None = None) -> dict:
        """The card answered to one person's press (only they see it): with the task if they may see it."""
        return self.action_card(discussion, action, now, typed, private=self.may_see(discussion, action, aad), problem=problem)

    def who_may(self, discussion, action) -> str:
        return f"its owner, anyone from {agency_name(action.owner_agency)} in the directory, or the chair"  # said in the thread

    async def on_button(self, turn_context: TurnContext, verb: str, data: dict) -> dict:
        status = VERB_STATUS[verb]
        report = {"status": status}
        if status == "will_complete_by":
            today = self.s.calendar.local(self.s.clock.now()).date()
            by = recording.uk_date(str(data.get("by") or ""), today=today)
            if by is None:
                return await self._card_with_note(turn_context, data, "Choose the date it will be done by.", under="by")
            if problem := recording.date_problem(by, today=today):  # as a reply in the thread is told (recording.parse_report)
                return await self._card_with_note(turn_context, data, problem, under="by")
            report["by"] = by.isoformat()
        if status == "not_required":
            reason = str(data.get("reason") or "").strip()
            if not reason:
                return await self._card_with_note(turn_context, data, "Give the agency manager's reason it is no longer required.",
                                                  under="reason")
            if problem := recording.reason_problem(reason):
                return await self._card_with_note(turn_context, data, problem, under="reason")
            report["reason"] = reason
        aad, _, name = actor_of(turn_context)
        outcome, card = await self.apply(aad, name, delivery_of(turn_context), str(data.get("discussion_id", "")),
                                         action_id=str(data.get("action_id", "")), report=report,
                                         seen=data.get("seen") if isinstance(data.get("seen"), str) else None)
        if card is None:
            return cards.message_card("Not changed", outcome)
        if outcome.startswith("⚠"):  # pressed on an older copy: the action as it now is, and why nothing changed
            return await self._card_with_note(turn_context, data, outcome)
        if status == "will_complete_by" and (closed := recording.not_a_working_day(self.s.calendar.end_of_working_day(by),
                                                                                    self.s.calendar)):
            return await self._card_with_note(turn_context, data, f"⚠ Recorded, but {by:%d/%m/%Y} is {closed}: "
                                                                  "if that was not meant, choose another date.")
        return await self.current_card(turn_context, data)  # to the presser alone: with the task if they may see it

    async def current_card(self, turn_context: TurnContext, data: dict) -> dict:
        return await self._card_with_note(turn_context, data, "")

    async def open(self, turn_context: TurnContext, data: dict) -> dict:
        """Open, or the card's refresh: the action as it now is, the task shown to whoever may see it."""
        return await self._card_with_note(turn_context, data, "", viewed=True)

    async def _card_with_note(self, turn_context: TurnContext, data: dict, note: str, *, under: str | None = None,
                              viewed: bool = False) -> dict:
        """The action's card to the presser, with `note` at its foot, or `under` the box it is about (a walk read
        "Choose the date" under the reason's box), what was typed kept. `viewed`: an Open, audited as a view."""
        aad, _, _ = actor_of(turn_context)
        async with self.s.uow() as uow:
            discussion = await uow.discussions.get(str(data.get("discussion_id", "")))
            action = next((a for a in discussion.actions if a.id == data.get("action_id")), None) if discussion else None
            if action is None:
                return cards.message_card("Not found", "That action no longer exists.")
            card = self.answer_card(discussion, action, self.s.clock.now(), aad, typed=data if note else None,
                                    problem={under: note} if under else None)
            if note and not under:
                card["body"].append({"type": "TextBlock", "text": note, "color": "Attention", "wrap": True})
            if viewed and self.may_see(discussion, action, aad):  # the task the chair typed, shown: a view of the record
                uow.audit.record(actor=aad, action="action.viewed", subject_type="action", subject_id=action.id,
                                 details={"discussion_id": discussion.id, "number": action.number, "via": "card"})
                await uow.commit_once(delivery_of(turn_context))  # Teams delivering the same press again is the same view
            return card

    async def apply(self, aad: str, name: str, delivery_id: str, discussion_id: str | None, *, report: dict,
                    action_id: str | None = None, number: int | None = None, trusted: bool = False,
                    turn_context: TurnContext | None = None, conversation_id: str | None = None,
                    seen: str | None = None) -> tuple[str | None, dict | None]:
        """Apply one report from a card, a reply or an email link (`delivery_id` identifies the
        delivery, so a repeat is recognised); returns (what to say, the action's updated card or None).
        `conversation_id` instead of the discussion: the one recorded in that thread, found in the
        same transaction; (None, None) when there is none."""
        now = self.s.clock.now()
        async with self.s.uow() as uow:
            discussion, action = await uow.discussions.with_action(discussion_id=discussion_id, conversation_id=conversation_id,
                                                                  action_id=action_id, number=number)
            if discussion is None and discussion_id is None:
                return None, None
            if action is None:
                return (f"There is no action A{number} on this discussion. Type `actions` to see them." if number is not None
                        else "That action no longer exists."), None
            if not trusted and not self.may_change(discussion, action, aad):  # a signed link is its own authority
                uow.audit.record(actor=aad, action="action.change_refused", subject_type="action", subject_id=action.id)
                # A reply in the thread is refused once, however often Teams delivers it (a press is, by the handler):
                # a two-replica trial saw each refused, and audited, twice.
                if not await uow.commit_once(delivery_id if turn_context is not None else None):
                    return "", None  # this very reply, refused and told already
                return f"Only {self.who_may(discussion, action)} can report on A{action.number}.", None
            repeated = f"A{action.number} already has that report."
            status = report["status"]
            by = datetime.fromisoformat(report["by"]) if report.get("by") else None
            new_due_at = self.s.calendar.end_of_working_day(by.date()) if by else None
            reference = discussion.conversation_reference or {}
            in_thread = turn_context is not None and turn_context.activity.conversation.id == (reference.get("conversation") or {}).get("id")
            if status == action.status and (new_due_at is None or new_due_at == action.due_at):
                # Already so (a double-click's second press, the same reply typed twice): nothing new to record.
                card = self.action_card(discussion, action, now)
                if in_thread and action.card_activity_id and await uow.discussions.reported(delivery_id):
                    # This very reply again: Teams had no answer to it (a crash trial: the process was killed once the
                    # report was saved, and the card and the confirmation never came). Both now, as the first would have.
                    await self._update_in_thread(turn_context, discussion, action, card, delivery_id)
                    return self._said(discussion, action, by, name), card
                return repeated, card
            if seen is not None and seen != record_cards.seen_state(action):  # a card drawn before the last report
                # An older copy (a walk: the press came back unchanged, without a word): said, as for an invitation.
                # Press again only where there is a button left to press (a walk: said on a card with none, the action closed).
                again = ": press again if you still mean it" if action.status in OWED_ACTION_STATUSES else ""
                return (f"⚠ A{action.number} had changed since that card was drawn: it is now "
                        f"{record_cards.status_words(action, self.s.calendar.zone)}. Nothing was recorded{again}."), \
                    self.action_card(discussion, action, now)
            # An action already closed (done, no longer required, for a further discussion) may be reopened or closed
            # otherwise (the work was not finished after all), but never silently: a walk saw a completed CP medical
            # become "no longer required" by a later reply, said as if it were the first report.
            closed_as = None if action.status in OWED_ACTION_STATUSES else record_cards.STATUS_WORDS[action.status]
            # Written first, and only if this delivery is new: a redelivery, or the same one applied at
            # this moment by another turn (the insert waits for it), adds nothing and changes nothing.
            if not await uow.discussions.report(action_id=action.id, status=status, note=report.get("reason", ""), by=name, at=now,
                                                activity_id=delivery_id, new_due_at=new_due_at):
                return repeated, self.action_card(discussion, action, now)
            await uow.discussions.change_action(action, status=status, updated_at=now, **({"due_at": new_due_at} if new_due_at else {}),
                                                unless_changed_from=(action.status, action.due_at) if seen else None)
            uow.audit.record(actor=aad, action=f"action.{status}", subject_type="action", subject_id=action.id,
                             details={"discussion_id": discussion.id, "number": action.number, **{k: v for k, v in report.items()
                                                                                                    if k != "status"}},
                             correlation_id=delivery_id)
            key = f"{discussion.id}:action:{action.number}"
            if status in ("completed", "not_required", "needs_discussion"):
                await uow.obligations.change(key, state="satisfied", updated_at=now)
            elif by:  # a new date: owed again (reopened after "done", a walk found it never chased), its ladder from the start
                await uow.obligations.change(key, state="open", due_at=action.due_at, escalation_level=0, next_attempt_at=now,
                                             rule_source=recording.action_due_source(action.agreed_due_at, action.due_at,
                                                                                     self.s.calendar.zone), updated_at=now)
            card = self.action_card(discussion, action, now)
            said = self._said(discussion, action, by, name, was=closed_as)
            if closed_as and not self.s.access.is_chair_of(discussion, aad):  # the chair hears of it, in their own chat
                await self.s.effects.tell_chair_personally(uow, f"{delivery_id}:reopened", discussion, (
                    f"{subject(discussion.case_reference, discussion.child_initials)}: A{action.number}, closed as {closed_as}, "
                    f"is now {record_cards.status_words(action, self.s.calendar.zone)} ({name}). "
                    "Open the discussion's card to see it."))
            if action.card_activity_id and reference and not in_thread:  # from a link or another chat: through the outbox
                await self.s.effects.update(uow, f"{delivery_id}:card", reference=reference, activity_id=action.card_activity_id,
                                            card=card, discussion_id=discussion.id)
            if reference and turn_context is None:  # a button or an emailed link: confirmed in the thread as a reply is
                await self.s.effects.post(uow, f"{delivery_id}:said", reference=reference, activity=MessageFactory.text(said),
                                          discussion_id=discussion.id)
            if status == "needs_discussion":
                await self._offer_review(uow, discussion, action, delivery_id)
            try:
                await uow.commit()
            except IntegrityError:  # the same delivery, applied concurrently by another worker
                return repeated, None
        if in_thread and action.card_activity_id:
            await self._update_in_thread(turn_context, discussion, action, card, delivery_id)
        return said, card

    def _said(self, discussion, action, by: datetime | None, name: str, *, was: str | None = None) -> str:
        """What a report is confirmed with, in the thread: the action as it now stands (and, where it had been
        closed, as what), and for whom."""
        words = record_cards.STATUS_WORDS[action.status] + (f" {by:%d/%m/%Y}" if by else "")
        if by and (closed := recording.not_a_working_day(action.due_at, self.s.calendar)):
            words += f" ({closed}: if that was not meant, give another date)"
        if was:
            words = f"was {was}, now {words}"
        return f"A{action.number} ({discussion.case_reference}): {words}. Recorded for {name}."

    async def _update_in_thread(self, turn_context, discussion, action, card: dict, delivery_id: str) -> None:
        """A reply in the card's own thread updates it as part of the turn (the quickest way, and the
        agency sees it at once). If that fails, the report is saved all the same and the outbox
        updates the card: the reply still says what was recorded."""
        try:
            await self.s.proactive.update_card(discussion.conversation_reference, action.card_activity_id, card,
                                               turn_context=turn_context)
        except Exception as error:  # ConnectorError, or the SDK's own: either way the outbox takes over
            log.warning("A%s card not updated in the turn (%s); the outbox will", action.number, error)
            async with self.s.uow() as uow:
                await self.s.effects.update(uow, f"{delivery_id}:card", reference=discussion.conversation_reference,
                                            activity_id=action.card_activity_id, card=card, discussion_id=discussion.id)
                await uow.commit()

    async def _offer_review(self, uow, discussion, action, delivery_id: str) -> None:
        """The chair is offered the review, and owes it: by the action's own agreed date (or, if that has
        passed, the close of the next working day), chased up the ladder like any obligation until a
        review is convened (a further discussion needs "a clear timescale... subject to regular review
        by the social work manager", hackney 9.2)."""
        now, calendar = self.s.clock.now(), self.s.calendar
        due = action.due_at if action.due_at > now else calendar.end_of_working_day(
            calendar.add_working_days(calendar.local(now).date(), 1))
        owed = f"{discussion.id}:review_discussion:A{action.number}"
        await uow.obligations.add_once(Obligation(
            key=owed, kind="review_discussion", discussion_id=discussion.id,
            subject_type="discussion", subject_id=discussion.id, owner_agency="social_care", due_at=due,
            rule_source=f"A{action.number}: a further strategy discussion is needed", created_at=now, updated_at=now))
        offer = cards.message_card(f"Further discussion needed: {subject(discussion.case_reference, discussion.child_initials)}",
                                   f"A{action.number} needs a further strategy discussion. Start a review discussion with this "
                                   "one's child and concern already filled in?",
                                   actions=[execute("Start the review discussion", "convene.review",
                                                    {"discussion_id": discussion.id, "owed": owed})])
        await self.s.effects.post(uow, f"{delivery_id}:review-offer", reference=discussion.conversation_reference,
                                  activity=offer, discussion_id=discussion.id)

    async def on_text(self, turn_context: TurnContext, text: str) -> bool:
        """A reply in the thread. True when it was meant for an action (and has been answered)."""
        today = self.s.calendar.local(self.s.clock.now()).date()
        parsed = recording.parse_report(text, today=today)
        conversation = turn_context.activity.conversation.id
        if isinstance(parsed, dict) and "action" in parsed:  # the everyday path: one transaction finds and applies
            aad, _, name = actor_of(turn_context)
            said, _ = await self.apply(aad, name, delivery_of(turn_context), None, number=parsed["action"], report=parsed,
                                       turn_context=turn_context, conversation_id=conversation)
            if said is None:
                return False  # no recorded discussion here: not a report to us
            if said:  # (empty: answered already, on its first delivery)
                await self._confirm(turn_context, said)
            return True
        async with self.s.uow() as uow:
            discussions = await uow.discussions.all_recorded_in(conversation)
        if not discussions:
            return False
        if isinstance(parsed, str):
            await turn_context.send_activity(MessageFactory.text(parsed))
        elif "update" in parsed and (said := await self._information_update(turn_context, discussions, parsed["update"])):
            await self._confirm(turn_context, said)
        return True

    async def _confirm(self, turn_context: TurnContext, said: str) -> None:
        """What a reply in the thread changed is saved before it is confirmed: a confirmation the turn cannot
        send (the connector refused it, or timed out) goes through the outbox, which retries it and tells the
        chair if it cannot (a crash trial: the thread was told "nothing was changed" of a report that was saved)."""
        try:
            await turn_context.send_activity(MessageFactory.text(said))
        except Exception as error:  # ConnectorError, or the SDK's own: either way the outbox takes over
            log.warning("confirmation not sent in the turn (%s); the outbox will", error)
            async with self.s.uow() as uow:
                discussion = await uow.discussions.recorded_in(turn_context.activity.conversation.id, load=())
                if discussion is None:  # nothing here to post it through: the turn's own failure, as it was
                    raise
                await self.s.effects.post(uow, f"{delivery_of(turn_context)}:said", reference=discussion.conversation_reference,
                                          activity=MessageFactory.text(said), discussion_id=discussion.id)
                await uow.commit()

    async def _information_update(self, turn_context, discussions: list, update: str) -> str:
        """From the thread: only from an agency invited, someone of an agency in the directory, or the chair
        (the hostile trial: anyone in the channel could add to the record, as they cannot report on an action).
        With more than one discussion recorded in the thread (latest first), the one the update names by its
        case reference, else the one that owes the sender's agency an update, else the latest of one case;
        asked when that leaves two cases (a walk: an update on one child was recorded on another's)."""
        aad, _, name = actor_of(turn_context)
        in_directory = {c.agency for c in self.s.directory.by_aad_object_id(aad)}
        candidates = []  # (discussion, the sender's agencies for it)
        async with self.s.uow() as uow:
            for discussion in discussions:
                agencies = set(in_directory)
                if not agencies and not self.s.access.is_chair_of(discussion, aad):
                    invitation = self.s.access.invitation_of(await uow.discussions.get(discussion.id), aad)
                    if invitation is None:
                        continue
                    agencies = {invitation.agency}
                candidates.append((discussion, agencies))
            if not candidates:
                return (f"Only the agencies invited to {discussions[0].case_reference}, their colleagues in the contacts directory, "
                        "or the chair can send an update on it. Nothing was recorded.")
            if len(candidates) > 1:
                named = [(d, a) for d, a in candidates if _names_case(update, d.case_reference)]
                if named:
                    candidates, update = named, update[len(named[0][0].case_reference):].lstrip(" :-")
                    if not update:
                        return f"Write the update after the case reference, e.g. `update {named[0][0].case_reference}: GP records checked`."
                else:
                    owing = [(d, a) for d, a in candidates if any(
                        o.kind == "information_update" and o.state in OWED_OBLIGATION_STATES and o.owner_agency in a
                        for o in await uow.obligations.for_discussion(d.id))]
                    candidates = owing or candidates
        cases: dict[str, str] = {}
        for discussion, _ in candidates:
            cases.setdefault(discussion.case_reference, discussion.child_initials)
        if len(cases) > 1:
            return ("More than one child's discussion is recorded in this thread: " + ", ".join(f"{c} ({i})" for c, i in cases.items())
                    + f". Start your update with the case reference, e.g. `update {next(iter(cases))}: ...`. Nothing was recorded.")
        discussion, agencies = candidates[0]
        return await self.information_update(aad, name, delivery_of(turn_context), discussion, update, agencies)

    async def information_update(self, aad: str, name: str, delivery_id: str, discussion, update: str, agencies: set) -> str:
        """An agency's update after the discussion, from the thread or an emailed link: kept with the
        record (the chair's card shows it), the chair told in their personal chat (without the text:
        what someone typed never goes to a chat), and the agency's one-working-day update satisfied."""
        if len(update) > UPDATE_LIMIT:  # the chair's card shows the updates, and Teams will not draw one past ~28 KB
            return f"Keep an update under {UPDATE_LIMIT:,} characters: send a longer one in parts. Nothing was recorded."
        now = self.s.clock.now()
        thanks = f"Thank you, {name}: your update on {discussion.case_reference} is recorded for the chair"
        async with self.s.uow() as uow:
            stored = await uow.discussions.get(discussion.id, load=(), for_update=True)  # held: a redelivery waits, then finds it
            record = dict(stored.record or {})
            if any(u.get("delivery") == delivery_id for u in record.get("updates", [])):  # Teams retried: kept and answered once
                return ""
            if any(u.get("by") == name and u.get("text") == update and now - datetime.fromisoformat(u["at"]) < SAME_UPDATE_AGAIN
                   for u in record.get("updates", [])):  # sent twice (a double send, two deliveries): kept once (a walk)
                return f"{thanks}: it was already recorded a moment ago."
            owed = [o for o in await uow.obligations.for_discussion(discussion.id)
                    if o.kind == "information_update" and o.state in OWED_OBLIGATION_STATES and o.owner_agency in agencies]
            for obligation in owed:
                obligation.state, obligation.updated_at = "satisfied", now
            from_whom = ", ".join(agency_name(a) for a in sorted(agencies)) or name
            record["updates"] = [*record.get("updates", []), {"from": from_whom, "by": name, "at": now.isoformat(), "text": update,
                                                              "delivery": delivery_id}]
            stored.record = record
            uow.audit.record(actor=aad, action="information_update.received", subject_type="discussion", subject_id=discussion.id,
                             details={"agencies": sorted(agencies), "update": update}, correlation_id=delivery_id)
            if not self.s.access.is_chair_of(stored, aad):  # not told of their own (a walk: the chair's update pinged them)
                await self.s.effects.tell_chair_personally(uow, f"{delivery_id}:update-to-chair", stored, (
                    f"{subject(stored.case_reference, stored.child_initials)}: {from_whom} sent an information update. "
                    f"Open the discussion's card (Open, or `record {stored.case_reference}` here) to read it."))
            await uow.commit()
        return thanks + (" and your one-working-day information update is complete." if owed else ".")

    # ---- lists -----------------------------------------------------------------------------
    async def list_actions(self, turn_context: TurnContext) -> str:
        """The actions of every discussion recorded here, the latest discussion first (a review recorded in its
        discussion's thread listed only its own, and the first discussion's open actions were out of sight)."""
        async with self.s.uow() as uow:
            discussions = await uow.discussions.all_recorded_in(turn_context.activity.conversation.id)
        if not discussions:
            return "There is no recorded discussion in this conversation."
        now = self.s.calendar.local(self.s.clock.now())
        lines = []
        for discussion in discussions:
            held = f", held {self.s.calendar.local(discussion.meeting_start):%d/%m/%Y}" if len(discussions) > 1 and discussion.meeting_start else ""
            heading = f"**Actions for {subject(discussion.case_reference, discussion.child_initials)}{held}**"
            lines.append(heading if discussion.actions else f"{heading}: none agreed.")
            for action in sorted(discussion.actions, key=lambda a: a.number):  # never the task typed: Open on its card shows it
                lines.append(messages.item(
                    f"**A{action.number}**: {agency_name(action.owner_agency)}, "
                    f"due {action.due_at.astimezone(now.tzinfo):%d/%m/%Y}{record_cards.agreed_beside(action, now.tzinfo)}, "
                    f"{record_cards.status_words(action, now.tzinfo, now=now)}"))
        return messages.paragraphs([*lines, *([TASK_ON_THE_CARD] if any(d.actions for d in discussions) else [])])

    async def mine(self, turn_context: TurnContext) -> str:
        """Their open actions, and those whose reminders reach them in their owner's stead (a walk: an
        agency lead was chased about an action `mine` did not list)."""
        aad, _, _ = actor_of(turn_context)
        directory = self.s.directory
        contacts = directory.by_aad_object_id(aad)
        leads = tuple(sorted({c.agency for c in contacts if c.lead}))
        async with self.s.uow() as uow:
            actions = await uow.discussions.open_actions_of(
                aad_object_id=aad, emails=[c.email for c in contacts], leads=leads,
                agencies_with_leads=tuple(sorted({c.agency for c in directory.contacts if c.lead})))
            if not personal_chat(turn_context):  # a channel or group chat: only the discussions held there, as `overdue` (a hostile trial)
                here = channel_of(turn_context.activity.conversation.id)
                actions = [a for a in actions if channel_of(a.discussion.conversation_id or "") == here]
                if not actions:
                    return ("None of your open actions is on a discussion held here. Type `mine` to me in a personal chat "
                            "for all of them.")
            if not actions:
                return "You have no open actions."
            now = self.s.calendar.local(self.s.clock.now())
            return messages.paragraphs(["**Your open actions**"] + [
                messages.item(f"{a.discussion.case_reference} ({a.child_initials}) **A{a.number}**: due "
                              f"{a.due_at.astimezone(now.tzinfo):%d/%m/%Y}{record_cards.agreed_beside(a, now.tzinfo)}, "
                              f"{record_cards.status_words(a, now.tzinfo, now=now)}"
                              f"{self._standing_in(a, leads)}") for a in actions]
                + [TASK_ON_THE_CARD])

    @staticmethod
    def _standing_in(action, leads: tuple[str, ...]) -> str:
        """Why an action the person does not own is theirs to pass on (as bot.chasers reminds in its owner's stead)."""
        if action.owner_reachable:
            return ""
        if action.owner_agency in leads:
            return f" (the bot has no address for its owner: as {agency_name(action.owner_agency)}'s lead, please pass it on)"
        return (f" (the bot has no address for its owner, and {agency_name(action.owner_agency)} has no lead in the directory: "
                "as chair, please pass it on)")


def _names_case(update: str, case_reference: str | None) -> bool:
    """Whether an update begins with this case reference (`update CR-311920: ...`)."""
    if not case_reference or not update.upper().startswith(case_reference.upper()):
        return False
    rest = update[len(case_reference):]
    return not rest or rest[0] in " :-"
