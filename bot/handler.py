"""The Teams activity handler: thin. It turns activities into calls on the flows and their
answers into replies. Commands and card verbs are each routed through one table."""
from __future__ import annotations

import logging
import re
from collections import OrderedDict
from datetime import timedelta

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import InvokeResponse

from sqlalchemy.orm.exc import StaleDataError

from cards import wizard as cards
from cards.words import agency as agency_name
from storage.unit_of_work import RepeatedDelivery, answering

from . import commands, messages
from .access import ChairsGroupUnavailable
from .commands import closest, parse
from .actions import VERB_STATUS, ActionsFlow
from .convene import ConveneFlow, delivery_of, personal_chat
from .clocks import VERBS as CLOCK_VERBS
from .clocks import ClocksFlow
from .export import ExportFlow
from .meetings import CALENDAR_AGAIN, MeetingsFlow
from .proactive import card_activity, channel_of
from .record import RecordFlow
from .rsvp import RSVP_VERBS, RsvpFlow
from .services import BotServices

log = logging.getLogger(__name__)
OVERDUE_LISTED = 40  # `overdue` lists the most urgent this many: a Teams message holds about 28 KB, and a chair reads the top
CARD_ACTION = "adaptiveCard/action"
FILE_CONSENT = "fileConsent/invoke"  # the record's DOCX and PDF offered in the chair's chat (bot/export.py)
REPORT = re.compile(r"^a\d{1,3}$")  # "A3 by 14/12": a report back on action 3


# "A 3 done", with a space (a walk's got "Type help"): a report only when a report's words follow, so that "a 3 week
# plan" in a recorded discussion's thread, people talking to each other, is not answered "I didn't understand that".
SPACED_REPORT = re.compile(r"^\d{1,3}(?:\s*:\s*|\s+)(?:done|complete|by\s|not required|further|needs further)", re.IGNORECASE)


def _for_an_action(command) -> bool:
    """A report on an action ("A3 done", "A 3 done"), or an information update."""
    return bool(REPORT.match(command.name)) or command.name == "update" or command.name == "a" and bool(SPACED_REPORT.match(command.args))


def _file_consent_answer(value) -> bool:
    """A file consent reply botbuilder can read: accepted with its upload details, or declined."""
    if not isinstance(value, dict) or value.get("action") not in ("accept", "decline"):
        return False
    upload = value.get("uploadInfo")
    return value["action"] == "decline" or (isinstance(upload, dict) and isinstance(upload.get("uploadUrl"), str))


def _unsupported() -> dict:
    """A press the bot does not know (an old card, a forged or garbled invoke): said politely."""
    return cards.message_card("Sorry", "That button is no longer supported. Type **help** to start again.")


class RecentlyAnswered:
    """The typed messages this process answered lately without writing anything, by chat and id, so that
    Teams delivering one again (it retries a slow turn) is not answered twice. What writes is recognised
    by the database instead (`storage.unit_of_work.answering`), on every replica and after a restart;
    for a read-only answer a second copy is only noise, and not worth a write on every `help`."""

    def __init__(self, remembered: int = 4096):
        self._seen: OrderedDict[tuple, None] = OrderedDict()
        self._remembered = remembered

    @staticmethod
    def key(activity) -> tuple | None:
        conversation = getattr(activity.conversation, "id", None)
        return (conversation, activity.id) if activity.id and conversation else None

    def first_time(self, key: tuple | None) -> bool:
        if key is None:  # nothing to know it by again: answered
            return True
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > self._remembered:
            self._seen.popitem(last=False)
        return True

    def forget(self, key: tuple | None) -> None:
        """A turn that failed: its redelivery is answered."""
        self._seen.pop(key, None)


class StrategyBot(TeamsActivityHandler):
    # The commands people type, and the method that answers each (the manifest lists the same).
    COMMANDS = {"help": "_help", "?": "_help", "strategy": "_strategy", "contacts": "_contacts", "record": "_record",
                "actions": "_actions", "mine": "_mine", "overdue": "_overdue", "snooze": "_snooze"}
    WRITES = frozenset({"strategy", "record", "snooze"})  # recognised again by the database when delivered twice

    def __init__(self, services: BotServices, *, records_directory):
        self.s = services
        self.export = ExportFlow(services, directory=records_directory)
        self.clocks = ClocksFlow(services)
        self.meetings = meetings = MeetingsFlow(services)
        self.convene = ConveneFlow(services, meetings)
        self.rsvp = RsvpFlow(services, meetings)
        self.actions = ActionsFlow(services)
        self.record = RecordFlow(services, self.actions)
        meetings.record_card = self.record.step_card
        self._commands = {name: getattr(self, method) for name, method in self.COMMANDS.items()}
        self._help_text = messages.help_text(services.profile, local_mode=services.local_mode)  # the same on every turn
        self._answered = RecentlyAnswered()

    # ---- messages ----------------------------------------------------------------------------
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        value = turn_context.activity.value
        if isinstance(value, dict) and value.get("verb"):  # Action.Submit fallback from an older client
            card = await self._card_action(turn_context, value["verb"], value)
            if turn_context.activity.reply_to_id:
                await turn_context.update_activity(card_activity(card, activity_id=turn_context.activity.reply_to_id))
            return
        command = parse(turn_context.activity.text)
        if not addressed_to_bot(turn_context):
            # With resource-specific consent the bot reads every message in a channel or group chat; of those not
            # meant for it, only an agency's report in a recorded discussion's thread is its business (the manifest
            # says so): the rest is people talking to each other, and gets no answer.
            if _for_an_action(command) and not addressed_to_another_bot(turn_context):
                await self.actions.on_text(turn_context, f"{command.name} {command.args}")
            return
        if _for_an_action(command):
            if await self.actions.on_text(turn_context, f"{command.name} {command.args}"):
                return
            # Not in a recorded discussion's thread (a walk posted `A1 done` at the channel's top level): where it goes.
            where = messages.UPDATE_WHERE if command.name == "update" else messages.REPORT_WHERE
            await self._answer_once(turn_context, lambda: turn_context.send_activity(MessageFactory.text(where)))
            return
        route = self._commands.get(command.name)
        if route is not None and command.name in self.WRITES:
            await route(turn_context, command.args)
        elif route is not None:
            await self._answer_once(turn_context, lambda: route(turn_context, command.args))
        else:
            await self._answer_once(turn_context, lambda: turn_context.send_activity(MessageFactory.text(self._not_a_command(command))))

    def _not_a_command(self, command) -> str:
        if not command.name:
            return messages.empty_text()
        return messages.NOT_COMMANDS.get(command.name) or messages.unknown_text(closest(command.name, list(self._commands)))

    async def _answer_once(self, turn_context: TurnContext, answer) -> None:
        """A read-only answer, not given again to the same message delivered twice (`RecentlyAnswered`)."""
        key = RecentlyAnswered.key(turn_context.activity)
        if not self._answered.first_time(key):
            log.info("message %s already answered: a redelivery, not answered again", turn_context.activity.id)
            return
        try:
            await answer()
        except BaseException:
            self._answered.forget(key)
            raise

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        """Only the bot's own arrival matters here (the welcome). botbuilder's Teams dispatch would
        fetch every other member added from the connector, and fail the turn when it cannot."""
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        if bot_id and any(member.id == bot_id for member in activity.members_added or []):
            welcome = messages.WELCOME if personal_chat(turn_context) else messages.WELCOME_SHARED
            await turn_context.send_activity(MessageFactory.text(welcome))

    async def _help(self, turn_context: TurnContext, _args: str) -> None:
        await turn_context.send_activity(MessageFactory.text(self._help_text))

    async def _strategy(self, turn_context: TurnContext, _args: str) -> None:
        await self.convene.start(turn_context)

    async def _record(self, turn_context: TurnContext, args: str) -> None:
        word, _, rest = args.partition(" ")
        if word.lower() == "export":
            await self.export.export(turn_context, rest.strip().upper())
        elif finalised := await self.record.start(turn_context, args):  # nothing to write: its card, as Open shows it
            await turn_context.send_activity(card_activity(await self.rsvp.open(turn_context, {"discussion_id": finalised})))

    async def on_teams_file_consent_accept(self, turn_context: TurnContext, file_consent_card_response) -> None:
        await self.export.accepted(turn_context, file_consent_card_response)

    async def on_teams_file_consent_decline(self, turn_context: TurnContext, file_consent_card_response) -> None:
        await turn_context.send_activity(MessageFactory.text("Not saved. Type `record export` when you want it."))

    async def _actions(self, turn_context: TurnContext, _args: str) -> None:
        await turn_context.send_activity(MessageFactory.text(await self.actions.list_actions(turn_context)))

    async def _overdue(self, turn_context: TurnContext, _args: str) -> None:
        if not await self._chairs_only(turn_context, "the overdue list"):
            return
        person = turn_context.activity.from_property
        now = self.s.clock.now()
        async with self.s.uow() as uow:
            overdue = await uow.obligations.overdue_for_chair(person.aad_object_id or person.id, now)
            shared = not personal_chat(turn_context)
            discussions = {o.discussion_id: await uow.discussions.get(o.discussion_id) for o in overdue}
            if shared:  # a channel or group chat: only the discussions held there (a walk saw every case listed to a group)
                here = channel_of(turn_context.activity.conversation.id)
                overdue = [o for o in overdue if channel_of(discussions[o.discussion_id].conversation_id or "") == here]
            lines = [messages.overdue_line(o, discussion=discussions[o.discussion_id], chases=await uow.chases.for_obligation(o.id),
                                           calendar=self.s.calendar, local_now=self.s.calendar.local(now), shared=shared) for o in overdue[:OVERDUE_LISTED]]
        if len(overdue) > OVERDUE_LISTED:  # a re-check: 200 breached items made one message of 51 KB, past what Teams takes
            lines.append(f"…and {len(overdue) - OVERDUE_LISTED} more, less urgent: the Oversight tab's Overdue view lists every one.")
        elsewhere = "Type `overdue` to me in a personal chat for all of them."
        nothing = (f"Nothing is overdue on the discussions you chair held here. {elsewhere}" if shared
                   else "Nothing is overdue on the discussions you chair.")
        # In a channel the list is of this channel's discussions only: said, so that nobody takes it for all (a walk).
        await turn_context.send_activity(MessageFactory.text(
            messages.paragraphs(["**Overdue, most urgent first**", *lines, *([f"Only discussions held here. {elsewhere}"] if shared else [])])
            if lines else nothing))

    async def _snooze(self, turn_context: TurnContext, args: str) -> None:
        """`snooze CR-555 A1 2 days: waiting for the court date` (chairs, their own discussions)."""
        person = turn_context.activity.from_property
        parsed = commands.parse_snooze(args)
        if isinstance(parsed, str):
            await turn_context.send_activity(MessageFactory.text(parsed))
            return
        now = self.s.clock.now()
        async with self.s.uow() as uow:
            found = await uow.obligations.overdue_for_chair(person.aad_object_id or person.id, now + parsed["for"] + timedelta(days=3650))
            discussions = {o.discussion_id: await uow.discussions.get(o.discussion_id) for o in found}
            named = [o for o in found if discussions[o.discussion_id].case_reference == parsed["case"]
                     and commands.names(o, parsed["what"])]
            if not named:
                await turn_context.send_activity(MessageFactory.text(
                    f"I can't find {parsed['said']} on {parsed['case']} among your discussions. Type `overdue` to see them, "
                    f"and name one as it is listed there, e.g. `snooze {parsed['case']} information update police 2 days: reason`."))
                return
            if len(named) > 1:  # a walk: "information update" snoozed the school's, and the police one went on being chased
                await turn_context.send_activity(MessageFactory.text(
                    f"{parsed['case']} has more than one {parsed['said']}: say whose, e.g. `snooze {parsed['case']} "
                    f"{parsed['said']} {agency_name(named[0].owner_agency).split(' (')[0].lower()} 2 days: reason`.\n\n"
                    + "\n".join(messages.item(f"{parsed['said']} ({agency_name(o.owner_agency)})") for o in named)))
                return
            [target] = named
            await uow.obligations.snooze(target.id, until=now + parsed["for"], reason=parsed["reason"], now=now)
            uow.audit.record(actor=person.aad_object_id or person.id, action="obligation.snoozed", subject_type="obligation",
                             subject_id=target.id, details={"until": target.snoozed_until.isoformat(), "reason": parsed["reason"]})
            if not await uow.commit_once(delivery_of(turn_context)):  # a two-replica trial: a retry moved its end later
                log.info("`snooze` %s already answered: nothing changed or sent again", turn_context.activity.id)
                return
        until = self.s.calendar.local(target.snoozed_until)
        await turn_context.send_activity(MessageFactory.text(
            f"{parsed['case']} {parsed['said']}"
            f"{f' ({agency_name(target.owner_agency)})' if target.kind != 'action' and target.owner_agency else ''}: "
            f"no chasing until {until:%d/%m/%Y %H:%M}. Reason recorded."))

    async def _mine(self, turn_context: TurnContext, _args: str) -> None:
        await turn_context.send_activity(MessageFactory.text(await self.actions.mine(turn_context)))

    async def _chairs_only(self, turn_context: TurnContext, what: str) -> bool:
        person = turn_context.activity.from_property
        try:
            if await self.s.access.may_convene(person.aad_object_id or person.id):
                return True
        except ChairsGroupUnavailable as problem:
            await turn_context.send_activity(MessageFactory.text(problem.words()))
            return False
        await turn_context.send_activity(MessageFactory.text(f"Sorry, {what} is for chairs."))
        return False

    async def _contacts(self, turn_context: TurnContext, _args: str) -> None:
        if not await self._chairs_only(turn_context, "the contacts directory"):
            return
        await turn_context.send_activity(MessageFactory.text(messages.contacts_text(self.s.directory)))

    # ---- card actions (Action.Execute) -------------------------------------------------------
    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        name = turn_context.activity.name
        if name == FILE_CONSENT and _file_consent_answer(turn_context.activity.value):
            return await super().on_invoke_activity(turn_context)
        if name != CARD_ACTION:  # botbuilder answers the rest 501; an invoke this bot does not offer is a plain 400
            log.info("refused an invoke the bot does not offer: %r", name)
            return InvokeResponse(status=400, body={"error": "this bot does not handle that invoke"})
        action = (turn_context.activity.value or {}).get("action") or {}
        card = await self._card_action(turn_context, action.get("verb") or "", action.get("data") or {})
        # A plain dict body: our HTTP edge serialises it once (botbuilder 4.17.1 would do it twice and crash).
        return InvokeResponse(status=200, body={"statusCode": 200, "type": "application/vnd.microsoft.card.adaptive", "value": card})

    async def _card_action(self, turn_context: TurnContext, verb: str, data: dict) -> dict:
        """A press is applied once. A press from the wizard's or the record's cards is applied once by
        the step and version the card carries (convene.stale_press): applying it moves them on, so
        a redelivery or a double-click's second press comes from an older card and changes nothing.
        Any other press is applied once by its activity id, recorded with its changes (a redelivery
        is refused at commit). Turns that change a discussion wait for each other (a row lock), and
        one that still meets a concurrent change changes nothing. Either way the presser gets the
        card as it now is."""
        versioned = isinstance(data, dict) and ("step" in data or "version" in data)
        with answering(None if versioned else delivery_of(turn_context)):
            try:
                return await self._route(turn_context, verb, data)
            except (RepeatedDelivery, StaleDataError) as repeat:
                log.info("card press %s (%s) already applied or overtaken: showing the current card", verb, type(repeat).__name__)
        return await self._current_card(turn_context, verb, data)

    async def _current_card(self, turn_context: TurnContext, verb: str, data: dict) -> dict:
        if not isinstance(data, dict):
            return _unsupported()
        if verb.startswith("convene."):
            return await self.convene.act(turn_context, "convene.open", data)
        if verb.startswith("record.") and verb not in ("record.distributed", "record.export"):
            return await self.record.act(turn_context, "record.open", data)
        if verb.startswith("action."):
            return await self.actions.current_card(turn_context, data)
        if verb.startswith("clock."):
            return await self.clocks.act(turn_context, "clock.open", data)
        return await self.rsvp.open(turn_context, data)

    async def _route(self, turn_context: TurnContext, verb: str, data: dict) -> dict:
        if verb == "record.distributed":
            return await self.export.distributed(turn_context, data)
        if verb == "record.export":  # this card's discussion only, and said as it went (the hostile trial: it said so when it had not)
            if await self.export.export(turn_context, "", discussion_id=str(data.get("discussion_id", ""))):
                return cards.message_card("Record", "The record (DOCX and PDF) is offered in your personal chat with me.")
            return cards.message_card("Not exported", "Only the chair of a discussion whose record is finalised can export it.")
        if verb.startswith("record."):
            return await self.record.act(turn_context, verb, data)
        if verb == "action.open":  # a copy of the action's card redrawn (refresh): no report
            return await self.actions.open(turn_context, data)
        if verb in VERB_STATUS:
            return await self.actions.on_button(turn_context, verb, data)
        if verb.startswith("convene."):
            return await self.convene.act(turn_context, verb, data)
        if verb == "discussion.open":
            return await self.rsvp.open(turn_context, data)
        if verb in ("discussion.invite", "discussion.move", "discussion.cancel", CALENDAR_AGAIN):
            return await self.rsvp.change_meeting(turn_context, verb, data)
        if verb in RSVP_VERBS:  # (a walk's made-up rsvp.information_only was a KeyError, and "Something went wrong")
            return await self.rsvp.reply(turn_context, verb, data)
        if verb in CLOCK_VERBS:
            return await self.clocks.act(turn_context, verb, data)
        log.warning("unknown card verb %r", verb)
        return _unsupported()


def _mentioned_ids(activity) -> list[str]:
    mentioned = ((e.additional_properties or {}).get("mentioned") for e in activity.entities or [] if e.type == "mention")
    return [m["id"] for m in mentioned if isinstance(m, dict) and isinstance(m.get("id"), str)]


def addressed_to_another_bot(turn_context: TurnContext) -> bool:
    """A message @mentioning another bot ("@Planner A1 done") is a command to it, not a report to
    this one, though the bot reads it (resource-specific consent). A bot's Teams id starts "28:",
    a person's "29:": "@Priya A1 done" is still a report."""
    return any(m.startswith("28:") for m in _mentioned_ids(turn_context.activity))


def addressed_to_bot(turn_context: TurnContext) -> bool:
    """A 1:1 chat, an @mention of the bot, or a slash command: what is meant for the bot in a shared conversation."""
    activity = turn_context.activity
    if personal_chat(turn_context) or (activity.text or "").lstrip().startswith("/"):
        return True
    bot_id = activity.recipient.id if activity.recipient else None
    return bot_id is not None and bot_id in _mentioned_ids(activity)
