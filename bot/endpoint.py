"""POST /api/messages: the edge where HTTP becomes a bot turn.

In this order, so that nothing an unauthenticated sender wrote is read beyond finding its
serviceUrl: the token (401 for anything forged or malformed, whatever the body; 503 when the Bot
Framework's signing keys cannot be fetched), then the content type and JSON (415, 400, 413), then
the one check of the activity (bot.inbound: 400), then the tenant (403), then its reading into
botbuilder's schema (400 for a field of the wrong type that the check leaves alone), and only then botbuilder.
Invoke replies are serialised once (botbuilder 4.17.1 serialises twice and crashes).
"""
from __future__ import annotations

import json
import logging

import jwt
import requests
from aiohttp import web
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticationConstants
from msrest.exceptions import DeserializationError
from msrest.serialization import Model

import logs

from . import local_guard
from .inbound import Malformed, checked, tenant_of
from .schema import from_json, to_json
from .signing_keys import SigningKeysUnavailable

log = logging.getLogger(__name__)


def _problem(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _bearer_token_is_well_formed(header: str) -> bool:
    """What can be refused without the signing keys: no bearer JWT, an algorithm botbuilder never
    accepts (none, HS256...), or a token out of its time (with botbuilder's 5 minutes' tolerance).
    Refused here, they are a 401 even while the keys cannot be fetched (a hostile trial: unsigned
    tokens got 503, each an ERROR line: anyone could flood the error log)."""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or token.count(".") != 2:
        return False
    try:
        if jwt.get_unverified_header(token).get("alg") not in AuthenticationConstants.ALLOWED_SIGNING_ALGORITHMS:
            return False
        jwt.decode(token, options={"verify_signature": False, "verify_exp": True, "verify_nbf": True}, leeway=5 * 60)
    except jwt.PyJWTError:
        return False
    return True


def _invoke_body(body):
    return to_json(body) if isinstance(body, Model) else body


def _service_url_of(body) -> str:
    """The one field the token is checked against (its serviceurl claim), read without trusting the
    rest. None of it readable is "": a token cannot be tied to a body that names no service, so
    even a genuine one is refused with it."""
    value = body.get("serviceUrl") if isinstance(body, dict) else None
    return value if isinstance(value, str) else ""


def _channel_id_of(body) -> str:
    value = body.get("channelId") if isinstance(body, dict) else None
    return value if isinstance(value, str) else "msteams"


def messages_endpoint(*, adapter, bot, settings):
    allowed = set(settings.allowed_tenant_ids)
    authentication = adapter.bot_framework_authentication

    async def handle(request: web.Request) -> web.Response:
        if settings.local_mode and (why := local_guard.refusal(request, on_network=settings.local_mode_on_network)):
            log.warning("local mode refused a request from %s for %s", request.remote, request.host)
            return _problem(403, why)
        auth_header = request.headers.get("Authorization", "")
        # Local mode takes anonymous traffic; a token it is sent is judged all the same (a hostile trial: forged
        # ones went on to the signing keys, out of reach on a laptop, and each was a 503 and an ERROR line).
        if (auth_header or not settings.local_mode) and not _bearer_token_is_well_formed(auth_header):
            log.warning("refused a request with a missing or malformed token from %s", request.remote)
            return _problem(401, "missing or malformed bearer token")
        raw = None
        try:
            raw = await request.read()
            body, unreadable = json.loads(raw), None
        except web.HTTPRequestEntityTooLarge:
            body, unreadable = None, "too large"
        except (ValueError, UnicodeDecodeError, RecursionError) as error:  # RecursionError: JSON nested thousands deep
            body, unreadable = None, type(error).__name__
        except web.RequestPayloadError:  # a body its Content-Encoding does not decode (a corrupt gzip)
            body, unreadable = None, "undecodable"
        service_url = _service_url_of(body)
        try:  # the token first: a forged request learns nothing from how its body is judged
            identity = await authentication.authenticate_request(
                Activity(service_url=service_url, channel_id=_channel_id_of(body)), auth_header)
        except (PermissionError, jwt.PyJWTError) as error:
            log.warning("refused a request from %s: token not accepted (%s)", request.remote, error)
            return _problem(401, "token not accepted")
        except (SigningKeysUnavailable, requests.RequestException, OSError) as error:
            # An operator must act on this in production; in local mode (a laptop, often offline) the keys are out of reach by
            # design and a token is only ever someone's test of a forged one (a re-check: each was an ERROR line).
            (log.warning if settings.local_mode else log.error)(
                "cannot check tokens: the Bot Framework signing keys could not be fetched (%s)", error)
            return _problem(503, "cannot check the token now; try again shortly")
        if unreadable == "too large":  # a genuine sender, told why
            log.warning("refused an oversized request from %s", request.remote)
            return _problem(413, f"request body over {settings.max_body_bytes} bytes")
        claimed = identity.claims_identity.get_claim_value("serviceurl") if identity.claims_identity else None
        if claimed and claimed != service_url:  # botbuilder skips this when the body names no service
            log.warning("refused a request from %s: its token is for another service URL", request.remote)
            return _problem(401, "token not accepted")
        if "application/json" not in request.headers.get("Content-Type", ""):
            return _problem(415, "expected Content-Type: application/json")
        if unreadable:
            return _problem(400, "request body is not valid JSON")
        try:
            body = checked(body, raw=raw)
            tenant = tenant_of(body)
        except Malformed as error:
            log.warning("refused a malformed activity from %s: %s", request.remote, error)
            return _problem(400, f"not a valid activity: {error}")
        logs.correlation.set(str(body.get("id") or ""))  # every line this turn logs names its activity
        if allowed and tenant not in allowed:
            log.warning("refused activity %s from tenant %s (not in ALLOWED_TENANT_IDS)", body.get("id"), tenant)
            return _problem(403, "this tenant is not allowed to use this bot")
        try:  # the schema's own types, for fields bot.inbound leaves alone (a wrong `expiration`, `relatesTo`...)
            activity = from_json(Activity, body)
        except DeserializationError:  # msrest's words quote the value: not logged, as no body is
            log.warning("refused an activity from %s that botbuilder's schema cannot read", request.remote)
            return _problem(400, "not a valid activity: a field does not have the type the Bot Framework schema gives it")
        invoke_response = await adapter.process_activity(identity, activity, bot.on_turn)
        if invoke_response:
            return web.json_response(_invoke_body(invoke_response.body), status=invoke_response.status)
        return web.Response(status=201)

    return handle
