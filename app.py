"""Composition root: settings -> storage -> calendar -> bot -> web app.

`init_app(settings)` builds everything; nothing happens at import. Each resource is a cleanup
context that creates, yields and disposes, so shutdown is clean and tests can build many apps.
Later issues add the meeting provider and the scheduler here, in that order.
"""
from __future__ import annotations

import logging
import sys

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.adapter import create_adapter
from bot.endpoint import messages_endpoint
from bot.handler import StrategyBot
from protocol import Profile, load_profile
from scheduling.calendar import WorkingCalendar, calendar_for
from scheduling.clock import Clock, SystemClock
from settings import Settings, SettingsError, load_settings
from storage import database

log = logging.getLogger("strategy-bot")

SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
PROFILE = web.AppKey("profile", Profile)
CALENDAR = web.AppKey("calendar", WorkingCalendar)
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONS = web.AppKey("sessions", async_sessionmaker)

LOCAL_MODE_WARNING = """
************************************************************************
*  LOCAL MODE: no MICROSOFT_APP_ID is set.                             *
*  Requests are accepted WITHOUT authentication. Use this only on a    *
*  laptop with the Agents Playground or the tests, never with real     *
*  children's data. Set MICROSOFT_APP_ID / MICROSOFT_APP_PASSWORD.     *
************************************************************************"""


async def _storage(app: web.Application):
    engine = database.create_engine(app[SETTINGS].sqlalchemy_url)
    app[ENGINE] = engine
    app[SESSIONS] = database.session_factory(engine)
    yield
    await engine.dispose()


async def healthz(request: web.Request) -> web.Response:
    try:
        await database.ping(request.app[ENGINE])
    except Exception as error:  # any database failure means "not healthy", with the reason
        log.warning("health check: database unavailable: %s", error)
        return web.json_response({"status": "unhealthy", "database": "unavailable"}, status=503)
    settings = request.app[SETTINGS]
    return web.json_response({
        "status": "ok",
        "database": "ok",
        "mode": "local" if settings.local_mode else "azure",
        "profile": request.app[PROFILE].id,
    })


def init_app(settings: Settings, *, clock: Clock | None = None) -> web.Application:
    profile = load_profile(settings.protocol_profile)
    app = web.Application(client_max_size=settings.max_body_bytes)
    app[SETTINGS] = settings
    app[CLOCK] = clock or SystemClock()
    app[PROFILE] = profile
    app[CALENDAR] = calendar_for(profile, subdivision=settings.holiday_region, time_zone=settings.time_zone)
    app.cleanup_ctx.append(_storage)

    bot = StrategyBot(profile=profile, local_mode=settings.local_mode)
    adapter = create_adapter(settings)
    app.router.add_post("/api/messages", messages_endpoint(adapter=adapter, bot=bot, settings=settings))
    app.router.add_get("/healthz", healthz)
    return app


def main() -> int:
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"strategy-bot: configuration error: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if settings.local_mode:
        log.warning(LOCAL_MODE_WARNING)
    if not settings.graph_configured:
        log.warning("Microsoft Graph is not configured: meeting invitations will be written as .ics files; nothing is sent.")
    log.info("profile %s, database %s, listening on http://%s:%s/api/messages",
             settings.protocol_profile, settings.sqlalchemy_url.split("@")[-1], settings.host, settings.port)
    web.run_app(init_app(settings), host=settings.host, port=settings.port, shutdown_timeout=10, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
