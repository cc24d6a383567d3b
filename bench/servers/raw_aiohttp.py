"""The floor: parse the activity, post the reply to the connector with one shared ClientSession."""
import os

from aiohttp import ClientSession, web


async def messages(request: web.Request) -> web.Response:
    activity = await request.json()
    url = f"{activity['serviceUrl'].rstrip('/')}/v3/conversations/{activity['conversation']['id']}/activities/{activity['id']}"
    reply = {"type": "message", "text": f"echo: {activity.get('text', '')}", "replyToId": activity["id"],
             "conversation": activity["conversation"], "from": activity["recipient"], "recipient": activity["from"]}
    async with request.app["http"].post(url, json=reply) as response:
        await response.read()
    return web.Response(status=201)


async def session(app):
    app["http"] = ClientSession()
    yield
    await app["http"].close()


app = web.Application()
app.cleanup_ctx.append(session)
app.router.add_post("/api/messages", messages)
web.run_app(app, host="127.0.0.1", port=int(os.environ["BENCH_PORT"]), print=None, access_log=None)
