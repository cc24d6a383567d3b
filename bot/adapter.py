"""The Bot Framework adapter, built from settings, with the one turn-error handler."""
from __future__ import annotations

import logging
from copy import copy
from types import SimpleNamespace

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import ActivityTypes, DeliveryModes, InputHints

from . import messages
from .connector import ConnectorError, ConnectorPool, PooledAuthentication

log = logging.getLogger(__name__)


class StrategyTurnContext(TurnContext):
    """botbuilder's TurnContext, copying what it sends shallowly.

    botbuilder deep-copies each activity before stamping the conversation on it, so that the
    caller's activity is left as it was. The stamping replaces top-level fields and nothing edits
    inside them, so a shallow copy leaves the caller's activity just as surely; a card is a tree of
    a few hundred dicts, and deep-copying it was 6 % of a card step (issue 19)."""

    async def send_activities(self, activities):
        if self.activity.delivery_mode == DeliveryModes.expect_replies:  # replies buffered into the response: botbuilder's way
            return await super().send_activities(activities)
        reference = TurnContext.get_conversation_reference(self.activity)
        output = []
        for activity in activities:
            outgoing = TurnContext.apply_conversation_reference(copy(activity), reference)
            outgoing.type = outgoing.type or ActivityTypes.message
            outgoing.input_hint = outgoing.input_hint or InputHints.accepting_input
            outgoing.id = None
            output.append(outgoing)

        async def send():
            responses = await self.adapter.send_activities(self, output)
            if any(activity.type != ActivityTypes.trace for activity in output):
                self.responded = True
            return responses

        return await self._emit(self._on_send_activities, output, send())


class StrategyAdapter(CloudAdapter):
    """botbuilder's CloudAdapter, its turns on StrategyTurnContext."""

    def _create_turn_context(self, activity, claims_identity, oauth_scope, connector_client, user_token_client, logic,
                             connector_factory) -> TurnContext:
        context = StrategyTurnContext(self, activity)
        context.turn_state.update({
            self.BOT_IDENTITY_KEY: claims_identity, self.BOT_CONNECTOR_CLIENT_KEY: connector_client,
            self.USER_TOKEN_CLIENT_KEY: user_token_client, self.BOT_CALLBACK_HANDLER_KEY: logic,
            self.CONNECTOR_FACTORY_KEY: connector_factory, self.BOT_OAUTH_SCOPE_KEY: oauth_scope})
        return context


def create_adapter(settings, *, connectors: ConnectorPool) -> CloudAdapter:
    """botbuilder's CloudAdapter; inbound tokens checked by the SDK, outbound calls through `connectors`."""
    # botbuilder reads its configuration by these attribute names.
    config = SimpleNamespace(
        APP_ID=settings.app_id or None,
        APP_PASSWORD=settings.app_password or None,
        APP_TYPE=settings.app_type,
        APP_TENANTID=settings.app_tenant_id or None,
    )
    adapter = StrategyAdapter(PooledAuthentication(ConfigurationBotFrameworkAuthentication(config, logger=log), connectors))
    adapter.on_turn_error = _on_turn_error
    return adapter


async def _on_turn_error(turn_context: TurnContext, error: Exception) -> None:
    reference = turn_context.activity.id or "unknown"
    conversation = getattr(turn_context.activity.conversation, "id", "?")
    if isinstance(error, ConnectorError):  # Teams refused or could not be reached: the cause, not a traceback
        log.warning("turn failed (activity %s, conversation %s): %s", reference, conversation, error)
    else:
        log.exception("turn failed (activity %s, conversation %s)", reference, conversation, exc_info=error)
    if turn_context.activity.type == "message":
        try:
            await turn_context.send_activity(MessageFactory.text(messages.TURN_FAILED.format(reference=reference)))
        except Exception:  # the connector itself may be what failed; the log line above stands
            log.exception("could not tell the user that turn %s failed", reference)
