"""The Teams activity handler: thin. It turns activities into calls on the core and the core's
answers into replies; every command is routed through one table."""
from __future__ import annotations

import logging

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import ChannelAccount

from protocol import Profile

from . import messages
from .commands import closest, parse

log = logging.getLogger(__name__)


class StrategyBot(TeamsActivityHandler):
    def __init__(self, *, profile: Profile, local_mode: bool):
        self.profile = profile
        self.local_mode = local_mode
        self._routes = {"help": self._help, "?": self._help}

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        command = parse(turn_context.activity.text)
        if not command.name:
            await turn_context.send_activity(MessageFactory.text(messages.empty_text()))
            return
        route = self._routes.get(command.name)
        if route is None:
            text = messages.unknown_text(closest(command.name, list(self._routes)))
            await turn_context.send_activity(MessageFactory.text(text))
            return
        await route(turn_context, command.args)

    async def on_members_added_activity(self, members_added: list[ChannelAccount], turn_context: TurnContext) -> None:
        bot_id = turn_context.activity.recipient.id
        if any(member.id == bot_id for member in members_added):
            await turn_context.send_activity(MessageFactory.text(messages.WELCOME))

    async def _help(self, turn_context: TurnContext, _args: str) -> None:
        text = messages.help_text(self.profile, local_mode=self.local_mode)
        await turn_context.send_activity(MessageFactory.text(text))
