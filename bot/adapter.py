"""The Bot Framework adapter, built from settings, with the one turn-error handler."""
from __future__ import annotations

import logging
from types import SimpleNamespace

from botbuilder.core import InvokeResponse, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes, DeliveryModes, InputHints
from botframework.connector import Channels

from cards.elements import execute
from cards.wizard import message_card

from . import messages, signing_keys
from .connector import ConnectorError, ConnectorPool, PooledAuthentication

log = logging.getLogger(__name__)


def _shallow_copy(model):
    """copy.copy of an SDK model, without its trip through __reduce_ex__ (a tenth of the time)."""
    if model is None:
        return None
    copied = object.__new__(type(model))
    copied.__dict__.update(model.__dict__)
    return copied


_NO_REPLY_TO = (Channels.direct_line, Channels.webchat)


class StrategyTurnContext(TurnContext):
    """botbuilder's TurnContext, sending as it does with less copying and relaying (issue 19: about
    a tenth of a `help` turn's CPU).

    botbuilder deep-copies each activity before addressing it, so that the caller's activity is
    left as it was; addressing replaces top-level fields and nothing edits inside them, so a
    shallow copy leaves it as surely (a card is a tree of a few hundred dicts: its deep copy was
    6 % of a card step). The address is botbuilder's (`get_conversation_reference` then
    `apply_conversation_reference`), written onto the activity directly. With no send handler
    registered (the bot registers none) the activities go straight to the adapter.
    tests/test_bot/test_turn_context.py holds what is sent equal to botbuilder's own TurnContext."""

    async def send_activities(self, activities):
        if self.activity.delivery_mode == DeliveryModes.expect_replies:  # replies buffered into the response: botbuilder's way
            return await super().send_activities(activities)
        output = [self._addressed(activity) for activity in activities]

        async def send():
            responses = await self.adapter.send_activities(self, output)
            if any(activity.type != ActivityTypes.trace for activity in output):
                self.responded = True
            return responses

        if not self._on_send_activities:
            return await send()
        return await self._emit(self._on_send_activities, output, send())

    def _addressed(self, activity):
        inbound, outgoing = self.activity, _shallow_copy(activity)
        outgoing.channel_id, outgoing.locale, outgoing.service_url = inbound.channel_id, inbound.locale, inbound.service_url
        outgoing.conversation = _shallow_copy(inbound.conversation)
        outgoing.from_property, outgoing.recipient = _shallow_copy(inbound.recipient), _shallow_copy(inbound.from_property)
        if inbound.id and inbound.type != ActivityTypes.conversation_update and inbound.channel_id not in _NO_REPLY_TO:
            outgoing.reply_to_id = inbound.id
        outgoing.type = outgoing.type or ActivityTypes.message
        outgoing.input_hint = outgoing.input_hint or InputHints.accepting_input
        outgoing.id = None
        return outgoing


class StrategyAdapter(CloudAdapter):
    """botbuilder's CloudAdapter, its turns on StrategyTurnContext, and straight to the bot when no
    middleware is registered (the bot registers none; botbuilder's relay through its empty
    middleware set is two more coroutines at every step of a turn)."""

    def _create_turn_context(self, activity, claims_identity, oauth_scope, connector_client, user_token_client, logic,
                             connector_factory) -> TurnContext:
        context = StrategyTurnContext(self, activity)
        context.turn_state.update({
            self.BOT_IDENTITY_KEY: claims_identity, self.BOT_CONNECTOR_CLIENT_KEY: connector_client,
            self.USER_TOKEN_CLIENT_KEY: user_token_client, self.BOT_CALLBACK_HANDLER_KEY: logic,
            self.CONNECTOR_FACTORY_KEY: connector_factory, self.BOT_OAUTH_SCOPE_KEY: oauth_scope})
        return context

    has_middleware = False

    def use(self, middleware):
        self.has_middleware = True
        return super().use(middleware)

    async def run_pipeline(self, context: TurnContext, callback=None):
        if self.has_middleware or context.activity is None or callback is None:
            return await super().run_pipeline(context, callback)
        try:
            return await callback(context)
        except Exception as error:  # as botbuilder: to the turn-error handler, or raised when there is none
            if self.on_turn_error is None:
                raise
            await self.on_turn_error(context, error)


def create_adapter(settings, *, connectors: ConnectorPool) -> CloudAdapter:
    """botbuilder's CloudAdapter; inbound tokens checked by the SDK, outbound calls through `connectors`."""
    # botbuilder reads its configuration by these attribute names.
    config = SimpleNamespace(
        APP_ID=settings.app_id or None,
        APP_PASSWORD=settings.app_password or None,
        APP_TYPE=settings.app_type,
        APP_TENANTID=settings.app_tenant_id or None,
    )
    signing_keys.install()  # botbuilder's own fetch of the keys blocks the event loop, with no time limit
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
        except ConnectorError as failure:  # the connector itself is what failed: its words, not a traceback
            log.warning("could not tell the user that turn %s failed: %s", reference, failure)
        except Exception:  # anything else is a fault of ours: its traceback, to find it
            log.exception("could not tell the user that turn %s failed", reference)
    elif turn_context.activity.type == ActivityTypes.invoke and turn_context.activity.name == "adaptiveCard/action":
        # A card press: the presser is told on the card (botbuilder would answer 501, and Teams shows a bare error),
        # with the press itself as "Try again": what was typed with it rides in the button, never lost.
        said = message_card("Something went wrong", messages.TURN_FAILED.format(reference=reference), color="Attention",
                            actions=_the_press_again(turn_context.activity.value))
        await turn_context.send_activity(Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(
            status=200, body={"statusCode": 200, "type": "application/vnd.microsoft.card.adaptive", "value": said})))


def _the_press_again(value) -> list:
    action = value.get("action") if isinstance(value, dict) else None
    verb = action.get("verb") if isinstance(action, dict) else None
    if not isinstance(verb, str) or not verb:
        return []
    data = action.get("data") if isinstance(action.get("data"), dict) else {}
    return [execute("Try again", verb, {k: v for k, v in data.items() if k != "verb"})]
