"""POST /api/messages: the edge where HTTP becomes a bot turn.

Checks that botbuilder gets wrong or leaves to us (PLATFORM_NOTES.md): a malformed or missing
token is our 401 (botbuilder answers 500), bad JSON or content type is a 4xx, a foreign tenant
is refused before any bot code runs, and invoke replies are serialised once (botbuilder 4.17.1
serialises twice and crashes).
"""
from __future__ import annotations

import json
import logging

import jwt
from aiohttp import web
from botbuilder.schema import Activity
from msrest.serialization import Model

log = logging.getLogger(__name__)


def _problem(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _tenant_of(body: dict) -> str | None:
    channel_data = body.get("channelData") or {}
    tenant = (channel_data.get("tenant") or {}).get("id") if isinstance(channel_data, dict) else None
    return tenant or (body.get("conversation") or {}).get("tenantId")


def _bearer_token_is_well_formed(header: str) -> bool:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or token.count(".") != 2:
        return False
    try:
        jwt.get_unverified_header(token)
        jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return False
    return True


def _invoke_body(body):
    return body.serialize() if isinstance(body, Model) else body


def messages_endpoint(*, adapter, bot, settings):
    allowed = set(settings.allowed_tenant_ids)

    async def handle(request: web.Request) -> web.Response:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return _problem(415, "expected Content-Type: application/json")
        auth_header = request.headers.get("Authorization", "")
        if not settings.local_mode and not _bearer_token_is_well_formed(auth_header):
            log.warning("refused a request with a missing or malformed token from %s", request.remote)
            return _problem(401, "missing or malformed bearer token")
        try:
            body = json.loads(await request.read())
        except web.HTTPRequestEntityTooLarge:
            log.warning("refused an oversized request from %s", request.remote)
            return _problem(413, f"request body over {settings.max_body_bytes} bytes")
        except (ValueError, UnicodeDecodeError):
            return _problem(400, "request body is not valid JSON")
        if not isinstance(body, dict) or not body.get("type"):
            return _problem(400, "request body is not an activity")
        tenant = _tenant_of(body)
        if allowed and tenant not in allowed:
            log.warning("refused activity %s from tenant %s (not in ALLOWED_TENANT_IDS)", body.get("id"), tenant)
            return _problem(403, "this tenant is not allowed to use this bot")
        try:
            activity = Activity().deserialize(body)
            invoke_response = await adapter.process_activity(auth_header, activity, bot.on_turn)
        except (PermissionError, jwt.PyJWTError) as error:
            log.warning("refused activity %s: %s", body.get("id"), error)
            return _problem(401, "token not accepted")
        if invoke_response:
            return web.json_response(_invoke_body(invoke_response.body), status=invoke_response.status)
        return web.Response(status=201)

    return handle
