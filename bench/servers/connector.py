"""A local Bot Framework connector for the benchmarks: accepts replies and answers at once."""
import itertools
import sys

from aiohttp import web

ids = itertools.count(1)


async def reply(request: web.Request) -> web.Response:
    await request.read()
    return web.json_response({"id": f"r{next(ids)}"})


app = web.Application()
app.router.add_route("*", "/v3/conversations/{conversation}/activities", reply)
app.router.add_route("*", "/v3/conversations/{conversation}/activities/{activity}", reply)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
