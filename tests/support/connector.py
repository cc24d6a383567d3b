"""A local Bot Framework connector: the `serviceUrl` test activities name. It records every
reply the bot sends, and can be told to fail, the way the real connector sometimes does."""
from __future__ import annotations

import asyncio
import itertools
import json

from aiohttp import web
from aiohttp.test_utils import TestServer


MAX_MESSAGE_UTF16_BYTES = 100 * 1024


class FakeConnector:
    def __init__(self):
        self.sent: list[dict] = []
        self.fail_next: list = []  # HTTP statuses to answer with, in order; (status, headers) for e.g. Retry-After
        self.fail_posts: list[int] = []  # the same, for messages only (a chat opens, then the message fails)
        self.fail_chats: list[int] = []  # the same, for opening a personal chat only
        self._ids = itertools.count(1)
        self._arrived = asyncio.Condition()
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation_id}/activities", self._post)
        app.router.add_post("/v3/conversations/{conversation_id}/activities/{reply_to}", self._post)
        app.router.add_put("/v3/conversations/{conversation_id}/activities/{activity_id}", self._post)
        app.router.add_post("/v3/conversations", self._create_conversation)
        app.router.add_put("/upload/{name}", self._upload)  # stands in for the chair's OneDrive upload session
        self.conversations: list[dict] = []
        self.uploads: dict[str, tuple[bytes, dict]] = {}
        self.server = TestServer(app, host="127.0.0.1")

    @property
    def url(self) -> str:
        return str(self.server.make_url("/")).rstrip("/") + "/"

    async def start(self) -> None:
        await self.server.start_server()

    async def close(self) -> None:
        await self.server.close()

    async def _post(self, request: web.Request) -> web.Response:
        if self.fail_posts and request.method == "POST":
            return web.json_response({"error": {"code": "ServiceError"}}, status=self.fail_posts.pop(0))
        if self.fail_next:
            failure = self.fail_next.pop(0)
            status, headers = failure if isinstance(failure, tuple) else (failure, {})
            return web.json_response({"error": {"code": "ServiceError"}}, status=status, headers=headers)
        raw = await request.text()
        if len(raw.encode("utf-16-le")) > MAX_MESSAGE_UTF16_BYTES:
            # Teams refuses a message over 100 KB counted in UTF-16 with 413 MessageSizeTooBig
            # (learn.microsoft.com/microsoftteams/platform/bots/how-to/format-your-bot-messages, "message size").
            return web.json_response({"error": {"code": "MessageSizeTooBig", "message": "Message size too big"}}, status=413)
        activity = json.loads(raw)
        activity["_conversation_id"] = request.match_info["conversation_id"]
        activity["_method"] = request.method
        activity["_activity_id"] = request.match_info.get("activity_id")  # the message a PUT updates
        activity["_authorization"] = request.headers.get("Authorization")
        async with self._arrived:
            self.sent.append(activity)
            self._arrived.notify_all()
        return web.json_response({"id": f"reply-{next(self._ids)}"})

    async def _create_conversation(self, request: web.Request) -> web.Response:
        parameters = await request.json()
        if not (parameters.get("bot") or {}).get("id"):
            # Every documented Teams proactive 1:1 names the bot as well as the member
            # (learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/send-proactive-messages).
            return web.json_response({"error": {"code": "BadArgument", "message": "bot is required"}}, status=400)
        if self.fail_chats:
            return web.json_response({"error": {"code": "Forbidden"}}, status=self.fail_chats.pop(0))
        if self.fail_next:
            return web.json_response({"error": {"code": "MessageWritesBlocked"}}, status=self.fail_next.pop(0))
        conversation_id = f"a:personal-{len(self.conversations) + 1}"
        self.conversations.append({**parameters, "id": conversation_id})
        return web.json_response({"id": conversation_id})

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["name"]] = (await request.read(), dict(request.headers))
        return web.json_response({"id": "file-1"}, status=201)

    def cards(self) -> list[dict]:
        """Every adaptive card the bot has sent or updated, in order."""
        return [a["attachments"][0]["content"] for a in self.sent if a.get("attachments")]

    async def wait_for(self, count: int, timeout: float = 10) -> list[dict]:
        """Wait on the event of `count` replies arriving (no sleeping), then return them."""
        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: len(self.sent) >= count), timeout)
        return self.sent

    def texts(self) -> list[str]:
        return [a.get("text") or "" for a in self.sent]
