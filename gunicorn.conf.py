"""The production server (the Dockerfile's CMD): `gunicorn app:production_app` reads this file.

The master prepares the service once (settings, logging, the link secret, the schema migration
under its advisory lock) before forking; each worker then builds its own app. Several workers on
one database is safe: card actions apply once, the chasers and the outbox claim their work with
FOR UPDATE SKIP LOCKED (PostgreSQL). On SIGTERM each worker stops accepting, lets the turns in
flight finish and the effects under way be delivered (app._lifecycle drains), then exits, within
GRACEFUL_TIMEOUT seconds.
"""
import os
import sys

worker_class = "aiohttp.GunicornUVLoopWebWorker"  # uvloop, as `python app.py` runs (app.new_event_loop)
bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '3978')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "30"))
timeout = 60  # a worker silent this long is restarted (a turn's own limits are far shorter)
keepalive = 75  # longer than Azure's front ends keep an idle connection, so they close it first
accesslog = None  # request lines would name the emailed links' tokens; the app logs what matters
errorlog = "-"
proc_name = "strategy-bot"
# The worker's own log lines go through the app's configuration (logs.py): one format for both.
logconfig_dict = {"version": 1, "disable_existing_loggers": False, "root": {"level": "INFO"}}


def on_starting(server):
    """In the master, once: stop here with the operator's one line if the settings or the database are wrong."""
    from gunicorn.util import parse_address

    from app import _settings_or_exit, prepare

    # Where gunicorn listens is its bind (HOST as read above, or --bind), not the settings' HOST alone.
    hosts = tuple(address[0] for address in map(parse_address, server.cfg.bind) if isinstance(address, tuple))
    settings = _settings_or_exit(listening_on=hosts)
    code = prepare(settings)
    if code:
        sys.exit(code)
