"""Signed, expiring, single-purpose links for people the bot cannot reach in Teams: the email's
link opens a small page where they answer. HMAC-signed; used once (recorded in link_uses)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta


class LinkError(Exception):
    """Why a link cannot be used, in words for the person holding it."""


@dataclass(frozen=True)
class Claim:
    obligation_id: str
    purpose: str  # "action" or "information_update"
    expires: datetime
    digest: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Links:
    def __init__(self, secret: bytes, *, base_url: str, clock):
        self.secret = secret
        self.base_url = base_url.rstrip("/")
        self.clock = clock

    def make(self, *, obligation_id: str, purpose: str, valid_for: timedelta = timedelta(days=14)) -> str:
        payload = _b64(json.dumps({"o": obligation_id, "p": purpose,
                                   "e": int((self.clock.now() + valid_for).timestamp())}, separators=(",", ":")).encode())
        signature = _b64(hmac.new(self.secret, payload.encode(), hashlib.sha256).digest())
        return f"{self.base_url}/respond/{payload}.{signature}"

    def read(self, token: str) -> Claim:
        payload, _, signature = token.partition(".")
        expected = _b64(hmac.new(self.secret, payload.encode(), hashlib.sha256).digest())
        if not signature or not hmac.compare_digest(signature, expected):
            raise LinkError("This link is not valid. Use the link exactly as it arrived in your email.")
        try:
            data = json.loads(_unb64(payload))
        except ValueError:
            raise LinkError("This link is not valid. Use the link exactly as it arrived in your email.") from None
        expires = datetime.fromtimestamp(data["e"], tz=self.clock.now().tzinfo)
        if self.clock.now() > expires:
            raise LinkError("This link has expired. Reply to the chair by email, or ask them for a new link.")
        return Claim(data["o"], data["p"], expires, hashlib.sha256(token.encode()).hexdigest())
