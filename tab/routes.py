"""The oversight tab's HTTP surface: the page (/tab), its channel-tab configuration page, its own
scripts and styles, and the JSON API it calls (/api/tab/...). In Azure mode every API call carries
the Teams SSO token (tab/sso.py); in local mode the page is open, and says so."""
from __future__ import annotations

import json
import logging
from dataclasses import asdict
from datetime import date
from pathlib import Path

from aiohttp import web

from bot import local_guard
from bot.access import ChairsGroupUnavailable
from bot.inbound import clean_text

from . import census
from .sso import KeysUnavailable, NotSignedIn, Viewer
from .views import Refused

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"
LOCAL_VIEWER = Viewer(oid="local-mode", tenant_id="local", name="Local mode")
# Teams shows a tab in a frame: only Teams' own hosts may frame it (and the Playground, locally).
TEAMS_FRAMES = "https://teams.microsoft.com https://*.teams.microsoft.com https://*.cloud.microsoft https://*.office.com"
MAX_SNOOZE_BODY = 4096
MAX_SNOOZE_REASON = 500  # the page's box holds as many


def _headers(local_mode: bool) -> dict[str, str]:
    frames = TEAMS_FRAMES + (" http://localhost:* http://127.0.0.1:*" if local_mode else "")
    return {"Content-Security-Policy": f"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                       f"connect-src 'self'; frame-ancestors {frames}",
            "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


class TabRoutes:
    def __init__(self, views, *, tokens, local_mode: bool, on_network: bool = False):
        self.views = views
        self.tokens = tokens  # tab.sso.EntraTokens in Azure mode; None in local mode
        self.local_mode = local_mode
        self.on_network = on_network  # LOCAL_MODE_ON_NETWORK (bot.local_guard)
        self.headers = _headers(local_mode)

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/tab", self.page), web.get("/tab/config", self.config_page),
                web.get("/tab/static/{name}", self.static), web.get("/tab/static/vendor/{name}", self.vendor),
                web.get("/api/tab/me", self.api(self._me)), web.get("/api/tab/discussions", self.api(self._discussions)),
                web.get("/api/tab/overdue", self.api(self._overdue)), web.post("/api/tab/snooze", self.api(self._snooze)),
                web.get("/api/tab/timeliness", self.api(self._timeliness)), web.get("/api/tab/return", self.api(self._return)),
                web.get("/api/tab/return.csv", self.api(self._return_csv)), web.get("/api/tab/return.xml", self.api(self._return_xml))]

    async def page(self, request: web.Request) -> web.Response:
        html = (STATIC / "index.html").read_text().replace("{{MODE}}", "local" if self.local_mode else "azure")
        return web.Response(text=html, content_type="text/html", headers=self.headers)

    async def config_page(self, request: web.Request) -> web.Response:
        return web.Response(text=(STATIC / "config.html").read_text(), content_type="text/html", headers=self.headers)

    async def static(self, request: web.Request) -> web.Response:
        return self._file(STATIC, request.match_info["name"])

    async def vendor(self, request: web.Request) -> web.Response:
        return self._file(STATIC / "vendor", request.match_info["name"])

    def _file(self, folder: Path, name: str) -> web.Response:
        types = {".js": "text/javascript", ".css": "text/css", ".txt": "text/plain"}
        path = folder / name
        if "/" in name or name.startswith(".") or path.suffix not in types or not path.is_file():
            raise web.HTTPNotFound()
        return web.Response(body=path.read_bytes(), content_type=types[path.suffix],
                            headers={**self.headers, "Cache-Control": "public, max-age=3600"})

    def api(self, handler):
        async def wrapped(request: web.Request) -> web.StreamResponse:
            if self.local_mode and (why := local_guard.refusal(request, on_network=self.on_network)):
                return self._json({"error": why}, 403)
            if not self.local_mode and self.tokens is None:
                return self._json({"error": "The tab needs MICROSOFT_APP_TENANT_ID or ALLOWED_TENANT_IDS to check sign-ins."}, 503)
            try:
                viewer = LOCAL_VIEWER if self.local_mode else await self.tokens.viewer(request.headers.get("Authorization", ""))
            except NotSignedIn as why:
                log.warning("tab: refused a token from %s: %s", request.remote, why)
                return self._json({"error": "Sign in again: your Teams sign-in could not be checked."}, 401)
            except KeysUnavailable as why:
                log.error("tab: cannot check sign-ins: Entra ID's keys could not be fetched (%s)", why)
                return self._json({"error": "Sign-in cannot be checked just now; try again shortly."}, 503)
            try:
                return await handler(request, viewer)
            except ChairsGroupUnavailable as why:  # the chairs' or managers' group could not be read: not a "no"
                return self._json({"error": f"Your access could not be checked just now ({why}); try again shortly."}, 503)
            except Refused as why:
                return self._json({"error": str(why)}, 403)
            except ValueError as why:
                return self._json({"error": str(why)}, 400)
        return wrapped

    def _json(self, body, status: int = 200) -> web.Response:
        return web.json_response(body, status=status, headers=self.headers)

    async def _me(self, request, viewer) -> web.Response:
        role = await self.views.role(viewer)
        return self._json({"name": viewer.name, "role": role, "mode": "local" if self.local_mode else "azure"})

    async def _discussions(self, request, viewer) -> web.Response:
        return self._json(await self.views.mine(viewer))

    async def _overdue(self, request, viewer) -> web.Response:
        return self._json(await self.views.overdue(viewer))

    async def _snooze(self, request, viewer) -> web.Response:
        if request.content_type != "application/json":  # as the page sends it; a form of another site cannot, unasked
            return self._json({"error": "Send the snooze as JSON (Content-Type: application/json)."}, 415)
        try:
            raw = await request.content.read(MAX_SNOOZE_BODY + 1)
        except web.RequestPayloadError:  # a body that does not decode (a corrupt gzip): nothing to read
            raw = b""
        try:
            body = json.loads(raw) if len(raw) <= MAX_SNOOZE_BODY else None
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("obligation_id"), str):
            raise ValueError("Choose what to snooze.")
        # As the page sends them: a whole number of days and the reason as text. Nothing else is read as one
        # (a security trial: true was taken as 1 day, 3.9 as 3, and a reason sent as an object stored as its
        # Python spelling), and the reason is cleaned as every typed text is at the edge (a NUL was a 500).
        days, reason = body.get("days"), body.get("reason", "")
        if isinstance(days, float) and days.is_integer():
            days = int(days)
        if isinstance(days, bool) or not isinstance(days, int):
            raise ValueError("Give the number of days to snooze for, as a whole number.")
        if not isinstance(reason, str):
            raise ValueError("Give the reason for pausing the chasing as words.")
        reason = clean_text(reason)
        if len(reason) > MAX_SNOOZE_REASON:
            raise ValueError(f"Keep the reason under {MAX_SNOOZE_REASON} characters.")
        return self._json(await self.views.snooze(viewer, body["obligation_id"], days=days, reason=reason))

    async def _timeliness(self, request, viewer) -> web.Response:
        return self._json(await self.views.timeliness(viewer, request.query.get("from"), request.query.get("to")))

    async def _return(self, request, viewer) -> web.Response:
        rows, problems, _ = await self.views.statutory_return(viewer, request.query.get("from"), request.query.get("to"))
        return self._json({"rows": [{k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(r).items()} for r in rows],
                           "problems": [asdict(p) for p in problems]})

    async def _return_csv(self, request, viewer) -> web.Response:
        rows, _, last = await self.views.statutory_return(viewer, request.query.get("from"), request.query.get("to"))
        return web.Response(text=census.to_csv(rows), content_type="text/csv", charset="utf-8",
                            headers={**self.headers, "Content-Disposition": f'attachment; filename="s47-return-{last}.csv"'})

    async def _return_xml(self, request, viewer) -> web.Response:
        rows, _, last = await self.views.statutory_return(viewer, request.query.get("from"), request.query.get("to"))
        xml = census.to_xml(rows, la_code=self.views.la_code, reference_date=last, generated_at=self.views.s.clock.now())
        return web.Response(text=xml, content_type="application/xml", charset="utf-8",
                            headers={**self.headers, "Content-Disposition": f'attachment; filename="s47-return-{last}.xml"'})
