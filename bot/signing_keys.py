"""The Bot Framework's signing keys, fetched without stopping the service.

botbuilder 4.17.1 (`jwt_token_extractor._OpenIdMetadata`) fetches the OpenID metadata and the keys
with blocking `requests`, with no timeout, on the event loop: a key endpoint that accepted the
connection and never answered froze every turn and the health checks for as long as it hung (a
hostile-input trial), and while no keys were held each token naming the Bot Framework started
another fetch. This is the same cache (botbuilder reads `keys` and `last_updated` and calls
`_refresh`, `get` and `_find` as before), filled over aiohttp with a time limit, one fetch at a
time; after a failure none for `RETRY_AFTER`. Meanwhile a request is told the keys cannot be
fetched (a 503, bot/endpoint.py), and keys already held go on being used.
"""
from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime

import aiohttp
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor, _OpenIdMetadata

log = logging.getLogger(__name__)


class SigningKeysUnavailable(Exception):
    """The keys could not be fetched, and none are held: no token can be checked just now."""


class SigningKeys(_OpenIdMetadata):
    FETCH_SECONDS = 5.0  # both documents, all in: a token check must leave the turn its time
    RETRY_AFTER = 30.0  # seconds without a new fetch after one failed: forged tokens cannot make it hammer

    def __init__(self, url: str):
        super().__init__(url)
        self._fetching: asyncio.Task | None = None
        self._quiet_until = 0.0  # time.monotonic()

    async def _refresh(self) -> None:
        loop = asyncio.get_running_loop()
        fetching = self._fetching
        if fetching is None or fetching.done() or fetching.get_loop() is not loop:
            if time.monotonic() < self._quiet_until:
                return self._carry_on(SigningKeysUnavailable(f"the last fetch of {self.url} failed moments ago"))
            fetching = self._fetching = loop.create_task(self._fetch())
        try:
            await asyncio.shield(fetching)  # one turn given up on does not cancel the fetch the others wait for
        except SigningKeysUnavailable as error:
            self._carry_on(error)

    def _carry_on(self, error: SigningKeysUnavailable) -> None:
        if not self.keys:
            raise error
        log.warning("the Bot Framework's signing keys could not be refreshed (%s); the ones held are used", error)

    async def _fetch(self) -> None:
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.FETCH_SECONDS)) as session:
                async with session.get(self.url) as response:
                    response.raise_for_status()
                    keys_url = (await response.json(content_type=None))["jwks_uri"]
                async with session.get(keys_url) as response:
                    response.raise_for_status()
                    keys = (await response.json(content_type=None))["keys"]
            if not isinstance(keys, list):
                raise TypeError("`keys` is not a list")
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError, KeyError, TypeError) as error:
            self._quiet_until = time.monotonic() + self.RETRY_AFTER
            raise SigningKeysUnavailable(f"{type(error).__name__}: {error}".rstrip(": ")) from None
        self.keys, self.last_updated = keys, datetime.now()


def install() -> None:
    """Make botbuilder's token checks use SigningKeys (once per process; app.py's adapter calls it)."""
    def metadata(url: str) -> _OpenIdMetadata:
        held = JwtTokenExtractor.metadataCache.get(url)
        if not isinstance(held, SigningKeys):
            held = JwtTokenExtractor.metadataCache[url] = SigningKeys(url)
        return held

    JwtTokenExtractor.get_open_id_metadata = staticmethod(metadata)
