"""Messages the bot sends outside a turn: card updates after slow work, notes to the chair,
personal cards to invitees. Connector failures are retried, then logged and raised to the caller."""
from __future__ import annotations

import logging

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationParameters, ConversationReference

log = logging.getLogger(__name__)


def card_activity(card: dict, *, activity_id: str | None = None) -> Activity:
    activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
    if activity_id:
        activity.id = activity_id
    return activity


class Proactive:
    def __init__(self, adapter, app_id: str | None, *, sleep, attempts: int = 3):
        self.adapter = adapter
        self.app_id = app_id or None
        self.sleep = sleep
        self.attempts = attempts

    async def _retrying(self, what: str, call):
        for attempt in range(1, self.attempts + 1):
            try:
                return await call()
            except Exception as error:  # msrest raises its own types for connector 4xx/5xx
                if attempt == self.attempts:
                    log.error("%s failed after %d attempts: %s", what, attempt, error)
                    raise
                await self.sleep(2 ** attempt)

    async def _continue(self, reference: dict, callback) -> None:
        await self.adapter.continue_conversation(ConversationReference().deserialize(reference), callback, self.app_id)

    async def update_card(self, reference: dict, activity_id: str, card: dict, *, turn_context: TurnContext | None = None) -> None:
        """Replace a card. From a turn in the card's own conversation (a reply in its thread) the
        turn's connector does it; otherwise a proactive turn of its own."""
        if turn_context is not None and turn_context.activity.conversation.id == (reference.get("conversation") or {}).get("id"):
            await self._retrying("updating a card",
                                 lambda: turn_context.update_activity(card_activity(card, activity_id=activity_id)))
            return

        async def callback(proactive_turn: TurnContext):
            await proactive_turn.update_activity(card_activity(card, activity_id=activity_id))

        await self._retrying("updating a card", lambda: self._continue(reference, callback))

    async def send(self, reference: dict, activity: Activity) -> str | None:
        sent = {}

        async def callback(turn_context: TurnContext):
            response = await turn_context.send_activity(activity)
            sent["id"] = response.id if response else None

        await self._retrying("sending a message", lambda: self._continue(reference, callback))
        return sent.get("id")

    async def send_personal(self, *, user_id: str, tenant_id: str | None, service_url: str, activity: Activity) -> None:
        """A 1:1 message to someone who has not talked to the bot yet (the app must be installed for them)."""
        parameters = ConversationParameters(is_group=False, members=[ChannelAccount(id=user_id)], tenant_id=tenant_id,
                                            channel_data={"tenant": {"id": tenant_id}})

        async def callback(turn_context: TurnContext):
            await turn_context.send_activity(activity)

        await self._retrying("opening a personal chat",
                             lambda: self.adapter.create_conversation(self.app_id, callback, parameters, "msteams", service_url))


def reference_of(turn_context: TurnContext) -> dict:
    reference = TurnContext.get_conversation_reference(turn_context.activity).serialize()
    tenant = (turn_context.activity.channel_data or {}).get("tenant", {}).get("id")
    if tenant:  # get_conversation_reference drops it (PLATFORM_NOTES.md)
        reference.setdefault("conversation", {})["tenantId"] = tenant
    return reference
