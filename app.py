"""Composition root: settings -> storage -> calendar -> meetings -> bot -> scheduler -> web app.

`init_app(settings)` builds everything; nothing happens at import. Resources that need closing
are cleanup contexts (create, yield, dispose), so shutdown is clean and tests can build many apps.
"""
from __future__ import annotations

import asyncio
import gc
import logging
import sys

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

import logs

from bot import local_guard
from bot.access import Access
from bot.adapter import create_adapter
from bot.connector import ConnectorPool
from bot.chasers import ChaseDelivery, Chaser
from bot.effects import Email, TeamsPersonal, TeamsPost, TeamsUpdate
from bot.endpoint import messages_endpoint
from bot.handler import StrategyBot
from bot.links import Links
from bot.mailer import FileMailer
from bot.meetings import MeetingChange, MeetingCreation, MeetingWithdrawal
from bot.boots import this_boot
from bot.outbox import Outbox
from bot.proactive import Proactive
from bot.respond_page import RespondPage
from bot.services import BotServices
from protocol import Profile, load_profile
from scheduling.calendar import calendar_for
from scheduling.clock import Clock, SystemClock, TravellingClock
from scheduling.jobs import create_scheduler
from scheduling.meetings import MeetingProvider
from settings import Settings, SettingsError, check_listening, load_settings
from storage import database
from storage.directory import load_directory
from storage.unit_of_work import UnitOfWork

log = logging.getLogger("strategy-bot")

SETTINGS = web.AppKey("settings", Settings)
PROFILE = web.AppKey("profile", Profile)
ENGINE = web.AppKey("engine", AsyncEngine)
SERVICES = web.AppKey("services", BotServices)
SCHEDULER = web.AppKey("scheduler", object)
CHASER = web.AppKey("chaser", Chaser)
CONNECTORS = web.AppKey("connectors", ConnectorPool)
OUTBOX = web.AppKey("outbox", Outbox)
SCHEMA_HEAD = web.AppKey("schema_head", str)
# On SIGTERM, how long a sweep or an outbox tick under way may take to finish: inside gunicorn's 30-second
# graceful stop, with time left for the turns and deliveries that follow it (`drain`).
JOBS_FINISH_WITHIN = 20.0

LOCAL_MODE_WARNING = """
************************************************************************
*  LOCAL MODE: no MICROSOFT_APP_ID is set.                             *
*  Requests are accepted WITHOUT authentication. Use this only on a    *
*  laptop with the Agents Playground or the tests, never with real     *
*  children's data. Set MICROSOFT_APP_ID / MICROSOFT_APP_PASSWORD.     *
*  It listens on this machine only (HOST 127.0.0.1, ::1 or localhost), *
*  unless LOCAL_MODE_ON_NETWORK=yes.                                   *
************************************************************************"""


def graph_credential(settings: Settings):
    """How the app proves itself to Graph (GRAPH_CREDENTIAL): in Azure, the managed identity it runs as
    (no secret to store or rotate); else a certificate, or a client secret."""
    from azure.identity.aio import CertificateCredential, ClientSecretCredential, ManagedIdentityCredential

    if settings.graph_credential == "managed_identity":
        return ManagedIdentityCredential(client_id=settings.graph_client_id)
    if settings.graph_credential == "certificate":
        return CertificateCredential(settings.graph_tenant_id, settings.graph_client_id,
                                     certificate_path=str(settings.graph_certificate_path))
    return ClientSecretCredential(settings.graph_tenant_id, settings.graph_client_id, settings.graph_client_secret)


def _graph(settings: Settings):
    """One app-only Graph client for meetings, mail and group checks (GRAPH_* settings)."""
    from scheduling.meetings.graph import graph_client

    return graph_client(credential=graph_credential(settings), base_url=settings.graph_base_url)


def meeting_provider(settings: Settings, *, clock: Clock, sleep, graph=None) -> MeetingProvider:
    """Graph when it is configured, else local .ics files (which send nothing, and say so)."""
    if graph is not None:
        from scheduling.meetings.graph import GraphMeetingProvider

        return GraphMeetingProvider(graph, organiser=settings.graph_organiser, sleep=sleep)
    from scheduling.meetings.local import LocalMeetingProvider

    return LocalMeetingProvider(settings.data_dir / "invitations", clock=clock)


async def _lifecycle(app: web.Application):
    scheduler = app[SCHEDULER]
    if app[SETTINGS].scheduler_enabled:
        scheduler.start()
    await app[OUTBOX].start()  # what a killed predecessor was delivering is handed back
    app[OUTBOX].wake()  # effects left unfinished by the last run (a crash, a restart) resume at once
    yield
    app[OUTBOX].stop_taking()  # each delivery under way finishes; nothing more is taken on
    if scheduler.running:  # a sweep or an outbox tick under way finishes first (within the graceful stop's time)
        await scheduler.stop(within=JOBS_FINISH_WITHIN)
    await app[SERVICES].drain()  # let deliveries under way finish before the database closes
    await app[OUTBOX].stop()
    await app[CONNECTORS].close()
    await app[ENGINE].dispose()


def _debug_refusal(request: web.Request) -> web.Response | None:
    """/_debug is local mode's: refused as the rest of local mode is to another site's page (bot.local_guard)."""
    why = local_guard.refusal(request, on_network=request.app[SETTINGS].local_mode_on_network)
    return web.json_response({"error": why}, status=403) if why else None


async def debug_clock(request: web.Request) -> web.Response:
    """Local mode only: POST /_debug/clock?at=2027-06-01T09:00+01:00 moves the bot's clock there."""
    from datetime import datetime, timezone

    if refused := _debug_refusal(request):
        return refused
    try:
        moment = datetime.fromisoformat(request.query["at"])
        if not 2000 <= moment.astimezone(timezone.utc).year <= 2100:  # the cards' range (a hostile trial's year 9999 broke the sweep)
            raise ValueError(moment.year)
        request.app[SERVICES].clock.travel_to(moment)
    except (KeyError, ValueError):
        return web.json_response({"error": "give ?at= an ISO 8601 time with its offset, between the years 2000 and 2100"}, status=400)
    return web.json_response({"now": request.app[SERVICES].clock.now().isoformat()})


async def debug_sweep(request: web.Request) -> web.Response:
    """Local mode only: run the chasers' sweep now (as the scheduler does every minute)."""
    if refused := _debug_refusal(request):
        return refused
    return web.json_response({"sent": await request.app[CHASER].sweep()})


async def livez(request: web.Request) -> web.Response:
    """Liveness: the process answers HTTP. Nothing else is checked, so a database outage makes the
    instance unready (taken out of the rotation) rather than restarted in a loop."""
    return web.json_response({"status": "alive"})


async def readyz(request: web.Request) -> web.Response:
    """Readiness: the database answers and its schema is the one this code needs."""
    return await healthz(request)


async def healthz(request: web.Request) -> web.Response:
    try:
        await database.ping(request.app[ENGINE])
    except Exception as error:  # any database failure means "not healthy", with the reason logged
        log.warning("health check: database unavailable: %s", error)
        return web.json_response({"status": "unhealthy", "database": "unavailable"}, status=503)
    settings = request.app[SETTINGS]
    revision, head = await database.schema_revision(request.app[ENGINE]), request.app[SCHEMA_HEAD]
    if revision != head:  # not ready: every command would fail on a missing table or column
        log.warning("health check: database schema at %s, this code needs %s (run `make migrate`)", revision, head)
        return web.json_response({"status": "unhealthy", "database": "ok", "schema": revision, "needs": head}, status=503)
    return web.json_response({"status": "ok", "database": "ok", "schema": revision,
                              "mode": "local" if settings.local_mode else "azure", "profile": request.app[PROFILE].id})


def create_mailer(settings: Settings, *, graph=None):
    """Graph sendMail from the organiser mailbox when Graph is set up, else .eml files (nothing sent)."""
    if graph is not None:
        from bot.mailer import GraphMailer

        return GraphMailer(graph, sender=settings.graph_organiser)
    return FileMailer(settings.data_dir / "outbox")


def _group(group_id: str, graph):
    if not group_id or graph is None:
        return None
    from bot.access import GraphGroupMembership

    return GraphGroupMembership(graph, group_id)


def _tab(settings: Settings, services: BotServices, *, clock: Clock):
    """The oversight tab's routes; in Azure mode its API checks Teams SSO tokens (Entra ID)."""
    from urllib.parse import urlparse

    from tab.routes import TabRoutes
    from tab.sso import EntraTokens
    from tab.views import OversightViews

    views = OversightViews(services, is_manager=services.access.is_manager, app_id=settings.app_id, la_code=settings.la_code,
                           local_mode=settings.local_mode)
    tokens = None
    if not settings.local_mode and (settings.allowed_tenant_ids or settings.app_tenant_id):
        tenant = settings.app_tenant_id or "organizations"
        tokens = EntraTokens(app_id=settings.app_id, host=urlparse(settings.base_url).hostname or "", home_tenant=settings.app_tenant_id,
                             allowed_tenants=settings.allowed_tenant_ids, now=lambda: clock.now().timestamp(),
                             metadata_url=settings.entra_metadata_url
                             or f"https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration")
    return TabRoutes(views, tokens=tokens, local_mode=settings.local_mode, on_network=settings.local_mode_on_network)


def init_app(settings: Settings, *, clock: Clock | None = None, meetings: MeetingProvider | None = None,
             sleep=asyncio.sleep, mailer=None, chairs_group=None) -> web.Application:
    clock = clock or SystemClock()
    logs.quiet_client_faults()
    profile = load_profile(settings.protocol_profile)
    calendar = calendar_for(profile, subdivision=settings.holiday_region, time_zone=settings.time_zone)
    engine = database.create_engine(settings.sqlalchemy_url)  # connects lazily, on first use
    sessions = database.session_factory(engine)
    connectors = ConnectorPool(clock=clock, sleep=sleep)
    adapter = create_adapter(settings, connectors=connectors)
    graph = _graph(settings) if settings.graph_configured else None
    boot = this_boot(clock.now())  # this process, as its claims on effects name it
    outbox_ref: list[Outbox] = []  # the unit of work wakes the outbox, which is built from the services
    services = BotServices(
        uow=lambda: UnitOfWork(sessions, clock, wake=outbox_ref[0].wake, boot_id=boot.id), clock=clock, profile=profile, calendar=calendar,
        directory=load_directory(settings.directory_path),
        meetings=meetings or meeting_provider(settings, clock=clock, sleep=sleep, graph=graph),
        access=Access(settings.chair_aad_ids, local_mode=settings.local_mode, clock=clock,
                      group=chairs_group or _group(settings.chairs_group_id, graph),
                      manager_aad_ids=settings.manager_aad_ids, managers_group=_group(settings.managers_group_id, graph)),
        proactive=Proactive(adapter, settings.app_id), local_mode=settings.local_mode,
        links=Links(settings.link_secret_bytes(), base_url=settings.base_url, clock=clock),
    )
    bot = StrategyBot(services, records_directory=settings.data_dir / "records")
    mailer = mailer or create_mailer(settings, graph=graph)
    outbox = Outbox(services.uow, clock, spawn=services.in_background, boot=boot)
    outbox_ref.append(outbox)
    for kind, delivery in {
        "meeting.create": MeetingCreation(bot.meetings), "meeting.attendees": MeetingChange(bot.meetings),
        "meeting.reschedule": MeetingChange(bot.meetings), "meeting.cancel": MeetingChange(bot.meetings),
        "meeting.withdraw": MeetingWithdrawal(bot.meetings),
        "teams.post": TeamsPost(services.proactive, services.effects), "teams.update": TeamsUpdate(services.proactive),
        "teams.personal": TeamsPersonal(services.proactive, services.effects), "email": Email(mailer, services.effects),
        "chase": ChaseDelivery(services, mailer=mailer),
    }.items():
        outbox.register(kind, delivery)
    chaser = Chaser(services, outbox=outbox, actions_flow=bot.actions)
    app = web.Application(client_max_size=settings.max_body_bytes)
    app[SETTINGS], app[PROFILE], app[ENGINE], app[SERVICES], app[CHASER] = settings, profile, engine, services, chaser
    app[CONNECTORS], app[OUTBOX], app[SCHEMA_HEAD] = connectors, outbox, database.schema_head()
    app[SCHEDULER] = create_scheduler(poll_replies=bot.rsvp.poll_all, reply_poll_minutes=settings.reply_poll_minutes,
                                      sweep=chaser.sweep, sweep_seconds=settings.sweep_seconds,
                                      deliver=outbox.tick, deliver_seconds=settings.outbox_seconds, now=clock.now())
    app.cleanup_ctx.append(_lifecycle)
    app.router.add_post("/api/messages", messages_endpoint(adapter=adapter, bot=bot, settings=settings))
    app.router.add_routes(RespondPage(services, actions_flow=bot.actions).routes())
    tab = _tab(settings, services, clock=clock)
    app.router.add_routes(tab.routes())
    if tab.tokens is not None:
        app.on_cleanup.append(lambda _app: tab.tokens.close())
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/livez", livez)
    if settings.local_mode and isinstance(clock, TravellingClock):
        app.router.add_post("/_debug/clock", debug_clock)
        app.router.add_post("/_debug/sweep", debug_sweep)
    return app


def prepare(settings: Settings) -> int:
    """Once per service, before serving: logging, the warnings an operator must see, the link secret
    (made once, so every worker signs alike) and the schema migration. 0, or the exit code."""
    logs.configure(level=settings.log_level, form=settings.log_format)
    if settings.local_mode:
        log.warning(LOCAL_MODE_WARNING)
        if settings.local_mode_on_network:
            log.warning("LOCAL_MODE_ON_NETWORK is set: this service without authentication listens beyond this machine; "
                        "anyone who reaches it is taken for a chair.")
    if not settings.graph_configured:
        log.warning("Microsoft Graph is not configured: meeting invitations are written as .ics files under %s; "
                    "NOTHING IS SENT.", settings.data_dir / "invitations")
    if settings.contacts_file is None:
        log.warning("CONTACTS_FILE is not set: using the example directory %s (fictional people).", settings.directory_path)
    if settings.local_mode and not settings.chair_aad_ids:
        log.warning("CHAIR_AAD_IDS is not set: in local mode anyone may convene.")
    log.info("profile %s, database %s, listening on http://%s:%s/api/messages",
             settings.protocol_profile, settings.sqlalchemy_url.split("@")[-1], settings.host, settings.port)
    settings.link_secret_bytes()
    try:  # an empty or older database is brought to the schema this code expects, before serving
        database.bring_up_to_date(settings.sqlalchemy_url)
    except Exception as error:  # unreachable, or a migration failed: say so in one line, and what to run
        print(f"strategy-bot: the database could not be migrated ({type(error).__name__}: {error}); "
              "check DATABASE_URL and run `make migrate` to see the detail", file=sys.stderr)
        return 3
    return 0


def _settings_or_exit(*, listening_on: tuple[str, ...] = ()) -> Settings:
    """The settings, or the operator's one line and exit 2. `listening_on`: hosts the server binds that
    HOST does not decide (gunicorn's own bind), judged as HOST is."""
    try:
        settings = load_settings()
        for host in listening_on:
            check_listening(settings, host)
        return settings
    except SettingsError as error:
        print(f"strategy-bot: configuration error: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def settle() -> None:
    """Just before serving: everything built so far (modules, the app, its caches) lives as long as
    the process, so it is moved out of the collector's reach and not walked again by every full
    collection, which otherwise stalls a turn now and then (tens of ms on the tab's larger answers)."""
    gc.collect()
    gc.freeze()


def _may_listen(host: str, port: int) -> bool:
    """Whether the address is free: a second `make run` is told in one line and stops, rather than
    start its scheduler against the first one's database and then fail to bind with a traceback."""
    import socket

    try:
        socket.create_server((host, port)).close()
        return True
    except OSError as error:
        print(f"strategy-bot: cannot listen on {host}:{port} ({error.strerror or error}); is another instance running?",
              file=sys.stderr)
        return False


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop's event loop: asyncio's interface, with its sockets, transports and timers in C (libuv).
    Issue 19's profile put a fifth of an agency's reply in a thread (one commit, two connector calls)
    in the loop and its transports; on uvloop that reply is about a fifth quicker (bench/RESULTS.md).
    gunicorn's workers run on it too (gunicorn.conf.py) and so does the suite (tests/conftest.py).
    uvloop is not built for Windows (requirements.txt): there, asyncio's own loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def _clock(settings: Settings) -> Clock:
    # In local mode the clock can be moved (POST /_debug/clock) to watch the chasers work.
    return TravellingClock() if settings.local_mode else SystemClock()


async def production_app() -> web.Application:
    """The app for gunicorn's aiohttp worker (`gunicorn app:production_app`, see gunicorn.conf.py),
    one per worker process; gunicorn.conf.py has already prepared the service in the master."""
    settings = _settings_or_exit()
    logs.configure(level=settings.log_level, form=settings.log_format)
    app = init_app(settings, clock=_clock(settings))
    settle()
    return app


def main() -> int:
    """`python app.py`: one process (make run, the tests); production runs gunicorn (Dockerfile)."""
    try:
        settings = _settings_or_exit()
    except SystemExit as exit_:
        return int(exit_.code)
    if not _may_listen(settings.host, settings.port):  # before any job runs against the database a running instance serves
        return 4
    if code := prepare(settings):
        return code
    app = init_app(settings, clock=_clock(settings))
    settle()
    web.run_app(app, host=settings.host, port=settings.port, shutdown_timeout=10, print=None, access_log_class=logs.AccessLines,
                loop=new_event_loop())
    return 0


if __name__ == "__main__":
    sys.exit(main())
