"""Who is looking at the tab. The tab page asks Teams for a token (`getAuthToken()`) and sends it
as `Authorization: Bearer ...`; here it is checked as Microsoft says a web API must check a
Microsoft Entra ID access token, and becomes a Viewer. A refusal is NotSignedIn (the API answers
401); Entra's keys being out of reach is KeysUnavailable (503: nobody's fault, try again later).

Sources: learn.microsoft.com/entra/identity-platform/access-tokens ("Validate tokens"),
.../access-token-claims-reference, .../claims-validation, and the Teams tab SSO pages
(learn.microsoft.com/microsoftteams/platform/tabs/how-to/authentication/tab-sso-register-aad,
.../tab-sso-code)."""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, Callable

import aiohttp
import jwt
from jwt.algorithms import RSAAlgorithm

log = logging.getLogger(__name__)

SCOPE = "access_as_user"  # the scope a Teams SSO app exposes (tab-sso-register-aad, tab-sso-code)
MAX_TOKEN_BYTES = 16 * 1024  # refused before any parsing: Entra's tokens are a few KB
LEEWAY = 120  # seconds of clock skew allowed on exp and nbf
KEYS_FRESH_FOR = 24 * 3600  # Microsoft: "a reasonable frequency to check for updates ... every 24 hours"
REFETCH_AT_MOST_EVERY = 60  # an unknown kid may mean rollover, or a forger: never hammer Entra
REQUIRED = ("oid", "tid", "aud", "iss", "exp")


@dataclass(frozen=True)
class Viewer:
    oid: str  # the person's Entra object id
    tenant_id: str
    name: str  # the token's `name` claim, or ""


class NotSignedIn(Exception):
    """Why a token was refused, in words safe to log (never the token itself)."""


class KeysUnavailable(Exception):
    """Entra's signing keys could not be fetched, so no token can be judged: answer 503, not 401."""


@dataclass(frozen=True)
class _Key:
    public: Any
    issuer: str | None  # the `issuer` Entra publishes beside the key, e.g. ".../{tenantid}/v2.0"


class EntraTokens:
    def __init__(self, *, app_id: str, host: str, allowed_tenants: tuple[str, ...], home_tenant: str,
                 metadata_url: str = "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration",
                 now: Callable[[], float] | None = None, fetch_timeout: float = 10.0):
        tenants = tuple(allowed_tenants) or ((home_tenant,) if home_tenant else ())
        if not app_id or not host or not tenants:
            raise ValueError("EntraTokens needs the app id, the host the tab is served from and at least one tenant")
        self._tenants = frozenset(tenant.strip().lower() for tenant in tenants)
        # Teams asks Entra for a token for the Application ID URI `api://{host}/{app_id}`. A v1.0
        # token carries that URI in `aud`; a v2.0 token (accessTokenAcceptedVersion = 2, which the
        # Teams SSO guide tells us to set) always carries the bare client id instead
        # (access-token-claims-reference, "aud"). Both name this app and nothing else, so both are
        # accepted: which one arrives depends on the app registration, not on the caller.
        self._audiences = frozenset({f"api://{host}/{app_id}", app_id})
        self._metadata_url = metadata_url
        self._now = now or time.time
        self._timeout = aiohttp.ClientTimeout(total=fetch_timeout)
        self._keys: dict[str, _Key] = {}
        self._fetched_at: float | None = None  # the last fetch that worked
        self._tried_at: float | None = None  # the last fetch, worked or not
        self._lock = asyncio.Lock()
        self._session: aiohttp.ClientSession | None = None

    async def viewer(self, authorization_header: str) -> Viewer:
        token = _bearer_token(authorization_header)
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise NotSignedIn("the token is not a well-formed JWT") from None
        if header.get("alg") != "RS256":  # none, HS256 keyed with our public key, ...: all refused here
            raise NotSignedIn(f"the token is signed with {str(header.get('alg'))[:20]!r}; only RS256 is accepted")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise NotSignedIn("the token names no signing key (kid)")
        key = await self._signing_key(kid)
        claims = self._verified_claims(token, key)
        return Viewer(oid=claims["oid"], tenant_id=claims["tid"], name=claims["name"] if isinstance(claims.get("name"), str) else "")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _verified_claims(self, token: str, key: _Key) -> dict:
        try:
            claims = jwt.decode(token, key.public, algorithms=["RS256"],
                                options={"require": list(REQUIRED), "verify_aud": False, "verify_iss": False,
                                         # time is checked below, against the app's own clock
                                         "verify_exp": False, "verify_nbf": False, "verify_iat": False})
        except jwt.InvalidSignatureError:
            raise NotSignedIn("the signature does not verify with the key it names") from None
        except jwt.MissingRequiredClaimError as error:
            raise NotSignedIn(f"the token lacks the {error.claim!r} claim") from None
        except jwt.PyJWTError as error:
            raise NotSignedIn(f"the token is malformed ({type(error).__name__})") from None
        if not all(isinstance(claims[name], str) and claims[name] for name in ("oid", "tid", "aud", "iss")):
            raise NotSignedIn("oid, tid, aud and iss must be non-empty strings")
        now, exp, nbf = self._now(), claims["exp"], claims.get("nbf", 0)
        if not all(isinstance(t, (int, float)) and not isinstance(t, bool) for t in (exp, nbf)):
            raise NotSignedIn("exp and nbf must be numbers")
        if now > exp + LEEWAY:
            raise NotSignedIn(f"the token expired {int(now - exp)} s ago")
        if now < nbf - LEEWAY:
            raise NotSignedIn(f"the token is not valid for another {int(nbf - now)} s")
        if claims["aud"] not in self._audiences:
            raise NotSignedIn(f"the token is for another audience ({_shown(claims['aud'])})")
        tid = claims["tid"]
        # The issuer must name the token's own tenant, in the v2.0 or the v1.0 form (access-tokens,
        # "Validate the issuer"): that ties tid to iss, so the tenant check below means something.
        v2_issuer = f"https://login.microsoftonline.com/{tid}/v2.0"
        if claims["iss"] not in (v2_issuer, f"https://sts.windows.net/{tid}/"):
            raise NotSignedIn(f"the issuer {_shown(claims['iss'])} is not Entra ID for the token's tenant")
        # A key Entra publishes for one tenant only (e.g. the consumer tenant) signs for no other
        # (access-tokens, "Validate the signing key issuer").
        if key.issuer and key.issuer.replace("{tenantid}", tid) != v2_issuer:
            raise NotSignedIn("the signing key is not one Entra uses for the token's tenant")
        if tid.lower() not in self._tenants:
            raise NotSignedIn(f"tenant {_shown(tid)} is not allowed")
        scopes = claims.get("scp")
        if not isinstance(scopes, str) or SCOPE not in scopes.split():
            raise NotSignedIn(f"the token does not carry the {SCOPE} scope")
        return claims

    async def _signing_key(self, kid: str) -> _Key:
        async with self._lock:  # callers arriving during a fetch wait for it rather than fetch again
            now = self._now()
            stale = self._fetched_at is None or now - self._fetched_at >= KEYS_FRESH_FOR
            may_fetch = self._tried_at is None or now - self._tried_at >= REFETCH_AT_MOST_EVERY
            if (stale or kid not in self._keys) and may_fetch:
                self._tried_at = now
                try:
                    self._keys = await self._fetch_keys()
                    self._fetched_at = now
                except KeysUnavailable:
                    if kid not in self._keys:
                        raise
                    log.warning("Entra's signing keys could not be refreshed; using the ones fetched before")
            if not self._keys:
                raise KeysUnavailable("Entra's signing keys have not been fetched yet; retrying within a minute")
        key = self._keys.get(kid)
        if key is None:
            raise NotSignedIn("the token is signed with a key Entra does not publish")
        return key

    async def _fetch_keys(self) -> dict[str, _Key]:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        try:
            metadata = await self._json(self._metadata_url)
            jwks = await self._json(metadata["jwks_uri"])
            published = jwks["keys"]
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError, KeyError, TypeError) as error:
            raise KeysUnavailable(f"Entra's signing keys could not be fetched from {self._metadata_url} "
                                  f"({type(error).__name__})") from error
        keys = {}
        for jwk in published if isinstance(published, list) else ():
            if not isinstance(jwk, dict) or jwk.get("kty") != "RSA" or jwk.get("use", "sig") != "sig" or not jwk.get("kid"):
                continue
            try:  # the public half only, whatever else the document holds
                keys[jwk["kid"]] = _Key(RSAAlgorithm.from_jwk({"kty": "RSA", "n": jwk["n"], "e": jwk["e"]}), jwk.get("issuer"))
            except (jwt.PyJWTError, KeyError, ValueError, TypeError):
                log.warning("skipping an unreadable key in Entra's key set (kid %r)", str(jwk["kid"])[:40])
        if not keys:
            raise KeysUnavailable("Entra's key set holds no usable RSA signing key")
        return keys

    async def _json(self, url: str) -> Any:
        async with self._session.get(url) as response:
            response.raise_for_status()
            return await response.json(content_type=None)


def _bearer_token(authorization_header: str | None) -> str:
    if not authorization_header:
        raise NotSignedIn("no Authorization header")
    if len(authorization_header) > MAX_TOKEN_BYTES:  # header values arrive as latin-1: a character a byte
        raise NotSignedIn(f"the Authorization header is over {MAX_TOKEN_BYTES} bytes")
    scheme, _, token = authorization_header.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise NotSignedIn("the Authorization header is not 'Bearer <token>'")
    token = token.strip()
    if token.count(".") != 2:
        raise NotSignedIn("the bearer token is not a JWT")
    return token


def _shown(value: str) -> str:
    """A claim value fit for a log line: quoted (so no line breaks get through) and cut short."""
    return repr(value[:80])
