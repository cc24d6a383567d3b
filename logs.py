"""Logging for the service: text for a person at a terminal, or JSON lines (LOG_FORMAT=json) for
Azure Monitor, each carrying the activity id of the turn it belongs to as its correlation id.

Log lines carry ids, counts and states, never case data: the code logs no child's details, and
this module adds only the time, level, logger, message, correlation id and the exception's type.
"""
from __future__ import annotations

import contextvars
import json
import logging
import re
from datetime import datetime, timezone

from aiohttp.abc import AbstractAccessLogger
from aiohttp.http_exceptions import BadHttpMessage  # LineTooLong, ContentEncodingError and the rest
from aiohttp.web_protocol import RequestPayloadError

# The activity id of the turn being handled; tasks started by the turn (its effects) inherit it.
correlation: contextvars.ContextVar[str] = contextvars.ContextVar("correlation", default="")


class CorrelationFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = correlation.get()
        return True


class JsonLines(logging.Formatter):
    """One JSON object a line. A traceback is reduced to the exception's type and its place: its text
    could quote a value from a card, and a log is read by more people than the record is."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage(),
                "correlation_id": getattr(record, "correlation_id", "") or None, "process": record.process}
        if record.exc_info and record.exc_info[0]:
            error, tb = record.exc_info[0], record.exc_info[2]
            while tb and tb.tb_next:
                tb = tb.tb_next
            line["exception"] = error.__name__ + (f" at {tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb else "")
        return json.dumps(line, ensure_ascii=False)


TEXT = "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s]: %(message)s"


def configure(*, level: str, form: str, stream=None) -> None:
    """Replace the root logger's handlers with one to stderr (or `stream`) in the chosen form (safe to call again)."""
    handler = logging.StreamHandler(stream)
    handler.addFilter(CorrelationFilter())
    handler.setFormatter(JsonLines() if form == "json" else logging.Formatter(TEXT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # gunicorn's own lines (workers booting, a worker killed) in the same form, once: through the root handler.
    for name in ("gunicorn.error", "gunicorn.access"):
        server = logging.getLogger(name)
        for old in list(server.handlers):
            server.removeHandler(old)
        server.propagate = True
    logging.getLogger("alembic").setLevel(max(root.level, logging.WARNING))  # each migration step, at every start


class ClientFaults(logging.Filter):
    """aiohttp's server logs a request it cannot read (a header over 8 KB, a body whose gzip is
    corrupt) at ERROR with a traceback, which can quote the request, the first bytes of a bearer
    token included. The fault is the sender's and is answered with a 400: one WARNING line, naming
    its kind only, so that anyone cannot flood the log with errors."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, (BadHttpMessage, RequestPayloadError)):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.msg, record.args = "refused a request that is not well-formed HTTP (%s)", (type(error).__name__,)
            record.exc_info = record.exc_text = None
        return True


def quiet_client_faults() -> None:
    """Once per process (init_app calls it for every app it builds)."""
    server = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, ClientFaults) for f in server.filters):
        server.addFilter(ClientFaults())


class AccessLines(AbstractAccessLogger):
    """A line a request, as aiohttp's own, with an emailed link's token left out: the token is the
    credential that answers for an agency, and a log is read by more people than the record is."""

    LINK = re.compile(r"(/respond/)[^/?#]+")

    def log(self, request, response, time: float) -> None:
        path = self.LINK.sub(r"\1…", request.path)
        self.logger.info('%s "%s %s" %s %.1f ms', request.remote, request.method, path, response.status, time * 1000)
