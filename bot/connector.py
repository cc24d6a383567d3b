"""Outbound calls to the Bot Framework connector, without botbuilder's per-turn cost.

botbuilder 4.17.1 builds a new ConnectorClient and UserTokenClient for every activity (msrest
configuration, a `requests` session and retry policy) and sends each reply with blocking
`requests` on a thread pool (PLATFORM_NOTES.md): most of a turn's time. Here inbound token
validation stays botbuilder's own (`authenticate_request` is delegated; only its refusals are
made 401s, where a key id it does not know was a 500). What it builds afterwards is pooled: one
connector per service URL, audience and app id, sharing one aiohttp session, with the bot's
access token held until shortly before it expires.

The calls a turn makes (reply, send, update, delete, create a conversation) go straight over
aiohttp; anything rarer falls through to the SDK's own client, built once per connector.
"""
from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import aiohttp
import jwt
import requests
from botbuilder.schema import (Activity, ConversationParameters, ConversationResourceResponse, ResourceResponse, RoleTypes)
from botframework.connector import Channels
from botframework.connector.auth import (AuthenticateRequestResult, AuthenticationConstants, BotFrameworkAuthentication,
                                         ClaimsIdentity)
from yarl import URL

from .schema import dumps
from .signing_keys import SigningKeysUnavailable

log = logging.getLogger(__name__)

_USER_AGENT = "Microsoft-BotFramework/3.1 (strategy-bot; BotBuilder Python/4.17.1)"
_TOKEN_MARGIN = timedelta(minutes=5)  # refresh a little early: a reply must never carry an expired token
RETRIED = frozenset({412, 429, 502, 504})  # learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit
_MAX_RETRY_AFTER = 5.0  # seconds: a turn has 10-15 s in all, so a longer Retry-After is waited only this long


class ConnectorError(Exception):
    """The connector answered with an error (or not at all): status and the connector's own words."""

    def __init__(self, status: int | None, method: str, path: str, detail: str, retry_after: float | None = None):
        super().__init__(f"connector {method} {path}: {status or 'no answer'} {detail}".strip())
        self.status = status
        self.method = method  # "token" when the bot's own access token could not be fetched: nothing was sent
        self.retry_after = retry_after  # seconds, when the connector said (Retry-After on a 429 or 503)


class _Token:
    """The bot's access token for one audience: fetched off the event loop, reused until near expiry."""

    def __init__(self, credentials, clock):
        self._credentials = credentials
        self._clock = clock
        self._value: str | None = None
        self._expires = datetime.min.replace(tzinfo=timezone.utc)
        self._lock = asyncio.Lock()

    @property
    def needed(self) -> bool:
        app_id = getattr(self._credentials, "microsoft_app_id", None)
        return bool(app_id) and app_id != AuthenticationConstants.ANONYMOUS_SKILL_APP_ID

    async def header(self) -> dict:
        if not self.needed:
            return {}
        if self._value is None or self._expires - self._clock.now() < _TOKEN_MARGIN:
            async with self._lock:
                if self._value is None or self._expires - self._clock.now() < _TOKEN_MARGIN:
                    # MSAL's call is blocking (it may go to Entra ID): a thread, but once an hour, not per reply.
                    try:
                        value = await asyncio.to_thread(self._credentials.get_access_token)
                    except Exception as error:  # Entra ID unreachable, or the app's secret refused: the cause in a line
                        raise ConnectorError(None, "token", "(Entra ID)", f"the bot's access token could not be fetched: "
                                                                           f"{type(error).__name__}") from error
                    if not value:
                        raise ConnectorError(None, "token", "(Entra ID)", "the bot's access token could not be fetched")
                    self._value, self._expires = value, _expiry_of(value, self._clock.now())
        return {"Authorization": f"Bearer {self._value}"}

    def forget(self) -> None:
        """The connector refused it (revoked, rotated secret): the next call fetches a new one."""
        self._value = None


def _expiry_of(token: str, now: datetime) -> datetime:
    try:
        return datetime.fromtimestamp(jwt.decode(token, options={"verify_signature": False})["exp"], timezone.utc)
    except (jwt.PyJWTError, KeyError, TypeError, ValueError):
        return now + timedelta(minutes=30)  # not a JWT we can read: Entra tokens last an hour or more


class _Conversations:
    """The connector's conversation operations, with the SDK's names and signatures."""

    def __init__(self, connector: "Connector"):
        self._connector = connector

    def __getattr__(self, name):
        return getattr(self._connector.sdk_client.conversations, name)

    async def reply_to_activity(self, conversation_id: str, activity_id: str, activity: Activity) -> ResourceResponse:
        return await self._connector.call("POST", _path(conversation_id, activity_id), activity, ResourceResponse)

    async def send_to_conversation(self, conversation_id: str, activity: Activity) -> ResourceResponse:
        return await self._connector.call("POST", _path(conversation_id), activity, ResourceResponse)

    async def update_activity(self, conversation_id: str, activity_id: str, activity: Activity) -> ResourceResponse:
        return await self._connector.call("PUT", _path(conversation_id, activity_id), activity, ResourceResponse)

    async def delete_activity(self, conversation_id: str, activity_id: str) -> None:
        await self._connector.call("DELETE", _path(conversation_id, activity_id), None, None)

    async def create_conversation(self, parameters: ConversationParameters) -> ConversationResourceResponse:
        return await self._connector.call("POST", "/v3/conversations", parameters, ConversationResourceResponse)


def _path(conversation_id: str, activity_id: str | None = None) -> str:
    # quote(safe="") as msrest does: a thread's id carries ";messageid=" and a chat's "@thread".
    path = f"/v3/conversations/{quote(conversation_id, safe='')}/activities"
    return f"{path}/{quote(activity_id, safe='')}" if activity_id else path


class Connector:
    """Stands where botbuilder puts its ConnectorClient in the turn state (`conversations.*`)."""

    def __init__(self, pool: "ConnectorPool", service_url: str, sdk_client):
        self._pool = pool
        self._base = service_url.rstrip("/")
        self.sdk_client = sdk_client
        self._token = _Token(getattr(sdk_client.config, "credentials", None), pool.clock)
        self.conversations = _Conversations(self)

    def __getattr__(self, name):  # attachments, teams: rare, so the SDK's own operations serve them
        return getattr(self.sdk_client, name)

    async def call(self, method: str, path: str, body, answer_type):
        headers = {"User-Agent": _USER_AGENT, **await self._token.header()}
        data = None
        if body is not None:
            data = dumps(body)
            headers["Content-Type"] = "application/json; charset=utf-8"
        url = URL(self._base + path, encoded=True)
        for attempt in range(1, self._pool.attempts + 1):
            try:
                async with self._pool.http().request(method, url, data=data, headers=headers) as response:
                    text = await response.read()
                    if response.status in RETRIED and attempt < self._pool.attempts:
                        # Teams' rate-limit guidance: retry 412, 429, 502 and 504 (with backoff); never a 403
                        # such as MessageWritesBlocked, which no retry changes.
                        wait = _retry_after(response.headers.get("Retry-After"), attempt)
                        log.warning("connector answered %s to %s %s; trying again in %.1f s", response.status, method, path, wait)
                        await self._pool.sleep(wait)
                        continue
                    if response.status == 401:
                        self._token.forget()
                    if response.status >= 400:
                        raise ConnectorError(response.status, method, path, text[:300].decode(errors="replace"),
                                             retry_after=_seconds(response.headers.get("Retry-After")))
            except (aiohttp.ClientConnectionError, asyncio.TimeoutError) as error:
                raise ConnectorError(None, method, path, str(error) or type(error).__name__) from error
            if answer_type is None or not text:
                return None
            answer = json.loads(text)  # ResourceResponse and ConversationResourceResponse: flat, all strings
            return answer_type(**{attr: answer.get(spec["key"]) for attr, spec in answer_type._attribute_map.items()})


def _seconds(header: str | None) -> float | None:
    try:
        return float(header) if header is not None else None
    except ValueError:  # an HTTP date: rare from the connector; the outbox's own backoff serves
        return None


def _retry_after(header: str | None, attempt: int) -> float:
    try:
        return min(float(header), _MAX_RETRY_AFTER)
    except (TypeError, ValueError):
        return min(0.5 * 2 ** (attempt - 1), _MAX_RETRY_AFTER)


class ConnectorPool:
    """One aiohttp session and one Connector per (service URL, audience, app id), for the app's life."""

    def __init__(self, *, clock, sleep=asyncio.sleep, attempts: int = 3, timeout_seconds: float = 15):
        self.clock, self.sleep, self.attempts = clock, sleep, attempts
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None
        self._connectors: dict[tuple, Connector] = {}

    def http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def connector(self, key: tuple, build_sdk_client) -> Connector:
        connector = self._connectors.get(key)
        if connector is None:
            # Turns arriving together for a new key may each build one; the first stored is kept.
            sdk_client = await build_sdk_client()
            connector = self._connectors.setdefault(key, Connector(self, key[0], sdk_client))
        return connector

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


class _PooledConnectorFactory:
    def __init__(self, pool: ConnectorPool, inner, app_id: str | None):
        self._pool, self._inner, self._app_id = pool, inner, app_id

    async def create(self, service_url: str, audience: str | None = None) -> Connector:
        return await self._pool.connector((service_url, audience, self._app_id),
                                          lambda: self._inner.create(service_url, audience))


def _emulator_skill_call(activity) -> bool:
    # JwtTokenValidation.authenticate_request's one reading of the activity when there is no token.
    recipient = getattr(activity, "recipient", None)
    return (getattr(activity, "channel_id", None) == Channels.emulator and getattr(recipient, "role", None) == RoleTypes.skill
            and getattr(activity, "relates_to", None) is not None)


class PooledAuthentication(BotFrameworkAuthentication):
    """botbuilder's authentication, unchanged for inbound tokens, handing out pooled connectors."""

    def __init__(self, inner: BotFrameworkAuthentication, pool: ConnectorPool):
        self._inner, self.pool = inner, pool
        self._user_token_clients: dict = {}
        self._anonymous: AuthenticateRequestResult | None = None

    async def _anonymously(self, activity) -> AuthenticateRequestResult:
        """A request with no token, where authentication is off (local mode): botbuilder's answer,
        worked out once. It depends on the configuration alone, which never changes in a process
        (JwtTokenValidation: no header and auth disabled is an anonymous identity; the emulator's
        skill calls, the one case that reads the activity, always go to botbuilder). botbuilder
        otherwise asks the credential factories twice and builds a connector factory per request:
        a tenth of a `help` turn. Where a token is required, botbuilder refuses the request (PermissionError),
        every time: a refusal is never kept."""
        if self._anonymous is None:
            self._anonymous = await self._inner.authenticate_request(activity, "")
        known = self._anonymous
        result = AuthenticateRequestResult()
        result.claims_identity = ClaimsIdentity(dict(known.claims_identity.claims), known.claims_identity.is_authenticated,
                                                known.claims_identity.authentication_type)
        result.audience, result.caller_id, result.connector_factory = known.audience, known.caller_id, known.connector_factory
        return result

    @staticmethod
    def _app_id(claims_identity: ClaimsIdentity | None) -> str | None:
        claims = claims_identity.claims if claims_identity else {}
        return claims.get(AuthenticationConstants.AUDIENCE_CLAIM) or claims.get(AuthenticationConstants.APP_ID_CLAIM)

    async def authenticate_request(self, activity, auth_header):
        try:
            if not auth_header and not _emulator_skill_call(activity):
                result = await self._anonymously(activity)
            else:
                result = await self._inner.authenticate_request(activity, auth_header)
        except (PermissionError, requests.RequestException, SigningKeysUnavailable):  # refused; or the keys unreachable (a 503)
            raise
        except Exception as error:  # botbuilder answers a key id it does not publish with an IndexError, a bad endorsement with Exception
            raise PermissionError(f"token not accepted: {type(error).__name__}: {error}") from error
        if result.connector_factory is not None:
            result.connector_factory = _PooledConnectorFactory(self.pool, result.connector_factory,
                                                               self._app_id(result.claims_identity))
        return result

    async def authenticate_streaming_request(self, auth_header, channel_id_header):
        return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity):
        return _PooledConnectorFactory(self.pool, self._inner.create_connector_factory(claims_identity),
                                       self._app_id(claims_identity))

    async def create_user_token_client(self, claims_identity):
        # Built per turn by the SDK and used only for OAuth sign-in cards, which this bot never shows.
        app_id = self._app_id(claims_identity)
        if app_id not in self._user_token_clients:
            self._user_token_clients[app_id] = await self._inner.create_user_token_client(claims_identity)
        return self._user_token_clients[app_id]

    def create_bot_framework_client(self):
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return self._inner.get_originating_audience()

    async def authenticate_channel_request(self, auth_header: str):
        return await self._inner.authenticate_channel_request(auth_header)
