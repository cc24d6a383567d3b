"""The Bot Framework adapter, built from settings, with the one turn-error handler."""
from __future__ import annotations

import logging
from types import SimpleNamespace

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

from . import messages
from .connector import ConnectorError, ConnectorPool, PooledAuthentication

log = logging.getLogger(__name__)


def create_adapter(settings, *, connectors: ConnectorPool) -> CloudAdapter:
    """botbuilder's CloudAdapter; inbound tokens checked by the SDK, outbound calls through `connectors`."""
    # botbuilder reads its configuration by these attribute names.
    config = SimpleNamespace(
        APP_ID=settings.app_id or None,
        APP_PASSWORD=settings.app_password or None,
        APP_TYPE=settings.app_type,
        APP_TENANTID=settings.app_tenant_id or None,
    )
    adapter = CloudAdapter(PooledAuthentication(ConfigurationBotFrameworkAuthentication(config, logger=log), connectors))
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
