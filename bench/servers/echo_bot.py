"""The botbuilder 4.17.1 EchoBot, as Microsoft's sample writes it: CloudAdapter, anonymous."""
import os
from types import SimpleNamespace

from aiohttp import web
from botbuilder.core import ActivityHandler, MessageFactory
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication


class EchoBot(ActivityHandler):
    async def on_message_activity(self, turn_context):
        await turn_context.send_activity(MessageFactory.text(f"echo: {turn_context.activity.text}"))


adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(SimpleNamespace(APP_ID=None, APP_PASSWORD=None)))
bot = EchoBot()


async def messages(request: web.Request) -> web.Response:
    return await adapter.process(request, bot)


app = web.Application()
app.router.add_post("/api/messages", messages)
web.run_app(app, host="127.0.0.1", port=int(os.environ["BENCH_PORT"]), print=None, access_log=None)
