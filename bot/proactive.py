"""Messages the bot sends outside a turn: card updates after slow work, notes to the chair,
personal cards to invitees. A failure is logged and raised to the caller (the outbox, which
decides whether to try again)."""
from __future__ import annotations

import logging

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.schema import Activity, ChannelAccount, ConversationParameters, ConversationReference

from .schema import from_json, to_json

log = logging.getLogger(__name__)


def card_activity(card: dict, *, activity_id: str | None = None) -> Activity:
    activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
    if activity_id:
        activity.id = activity_id
    return activity


class Proactive:
    """One attempt a call: what is worth retrying is retried by the outbox (bot/outbox.py), durably
    and with backoff, and the connector pool itself waits out a 429 (bot/connector.py)."""

    def __init__(self, adapter, app_id: str | None):
        self.adapter = adapter
        self.app_id = app_id or None

    @staticmethod
    async def _logged(what: str, call):
        try:
            return await call()
        except Exception as error:  # ConnectorError for the connector's 4xx/5xx; the SDK's own types otherwise
            log.warning("%s failed: %s", what, error)
            raise

    @staticmethod
    async def _in_turn(start, work):
        """Run `work` in a proactive turn that `start(callback)` opens. botbuilder hands a failure
        inside the turn to the turn-error handler and returns as if all went well; it is raised here,
        so the retries and the caller see it (a chase whose message failed is not marked sent)."""
        outcome = {}

        async def callback(turn_context: TurnContext):
            try:
                outcome["value"] = await work(turn_context)
            except Exception as error:  # carried out of botbuilder's pipeline, raised below
                outcome["error"] = error

        await start(callback)
        if "error" in outcome:
            raise outcome["error"]
        return outcome.get("value")

    def _continue(self, reference: dict):
        conversation = from_json(ConversationReference, reference)
        return lambda callback: self.adapter.continue_conversation(conversation, callback, self.app_id)

    async def update_card(self, reference: dict, activity_id: str, card: dict, *, turn_context: TurnContext | None = None) -> None:
        """Replace a card. From a turn in the card's own conversation (a reply in its thread) the
        turn's connector does it; otherwise a proactive turn of its own."""
        def replace(turn: TurnContext):
            return turn.update_activity(card_activity(card, activity_id=activity_id))

        if turn_context is not None and turn_context.activity.conversation.id == (reference.get("conversation") or {}).get("id"):
            await self._logged("updating a card", lambda: replace(turn_context))
        else:
            await self._logged("updating a card", lambda: self._in_turn(self._continue(reference), replace))

    async def send(self, reference: dict, activity: Activity) -> str | None:
        async def post(turn_context: TurnContext) -> str | None:
            response = await turn_context.send_activity(activity)
            return response.id if response else None

        return await self._logged("sending a message", lambda: self._in_turn(self._continue(reference), post))

    async def send_personal(self, *, user_id: str, tenant_id: str | None, service_url: str, activity: Activity,
                            bot_id: str | None) -> None:
        """A 1:1 message to someone who has not talked to the bot yet (the app must be installed for them).
        `bot_id`: the bot's own account where the discussion was convened; every documented Teams
        createConversation names the bot as well as the member."""
        bot = ChannelAccount(id=bot_id or (f"28:{self.app_id}" if self.app_id else None))
        parameters = ConversationParameters(is_group=False, bot=bot if bot.id else None, members=[ChannelAccount(id=user_id)],
                                            tenant_id=tenant_id, channel_data={"tenant": {"id": tenant_id}})

        def open_chat(callback):
            return self.adapter.create_conversation(self.app_id, callback, parameters, "msteams", service_url)

        await self._logged("opening a personal chat",
                             lambda: self._in_turn(open_chat, lambda turn_context: turn_context.send_activity(activity)))


def channel_of(conversation_id: str) -> str:
    """A conversation without its thread (a channel post's ";messageid=..."): its threads are seen by the same people."""
    return conversation_id.split(";messageid=")[0]


def in_personal_chat(reference: dict | None) -> bool:
    """Whether a stored conversation reference is a personal (1:1) chat; without a conversationType it is
    read as one, as an incoming activity is (bot.convene.personal_chat)."""
    return ((reference or {}).get("conversation") or {}).get("conversationType", "personal") == "personal"


def bot_id_of(reference: dict | None) -> str | None:
    """The bot's own account id in a stored conversation reference ("28:<app id>" in Teams)."""
    return ((reference or {}).get("bot") or {}).get("id")


def service_url_of(reference: dict | None) -> str | None:
    """The connector a stored conversation reference points at (serialised or not, it is spelt both ways)."""
    reference = reference or {}
    return reference.get("serviceUrl") or reference.get("service_url")


def reference_of(turn_context: TurnContext) -> dict:
    reference = to_json(TurnContext.get_conversation_reference(turn_context.activity))
    tenant = (turn_context.activity.channel_data or {}).get("tenant", {}).get("id")
    if tenant:  # get_conversation_reference drops it (PLATFORM_NOTES.md)
        reference.setdefault("conversation", {})["tenantId"] = tenant
    return reference
