"""Microsoft Entra ID's signing keys, played locally: its OpenID metadata and JWKS on 127.0.0.1,
served on the test's own event loop (tab/sso.py fetches them with aiohttp, so no thread is needed,
unlike bot_keys.py). Tokens signed with a published key are genuine; any other key is a forgery.
Point EntraTokens at it with metadata_url=keys.metadata_url. The server counts key-set fetches,
can be taken down (`down = True`, answering 503), made to hang (`hang = True`, until close) and
can roll keys over (`publish`)."""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json

import jwt
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

APP_ID = "00000000-0000-0000-0000-0000000000a1"
HOST = "strategy.example.org"
TENANT = "11111111-1111-1111-1111-111111111111"
OTHER_TENANT = "22222222-2222-2222-2222-222222222222"
CONSUMER_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"  # personal Microsoft accounts
ISSUER_TEMPLATE = "https://login.microsoftonline.com/{tenantid}/v2.0"  # as Entra's common key set says
KID = "entra-key-1"


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def v2_issuer(tenant: str) -> str:
    return f"https://login.microsoftonline.com/{tenant}/v2.0"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class EntraKeys:
    def __init__(self):
        self.key = new_key()  # ours: the one the key set publishes as KID
        self.published: dict[str, tuple] = {KID: (self.key, ISSUER_TEMPLATE)}
        self.fetches = 0  # how many times the key set was fetched
        self.down = False
        self.hang = False  # stall every request until close: the client's own timeout is what is tested
        self._release = asyncio.Event()
        app = web.Application()
        app.router.add_get("/common/v2.0/.well-known/openid-configuration", self._metadata)
        app.router.add_get("/common/discovery/v2.0/keys", self._keys)
        self.server = TestServer(app, host="127.0.0.1")

    async def start(self) -> EntraKeys:
        await self.server.start_server()
        return self

    async def close(self) -> None:
        self._release.set()
        await self.server.close()

    @property
    def metadata_url(self) -> str:
        return str(self.server.make_url("/common/v2.0/.well-known/openid-configuration"))

    def publish(self, kid: str, key, issuer: str = ISSUER_TEMPLATE) -> None:
        """Add a key to the set, as Entra does ahead of a rollover."""
        self.published[kid] = (key, issuer)

    async def _metadata(self, request: web.Request) -> web.Response:
        if self.hang:
            await self._release.wait()
        if self.down:
            return web.Response(status=503)
        return web.json_response({"issuer": ISSUER_TEMPLATE, "jwks_uri": str(self.server.make_url("/common/discovery/v2.0/keys"))})

    async def _keys(self, request: web.Request) -> web.Response:
        self.fetches += 1
        if self.down:
            return web.Response(status=503)
        keys = [{**json.loads(RSAAlgorithm.to_jwk(key.public_key())), "kid": kid, "use": "sig", "issuer": issuer}
                for kid, (key, issuer) in self.published.items()]
        return web.json_response({"keys": keys})

    @staticmethod
    def claims(now: float, **changes) -> dict:
        """A Teams tab SSO access token's claims (v2.0, as tab-sso-code shows one); a change to
        None drops that claim."""
        claims = {"aud": APP_ID, "iss": v2_issuer(TENANT), "tid": TENANT, "oid": "33333333-3333-3333-3333-333333333333",
                  "name": "Mila Nikolova", "scp": "access_as_user", "iat": int(now), "nbf": int(now), "exp": int(now) + 3600,
                  "azp": "5e3ce6c0-2b1f-4285-8d4b-75ee78787346", "ver": "2.0"}
        claims.update(changes)
        return {name: value for name, value in claims.items() if value is not None}

    def token(self, now: float, *, key=None, kid: str = KID, algorithm: str = "RS256", **changes) -> str:
        """A token as Entra issues it to the tab; another `key`, `kid` or claim makes a forgery."""
        signing_key = None if algorithm == "none" else (key or self.key)
        return jwt.encode(self.claims(now, **changes), signing_key, algorithm=algorithm, headers={"kid": kid})

    def hs256_with_public_key(self, now: float, **changes) -> str:
        """The classic confusion forgery: HMAC-SHA256 keyed with our *public* key's PEM, which anyone
        can download. Built by hand: PyJWT itself refuses to make it."""
        pem = self.key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": KID}).encode())
        payload = _b64(json.dumps(self.claims(now, **changes)).encode())
        signature = hmac.new(pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        return f"{header}.{payload}.{_b64(signature)}"
