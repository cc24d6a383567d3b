"""The Microsoft 365 Agents SDK (1.9) echo agent, as its quickstart writes it, anonymous. Runs in
its own virtualenv (`make bench` makes .venv-agents): the SDK pins versions strategy-bot does not."""
import os
from os import environ

from aiohttp.web import Application, Request, Response, run_app
from microsoft_agents.activity import load_configuration_from_env
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_middleware, start_agent_process
from microsoft_agents.hosting.core import AgentApplication, Authorization, MemoryStorage, TurnContext, TurnState

# Anonymous, as the other services here: no app id, no tokens (the quickstart reads the same key from .env).
environ.setdefault("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED", "true")
config = load_configuration_from_env(environ)
STORAGE = MemoryStorage()
CONNECTION_MANAGER = MsalConnectionManager(**config)
ADAPTER = CloudAdapter(connection_manager=CONNECTION_MANAGER)
AUTHORIZATION = Authorization(STORAGE, CONNECTION_MANAGER, **config)
AGENT_APP = AgentApplication[TurnState](storage=STORAGE, adapter=ADAPTER, authorization=AUTHORIZATION, **config)


@AGENT_APP.activity("message")
async def on_message(context: TurnContext, _state: TurnState):
    await context.send_activity(f"echo: {context.activity.text}")


async def entry_point(request: Request) -> Response:
    return await start_agent_process(request, request.app["agent_app"], request.app["adapter"])


app = Application(middlewares=[jwt_authorization_middleware])
app.router.add_post("/api/messages", entry_point)
app["agent_configuration"] = CONNECTION_MANAGER.get_default_connection_configuration()
app["agent_app"], app["adapter"] = AGENT_APP, ADAPTER
run_app(app, host="127.0.0.1", port=int(os.environ["BENCH_PORT"]), print=None, access_log=None)
