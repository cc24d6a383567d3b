"""A local stand-in for Microsoft Graph's calendar endpoints, on 127.0.0.1, that the real
msgraph-sdk talks to. It can be scripted to throttle (429 + Retry-After), fail (503) or hang."""
from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.test_utils import TestServer
from azure.core.credentials import AccessToken


class FakeCredential:
    """All the SDK asks of a credential: a token (which the fake Graph does not check)."""

    async def get_token(self, *scopes, **kwargs):
        return AccessToken("fake-token", 4102444800)


@dataclass
class Fault:
    status: int = 503
    retry_after: str | None = None
    hang: bool = False  # stall until the test ends: the client's own timeout is what is tested


@dataclass
class FakeGraph:
    events: dict = field(default_factory=dict)
    requests: list = field(default_factory=list)
    faults: list = field(default_factory=list)
    mail: list = field(default_factory=list)
    group_members: dict = field(default_factory=dict)  # group id -> set of user ids
    # Application permissions granted to the bot's app registration (for checkMemberGroups).
    permissions: set = field(default_factory=lambda: {"User.Read.All", "GroupMember.Read.All"})
    teams_enabled: bool = True  # whether the organiser mailbox has a Teams licence

    def __post_init__(self):
        self._ids = itertools.count(1)
        self._release = asyncio.Event()
        self._stalled: list = []
        app = web.Application()
        app.router.add_post("/v1.0/users/{user}/events", self._create)
        app.router.add_get("/v1.0/users/{user}/events/{event}", self._get)
        app.router.add_patch("/v1.0/users/{user}/events/{event}", self._patch)
        app.router.add_post("/v1.0/users/{user}/events/{event}/cancel", self._cancel)
        app.router.add_post("/v1.0/users/{user}/sendMail", self._send_mail)
        app.router.add_get("/v1.0/users/{user}/mailFolders/{folder}/messages", self._sent_items)
        app.router.add_post("/v1.0/users/{user}/checkMemberGroups", self._check_member_groups)
        self.server = TestServer(app, host="127.0.0.1")

    @property
    def base_url(self) -> str:
        return str(self.server.make_url("/v1.0"))

    async def start(self):
        await self.server.start_server()
        return self

    async def close(self):
        self._release.set()
        await self.server.close()

    async def _fault(self, request: web.Request):
        self.requests.append((request.method, request.path_qs))
        if not self.faults:
            return None
        fault = self.faults.pop(0)
        if fault.hang:
            self._stalled.append(request)
            await self._release.wait()  # answered only at teardown, long after the client gave up
        headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
        code = {429: "TooManyRequests", 412: "PreconditionFailed", 502: "BadGateway", 504: "GatewayTimeout"}.get(
            fault.status, "ServiceUnavailable")
        return web.json_response({"error": {"code": code, "message": "scripted"}}, status=fault.status, headers=headers)

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.faults and self.faults[0].hang:
            # The request reaches Graph and the event is made; it is the answer that never comes back.
            self._store(request.match_info["user"], body)
        if (response := await self._fault(request)) is not None:
            return response
        event = self._store(request.match_info["user"], body)
        return web.json_response(event, status=201)

    def _store(self, user: str, body: dict) -> dict:
        for event in self.events.values():
            if body.get("transactionId") and event.get("transactionId") == body["transactionId"]:
                return event  # Graph's de-duplication of client retries
        event_id = f"AAMk-event-{next(self._ids)}"
        # Graph creates the event even when the organiser cannot host Teams meetings, with
        # isOnlineMeeting false and no onlineMeeting (learn.microsoft.com/graph/api/user-post-events,
        # "Create and enable an event as an online meeting": the organiser needs a Teams licence).
        online = bool(body.get("isOnlineMeeting")) and self.teams_enabled
        event = {**body, "id": event_id, "organizer": {"emailAddress": {"address": user}}, "isCancelled": False,
                 "isOnlineMeeting": online,
                 "onlineMeeting": {"joinUrl": f"https://teams.microsoft.com/l/meetup-join/{event_id}"} if online else None,
                 "attendees": [{**a, "status": {"response": "none", "time": "0001-01-01T00:00:00Z"}} for a in body.get("attendees", [])]}
        self.events[event_id] = event
        return event

    async def _get(self, request: web.Request) -> web.Response:
        if (response := await self._fault(request)) is not None:
            return response
        event = self.events.get(request.match_info["event"])
        if event is None:
            return web.json_response({"error": {"code": "ErrorItemNotFound", "message": "not found"}}, status=404)
        if request.query.get("$select") == "attendees":
            return web.json_response({"id": event["id"], "attendees": event["attendees"]})
        return web.json_response(event)

    async def _patch(self, request: web.Request) -> web.Response:
        if (response := await self._fault(request)) is not None:
            return response
        event = self.events[request.match_info["event"]]
        body = await request.json()
        if "attendees" in body:
            known = {a["emailAddress"]["address"]: a["status"] for a in event["attendees"]}
            body["attendees"] = [{**a, "status": known.get(a["emailAddress"]["address"], {"response": "none"})}
                                 for a in body["attendees"]]
        event.update(body)
        if "start" in body or "end" in body:
            # Exchange clears the attendees' responses when a meeting's time changes: they are asked
            # again (learn.microsoft.com/graph/api/resources/responsestatus; Outlook "the meeting was updated").
            for attendee in event["attendees"]:
                attendee["status"] = {"response": "none", "time": "0001-01-01T00:00:00Z"}
        return web.json_response(event)

    async def _cancel(self, request: web.Request) -> web.Response:
        if (response := await self._fault(request)) is not None:
            return response
        event = self.events[request.match_info["event"]]
        event["isCancelled"] = True
        body = await request.json()
        event["cancelComment"] = body.get("Comment", body.get("comment"))  # Graph documents "Comment"
        return web.Response(status=202)

    async def _send_mail(self, request: web.Request) -> web.Response:
        if (response := await self._fault(request)) is not None:
            return response
        self.mail.append({"from": request.match_info["user"], **(await request.json())})
        return web.Response(status=202)

    async def _sent_items(self, request: web.Request) -> web.Response:
        """Sent Items, filtered as the bot asks: $filter=internetMessageId eq '<...>' (sendMail saved a copy)."""
        if (response := await self._fault(request)) is not None:
            return response
        if request.match_info["folder"].lower() != "sentitems":
            return web.json_response({"error": {"code": "ErrorInvalidIdMalformed", "message": "folder"}}, status=400)
        wanted = request.query.get("$filter", "")
        prefix = "internetMessageId eq '"
        if not (wanted.startswith(prefix) and wanted.endswith("'")):
            return web.json_response({"error": {"code": "BadRequest", "message": "unsupported filter"}}, status=400)
        message_id = wanted[len(prefix):-1]
        found = [{"id": f"sent-{index}", "internetMessageId": message_id}
                 for index, mail in enumerate(self.mail)
                 if mail["from"] == request.match_info["user"] and mail["Message"].get("internetMessageId") == message_id
                 and mail.get("SaveToSentItems")]
        return web.json_response({"value": found})

    async def _check_member_groups(self, request: web.Request) -> web.Response:
        if (response := await self._fault(request)) is not None:
            return response
        # Application permissions: User.Read.All and GroupMember.Read.All together, else 403
        # Authorization_RequestDenied (learn.microsoft.com/graph/api/directoryobject-checkmembergroups).
        if not {"User.Read.All", "GroupMember.Read.All"} <= self.permissions:
            return web.json_response({"error": {"code": "Authorization_RequestDenied",
                                                 "message": "Insufficient privileges to complete the operation."}}, status=403)
        user = request.match_info["user"]
        asked = (await request.json())["groupIds"]
        return web.json_response({"value": [g for g in asked if user in self.group_members.get(g, set())]})

    def respond(self, event_id: str, email: str, response: str) -> None:
        """An invitee answers in Outlook or Teams."""
        for attendee in self.events[event_id]["attendees"]:
            if attendee["emailAddress"]["address"] == email:
                attendee["status"] = {"response": response, "time": "2026-11-23T11:00:00Z"}
