"""The sweep: every minute (and once at start-up) claim the obligations whose next step is due,
and chase the right person, at the right working time, by Teams or by email. A stage of the
ladder is queued once (the chases table's key), in the outbox, in the same transaction that moves
the obligation up its ladder; the outbox delivers it (ChaseDelivery), retries what is transient
and, when it cannot be delivered, tells the chair. A chase is marked sent only once delivered."""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone

from botbuilder.core import MessageFactory
from sqlalchemy.exc import IntegrityError

from cards.words import agency as agency_name
from cards.words import listing, subject, when
from scheduling import chasing
from storage.models import Chase

from .mailer import with_link
from .meetings import next_contact
from .outbox import CLAIM_FOR as DELIVERING_FOR, DeliveryRefused, unanswered
from .proactive import bot_id_of, card_activity, service_url_of
from .recording import CLOSED_BY_THE_CHAIR, RECORD_DISTRIBUTED
from .services import BotServices

log = logging.getLogger(__name__)
CLAIM_FOR = timedelta(minutes=5)
BATCH = 50  # obligations worked in one transaction: a sweep's statements are per batch, not per chase
OWED = {  # {whose}, {their}: the owner's own words to them ("your agency's"), another's to anyone up the ladder
    "information_update": "{whose} information update (its records were not fully researched at the discussion)",
    "record_distribution": "circulating the record of the discussion",
    "out_of_hours_record": "the out-of-hours record, before the working day starts",
    "out_of_hours_not_quorate": "a quorate strategy discussion the next working day (the out-of-hours one was not quorate)",
    "not_quorate": "a quorate strategy discussion (the one held was not quorate, so it cannot be recorded as a strategy meeting)",
    "icpc": "the initial child protection conference",
    "s47_review": "a review strategy discussion if the s47 enquiries are not concluded",
    "assessment": "the assessment's decision on next steps",
    "lado_notification": "informing the Local Authority Designated Officer",
    "review_discussion": "the review strategy discussion",
    "rsvp": "a reply to the meeting invitation (accept, decline with how {their} information will reach the chair, or send a delegate)",
    "record_check": "{whose} records check on the case before the meeting (shared, nothing known, or still researching)",
    "quorum_at_risk": "the quorum: police and health have not both confirmed",
}
BEFORE_MEETING_WORDS = {"rsvp": "No reply yet to the strategy discussion invitation",
                        "record_check": "Records check before the strategy discussion",
                        "quorum_at_risk": "Quorum at risk"}
OPENING = {"reminder": "Reminder", "due": "Due today"}
ESCALATED_AS = {"escalate_lead": "agency lead", "escalate_chair": "chair", "escalate_manager": "manager"}


def chase_round(obligation_id: str, due_at: datetime) -> str:
    """What a chase's key begins with for an obligation owed by `due_at`: its chases for an earlier date (before an
    action's new one) have another, and are not this date's (a ladder trial read "last chased: escalated to the
    manager" of a new date nobody had been told of)."""
    return f"{obligation_id}:{due_at.astimezone(timezone.utc):%Y%m%dT%H%MZ}"  # the same instant, however it was read


def for_this_date(chase, obligation) -> bool:
    """Whether a chase was about the date the obligation is owed by now. A key without a date (a chase from before
    keys carried one) is taken as this date's, as it was."""
    round_ = chase.key.removeprefix(f"{obligation.id}:").split(":", 1)[0]
    return not round_[:1].isdigit() or chase.key.startswith(chase_round(obligation.id, obligation.due_at) + ":")


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    aad_object_id: str | None = None
    user_id: str | None = None  # Teams id, when known (the chair)

    def is_(self, other: Person | None) -> bool:
        """The same person: the same Entra id, or the same email."""
        return other is not None and bool((self.aad_object_id and self.aad_object_id == other.aad_object_id)
                                          or (self.email and self.email.lower() == (other.email or "").lower()))


def chair_of(discussion, directory) -> Person:
    """The chair, with their email from the directory: for email when Teams fails, and to know them in another role."""
    listed = directory.by_aad_object_id(discussion.chair_aad_id) if discussion.chair_aad_id else []
    return Person(discussion.chair_name, listed[0].email if listed else "", discussion.chair_aad_id, discussion.chair_user_id)


class Chaser:
    def __init__(self, services: BotServices, *, outbox, actions_flow):
        self.s = services
        self.outbox = outbox
        self.actions = actions_flow

    async def sweep(self, *, limit: int = 200) -> int:
        """One pass: claim what is due; work it a batch at a time (each obligation's next step and
        the chases it owes, queued in the outbox, one transaction a batch); deliver each batch's
        chases. Returns how many chases were queued."""
        now = self.s.clock.now()
        async with self.s.uow() as uow:
            ids = await uow.obligations.claim_due(now, until=now + CLAIM_FOR, limit=limit)
            await uow.commit()
        queued = 0
        for start in range(0, len(ids), BATCH):
            if self.outbox.stopping:  # a graceful stop: the rest wait for the next sweep, here or on another replica
                break
            batch = ids[start:start + BATCH]
            try:
                chases = await self._work(batch, now)
            except Exception:  # one bad obligation must not stop the rest: each on its own, as before batches
                chases = []
                for obligation_id in batch:
                    try:
                        chases += await self._work([obligation_id], now)
                    except Exception:  # its claim runs out and it is tried again
                        log.exception("chasing obligation %s failed", obligation_id)
            if chases:
                await self.outbox.deliver(chases)
                queued += len(chases)
        await self.outbox.settle()  # and anything else due: retries, notices to chairs
        async with self.s.uow() as uow:  # presses are redelivered within seconds: a week's ids are plenty
            await uow.handled.forget_before(now - timedelta(days=7))
            await uow.commit()
        return queued

    async def _work(self, obligation_ids: list[str], now: datetime) -> list:
        """Work claimed obligations in one transaction; returns the chases queued (outbox effects,
        claimed for this sweep to deliver). Three queries and two writes for a whole batch."""
        async with self.s.uow() as uow:
            obligations = await uow.obligations.get_many(obligation_ids)
            # An action's chase shows the action; every other kind is about an invitation.
            load = ("invitations", "actions") if any(o.kind == "action" for o in obligations) else ("invitations",)
            discussions = await uow.discussions.get_many([o.discussion_id for o in obligations], load=load)
            owed = [chase for obligation in obligations
                    if (chase := self._step(obligation, discussions[obligation.discussion_id], now)) is not None]
            # Queued once (the effect's key): a stage queued before a crash is the outbox's now, not queued again.
            # Claimed from the time it is now, not the sweep's (a long sweep's later batches were claimed half run out).
            effects = await uow.effects.add_many(owed, claimed_until=self.s.clock.now() + DELIVERING_FOR,
                                                 started=ChaseDelivery.by_email_only)
            try:
                await uow.commit()
            except IntegrityError:
                if len(obligation_ids) > 1:
                    raise  # worked again one at a time
                return []  # another sweeper has this stage
            return effects

    def _step(self, obligation, discussion, now: datetime, *, in_place_of_one_passed: bool = False) -> dict | None:
        """Move one obligation on (it is changed in place); the chase it owes now, if any.
        `in_place_of_one_passed`: an escalation that had nobody new to tell was passed just now, so the
        next one goes at once, in its place, not at its own later time."""
        if obligation.snoozed_until and obligation.snoozed_until > now:  # snoozed while this sweep held it
            obligation.next_attempt_at = obligation.snoozed_until
            return None
        if obligation.kind in BEFORE_MEETING_WORDS and now >= obligation.due_at:
            # The meeting has begun: a reply, a records check or the quorum before it can no longer be had (a walk
            # saw them chased, and listed as breached, after it). The record says who came and what they knew.
            obligation.state, obligation.updated_at = "cancelled", now
            return None
        rung = self._next_rung(obligation, now)
        if rung is None and obligation.kind in BEFORE_MEETING_WORDS and self._answered(obligation, discussion):
            obligation.state, obligation.updated_at = "satisfied", now  # answered since: it is not breached
            return None
        if rung is None:  # the top of the ladder: nothing more to send; it stays on /overdue
            obligation.state = "breached" if now > obligation.due_at else obligation.state
            obligation.next_attempt_at = max(now, obligation.due_at)  # still open: look again when it falls due
            return None
        level, step, at = rung
        obligation.escalation_level = level  # steps missed while the service was down are not sent late
        if at > now and not in_place_of_one_passed:
            obligation.next_attempt_at = at
            return None
        if self._answered(obligation, discussion):  # answered since: stop chasing, say nothing
            obligation.state, obligation.updated_at = "satisfied", now
            return None
        person = self._recipient(step.recipient, obligation, discussion)
        stand_in = person is None and step.recipient == "owner" and obligation.kind == "action"
        if stand_in:  # an owner typed without an email, in an agency with no lead in the directory: the chair passes it on
            person = self._recipient("chair", obligation, discussion)
        # An escalation is weighed against the whole ladder: worked out once here, for both uses below.
        steps = self._ladder(obligation) if step.stage in ESCALATED_AS else []
        owner = self._chased_owner(steps, obligation, discussion)
        if person is not None and person.is_(owner):
            person = None  # the owner, chased already on the day (a re-walk: the lead who owns it was "escalated" to)
        if person is None and step.stage in ESCALATED_AS and owner is not None and not self._anyone_new_above(
                level, steps, obligation, discussion, owner):
            # Nobody above the owner to tell (the chair who leads social care, of their own clock; a directory with no one
            # else): the owner hears once that it is overdue, and the ladder ends (a procedures expert's trial: "Due
            # today", then breached, with no word to anyone).
            obligation.escalation_level = len(steps)
            chase = self._chase(owner, step, obligation, discussion, now, [], nobody_above=True)
            obligation.attempts += 1
            obligation.last_attempt_at, obligation.next_attempt_at = now, self._next_look(obligation, now)
            return chase
        if person is None:  # nobody (new) in that role (no agency lead in the directory, or the lead is the owner): next rung
            log.info("obligation %s: nobody new to chase as %s; moving up the ladder", obligation.key, step.recipient)
            obligation.escalation_level += 1
            obligation.next_attempt_at = now
            if step.stage in ESCALATED_AS:
                # The escalation falls due now all the same: the next one up goes in its place (a walk: with the
                # owner their agency's lead, a same-day CP medical went 12 working hours unescalated).
                return self._step(obligation, discussion, now, in_place_of_one_passed=True)
            return None
        stages, obligation.escalation_level = self._theirs_too(level, step, person, obligation, discussion, steps, owner)
        chase = self._chase(person, step, obligation, discussion, now, stages, stand_in=stand_in)
        obligation.attempts += 1
        obligation.last_attempt_at, obligation.next_attempt_at = now, self._next_look(obligation, now)
        return chase

    def _anyone_new_above(self, level: int, steps: list, obligation, discussion, owner: Person) -> bool:
        """Whether a rung above `level` reaches someone other than the owner."""
        for above in steps[level + 1:]:
            someone = self._recipient(above.recipient, obligation, discussion) if above.stage in ESCALATED_AS else None
            if someone is not None and not someone.is_(owner):
                return True
        return False

    def _theirs_too(self, level: int, step, person: Person, obligation, discussion, steps: list,
                    owner: Person | None) -> tuple[list[str], int]:
        """The escalations this chase stands for, and the ladder's next rung after them. Where the next
        rungs up fall to the same person (the agency lead who also chairs, and is the chair's manager),
        they are told once, in all those roles, not once a day in each: a trial found one person sent
        three escalations of one thing. A rung that would go back to the owner (the chair, of the
        discussion's own clocks: "escalated to you as chair" of what they were chased for), or that has
        nobody in its role, is passed, as the sweep would pass it."""
        stages, following = [step.stage], level + 1
        for above in steps[following:]:  # `steps` is empty unless this chase is an escalation
            if above.stage not in ESCALATED_AS:
                break
            someone = self._recipient(above.recipient, obligation, discussion)
            if someone is not None and not person.is_(someone) and not someone.is_(owner):
                break
            stages += [above.stage] if person.is_(someone) else []
            following += 1
        return stages, following

    def _chase(self, person: Person, step, obligation, discussion, now: datetime, stages: list[str], *,
               stand_in: bool = False, nobody_above: bool = False) -> dict:
        """The chase as an outbox effect's fields. Its row in `chases` is written when it is
        delivered, or cannot be. `nobody_above`: to the owner, in place of escalations with no one to reach."""
        title, line = self._words(step, obligation, discussion, now, stages, nobody_above=nobody_above)
        if obligation.kind == "rsvp" and not (person.aad_object_id or person.user_id):  # by email: how to answer it
            line += (" Answer the meeting invitation in your calendar: Accept, or Decline saying in your reply how your "
                     "agency's information will reach the chair.")
        if stand_in:
            line += (f" Its owner cannot be reached by the bot (no email in the record, and no lead for "
                     f"{agency_name(obligation.owner_agency)} in the directory): please pass this on.")
        card = None
        if obligation.kind == "action" and (person.aad_object_id or person.user_id):
            action = next(a for a in discussion.actions if str(a.number) == obligation.subject_id)
            card = self.actions.action_card(discussion, action, now)  # the same buttons as in the thread
            card["body"].insert(0, {"type": "TextBlock", "text": f"**{title}**: {line}", "wrap": True})
        link = None
        purpose = {"action": "action", "information_update": "information_update", "record_check": "record_check"}.get(obligation.kind)
        if purpose and person.email:
            link = self.s.links.make(obligation_id=obligation.id, purpose=purpose, sent_to=step.stage)
        return ChaseDelivery.effect(obligation_id=obligation.id, due_at=obligation.due_at, stage=step.stage, person=person,
                                    title=title, line=line, card=card, link=link, discussion=discussion)

    def _next_rung(self, obligation, now: datetime):
        """The ladder's next rung for this obligation: (its place, the step, when it may go); None at the top."""
        found = chasing.next_step(level=obligation.escalation_level, now=now, due_at=obligation.due_at,
                                  created_at=obligation.created_at, calendar=self.s.calendar, rules=self.s.profile.chasing_for(obligation.kind),
                                  kind=obligation.kind)
        if found is None:
            return None
        level, step = found
        return level, step, chasing.when_to_send(step, now=now, due_at=obligation.due_at, out_of_hours=obligation.out_of_hours,
                                                 calendar=self.s.calendar)

    def _next_look(self, obligation, now: datetime) -> datetime:
        """When the next rung falls due (at the top: when the obligation does), so the sweep does
        not spend its next pass looking again at what it has just chased."""
        rung = self._next_rung(obligation, now)
        return max(now, obligation.due_at) if rung is None else rung[2]

    def _answered(self, obligation, discussion) -> bool:
        """Pre-meeting obligations are satisfied by what people did elsewhere (cards, calendar)."""
        from cards.discussion import quorum_state

        invitation = next((i for i in discussion.invitations if i.id == obligation.subject_id), None)
        if obligation.kind == "rsvp":
            return invitation is None or invitation.rsvp != "none" or discussion.status not in ("convened",)
        if obligation.kind == "record_check":
            return invitation is None or invitation.record_check in ("shared", "nothing_known") or discussion.status != "convened"
        if obligation.kind == "quorum_at_risk":
            state = quorum_state(list(discussion.invitations), list(self.s.profile.quorum.agencies), self.s.profile.quorum.counts_as)
            return all(v == "confirmed" for v in state.values()) or discussion.status != "convened"
        return False

    # ---- who ---------------------------------------------------------------------------------
    def _ladder(self, obligation) -> list:
        return chasing.ladder(due_at=obligation.due_at, created_at=obligation.created_at, calendar=self.s.calendar,
                              rules=self.s.profile.chasing_for(obligation.kind), kind=obligation.kind)

    def _chased_owner(self, steps: list, obligation, discussion) -> Person | None:
        """Who the reminder and the chase on the day went to (the chair when nobody else can be reached);
        None for a ladder with no such rung (the quorum warning is the chair's first word of it)."""
        if not any(s.recipient == "owner" for s in steps):
            return None
        return self._recipient("owner", obligation, discussion) or self._recipient("chair", obligation, discussion)

    def _recipient(self, role: str, obligation, discussion) -> Person | None:
        chair = chair_of(discussion, self.s.directory)
        if role == "chair":
            return chair
        if role == "chair_manager":
            lead = self.s.directory.lead("social_care")
            return Person(lead.name, lead.email, lead.aad_object_id) if lead else None
        if role == "agency_lead":
            lead = self.s.directory.lead(obligation.owner_agency or "social_care")
            return Person(lead.name, lead.email, lead.aad_object_id) if lead else None
        if obligation.kind == "action":
            action = next((a for a in discussion.actions if str(a.number) == obligation.subject_id), None)
            if action and action.owner_reachable:
                return Person(action.owner_name, action.owner_email, action.owner_aad_object_id)
            lead = self.s.directory.lead(obligation.owner_agency)
            return Person(lead.name, lead.email, lead.aad_object_id) if lead else None
        if obligation.kind in ("rsvp", "record_check"):
            invitation = next((i for i in discussion.invitations if i.id == obligation.subject_id), None)
            return Person(invitation.name, invitation.email, invitation.aad_object_id) if invitation else None
        if obligation.kind == "information_update":
            email = obligation.key.rsplit(":", 1)[-1]
            invitation = next((i for i in discussion.invitations if i.email == email), None)
            if invitation:
                return Person(invitation.name, invitation.email, invitation.aad_object_id)
        return chair  # the discussion's own clocks are the chair's

    # ---- what and how ------------------------------------------------------------------------
    def _words(self, step, obligation, discussion, now: datetime, stages: list[str], *,
               nobody_above: bool = False) -> tuple[str, str]:
        case = subject(discussion.case_reference, discussion.child_initials)
        if obligation.kind == "action":
            # Not the task: the chair typed it, and it may name the family. Its card (Open) and the emailed link show it.
            owed = f"A{obligation.subject_id}, an agreed action"
        else:  # to the owner it is theirs; up the ladder someone else's, and "(owner: Police)" says whose
            mine = step.recipient == "owner" or nobody_above
            owed = OWED.get(obligation.kind, obligation.kind.replace("_", " ")).format(
                whose="your agency's" if mine else "the agency's", their="your" if mine else "their")
        due = when(obligation.due_at, now=self.s.calendar.local(now))
        owner = (f" (owner: {agency_name(obligation.owner_agency)})" if step.recipient != "owner" and not nobody_above
                 and obligation.owner_agency else "")
        if obligation.kind in BEFORE_MEETING_WORDS:
            nxt = ""
            if step.recipient == "chair" and obligation.kind == "rsvp":
                nxt = f" {self._next_contact(obligation, discussion)}"
            return (f"{BEFORE_MEETING_WORDS[obligation.kind]}: {case}",
                    f"{owed}{owner}; the meeting is {due}.{nxt}")
        opening = ("Overdue" if (step.stage == "due" and now > obligation.due_at) or nobody_above  # not "Due today" for what is late
                   else OPENING.get(step.stage) or f"Overdue (escalated to you as {listing([ESCALATED_AS[s] for s in stages])})")
        # Nothing the bot sees meets a case's clock (the conference held...): whoever is chased learns how it stops.
        met = (" Once it is met, the chair says so on the discussion's card (Case clocks) and the chasing stops."
               if obligation.kind in CLOSED_BY_THE_CHAIR else
               # (a ladder trial: the chair chased for the record's distribution was not told where its button is)
               " Once the record has gone to everyone on its distribution list, the chair presses Mark the record as "
               "distributed on the record's summary in the discussion's thread, and the chasing stops."
               if obligation.kind in RECORD_DISTRIBUTED else "")
        above = " There is nobody above you in the directory to escalate it to." if nobody_above else ""
        return f"{opening}: {case}", f"{owed}{owner}, due {due} ({obligation.rule_source}).{met}{above}"

    def _next_contact(self, obligation, discussion) -> str:
        invitation = next((i for i in discussion.invitations if i.id == obligation.subject_id), None)
        if invitation is None:
            return "Next to try: the agency's duty desk."
        return next_contact(self.s, discussion, invitation.agency)


class ChaseDelivery:
    """The `chase` effect: Teams first for someone the bot can reach there, email otherwise (or when
    Teams fails). Marked sent with its audit entry when delivered; when it cannot be, the chair is
    told and the ladder carries on at its usual times."""

    def __init__(self, services: BotServices, *, mailer):
        self.s = services
        self.mailer = mailer

    async def deliver(self, effect) -> dict:
        payload = effect.payload
        person = Person(**payload["person"])
        # An attempt cut short may have gone: an email is looked for before anything is sent again.
        if effect.uncertain and person.email and await self.mailer.was_sent(effect.key):
            return {"channel": self.mailer.channel, "found_sent": True}
        if person.aad_object_id or person.user_id:
            activity = card_activity(payload["card"]) if payload.get("card") else MessageFactory.text(
                f"**{payload['title']}**: {payload['line']}")
            try:
                await self.s.proactive.send_personal(user_id=person.user_id or self.s.directory.teams_id_of(person.aad_object_id),
                                                     tenant_id=payload["tenant_id"],
                                                     service_url=payload["service_url"], activity=activity,
                                                     bot_id=payload.get("bot_id"))
                return {"channel": "teams"}
            except Exception as error:  # ConnectorError or the SDK's own: email is the way round it
                if not person.email or unanswered(error):  # taken, perhaps, with no answer: in Teams again, not twice
                    raise
                log.info("chase %s: Teams failed (%s); sending it by email", effect.key, error)
        if not person.email:
            raise DeliveryRefused(f"{person.name} cannot be reached in Teams and has no email address")
        await self.mailer.send(to=person.email, subject=payload["title"], key=effect.key,
                               body=with_link(payload["title"], payload["line"], payload.get("link")))
        return {"channel": self.mailer.channel}

    @staticmethod
    def effect(*, obligation_id: str, due_at: datetime, stage: str, person: Person, title: str, line: str, card, link,
               discussion, about: str | None = None) -> dict:
        """A chase's outbox effect (its fields, for EffectRepository.add or add_many). Its key, once per stage of
        the ladder for the time the obligation is due by: an obligation owed again by another time (an action given
        a new date, a reply asked again for a moved meeting) climbs its ladder again, each stage sent anew (a walk:
        the second "due" had the first's key, so it was taken as sent and never went)."""
        key = ":".join(filter(None, (chase_round(obligation_id, due_at), stage, about)))  # the chases table's, once delivered
        return dict(key=f"chase:{key}", kind="chase", discussion_id=discussion.id,
                    payload={"chase_key": key, "obligation_id": obligation_id, "stage": stage, "person": asdict(person),
                             "recipient": person.email or person.name, "title": title, "line": line, "card": card,
                             "link": link, "tenant_id": discussion.tenant_id,
                             "service_url": service_url_of(discussion.conversation_reference),
                             "bot_id": bot_id_of(discussion.conversation_reference)})

    @staticmethod
    def _chase(effect, now: datetime, **outcome) -> Chase:
        payload = effect.payload
        return Chase(key=payload["chase_key"], obligation_id=payload["obligation_id"],
                     stage=payload["stage"], recipient=payload["recipient"], at=now, attempts=effect.attempts, **outcome)

    @staticmethod
    def by_email_only(effect: dict) -> bool:
        """A chase to someone not in Teams. Its attempt is marked started as it is queued: if the
        process dies before its delivery is recorded, the retry looks for the email before sending
        it again. A chase going by Teams is marked started only as it goes, so a retry after a crash
        counts as repeated only a message that may really have gone."""
        person = effect["payload"]["person"]
        return not (person["aad_object_id"] or person["user_id"])

    def recognisable(self, result: dict) -> bool:
        """An email is found by its Message-ID after a crash (`was_sent`), so it is not sent twice
        even if its delivery was not yet recorded; a Teams message cannot be."""
        return result.get("channel") != "teams"

    async def on_done(self, uow, effect, result: dict) -> None:
        chase = self._chase(effect, self.s.clock.now(), status="sent", channel=result["channel"])
        uow.session.add(chase)
        uow.audit.record(actor="strategy-bot", action=f"chase.{chase.stage}", subject_type="obligation",
                         subject_id=chase.obligation_id, details={"to": chase.recipient, "channel": result["channel"],
                                                                  "discussion_id": effect.discussion_id})

    async def on_failed(self, uow, effect, reason: str) -> None:
        chase = self._chase(effect, self.s.clock.now(), status="failed", error=reason)
        uow.session.add(chase)
        uow.audit.record(actor="strategy-bot", action="chase.undeliverable", subject_type="obligation",
                         subject_id=chase.obligation_id, details={"to": chase.recipient, "error": reason})
        if chase.stage == "undeliverable":
            return  # the notice to the chair itself failed: recorded (effect.failed), nobody left to tell
        discussion = await uow.discussions.get(effect.discussion_id, load=())
        obligation = await uow.obligations.get(chase.obligation_id)
        chair = chair_of(discussion, self.s.directory)
        await uow.effects.add(**self.effect(
            obligation_id=chase.obligation_id, due_at=obligation.due_at, stage="undeliverable", about=chase.stage, person=chair,
            title=f"Could not deliver a chase: {subject(discussion.case_reference, discussion.child_initials)}",
            line=f"{chase.recipient} could not be reached about {obligation.kind.replace('_', ' ')} "
                 f"({effect.attempts} attempts: {reason[:120]}). Please contact them another way.",
            card=None, link=None, discussion=discussion))
