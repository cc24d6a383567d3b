"""Signed, expiring, single-purpose links for people the bot cannot reach in Teams: the email's
link opens a small page where they answer. HMAC-signed; used once (recorded in link_uses)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta


MAX_TOKEN = 512  # ours are about 130 characters


class LinkError(Exception):
    """Why a link cannot be used, in words for the person holding it."""


@dataclass(frozen=True)
class Claim:
    obligation_id: str
    purpose: str  # "action", "information_update" or "record_check"
    expires: datetime
    digest: str
    # Whose email carried it: "owner", or the chasing ladder's stage ("due", "escalate_lead"...), as the audit
    # trail records who answered (a security trial: the owner's and their manager's answers were one actor).
    # Links made before it was written say nothing ("").
    sent_to: str = ""

    @property
    def actor(self) -> str:
        return f"link:{self.obligation_id}:{self.sent_to}" if self.sent_to else f"link:{self.obligation_id}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Links:
    def __init__(self, secret: bytes, *, base_url: str, clock):
        self.secret = secret
        self.base_url = base_url.rstrip("/")
        self.clock = clock

    def make(self, *, obligation_id: str, purpose: str, sent_to: str, valid_for: timedelta = timedelta(days=14)) -> str:
        payload = _b64(json.dumps({"o": obligation_id, "p": purpose, "e": int((self.clock.now() + valid_for).timestamp()),
                                   "t": sent_to}, separators=(",", ":")).encode())
        signature = _b64(hmac.new(self.secret, payload.encode(), hashlib.sha256).digest())
        return f"{self.base_url}/respond/{payload}.{signature}"

    def read(self, token: str) -> Claim:
        """The claim a link makes, or LinkError for anything else: whatever a browser or an attacker
        puts in the path (non-ASCII, garbage, a valid signature over an unexpected payload)."""
        invalid = LinkError("This link is not valid. Use the link exactly as it arrived in your email.")
        payload, _, signature = token.partition(".")
        if not payload or not signature or len(token) > MAX_TOKEN or not token.isascii():
            raise invalid
        expected = _b64(hmac.new(self.secret, payload.encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            raise invalid
        try:
            data = json.loads(_unb64(payload))
            claim = Claim(str(data["o"]), str(data["p"]), datetime.fromtimestamp(int(data["e"]), tz=self.clock.now().tzinfo),
                          hashlib.sha256(token.encode()).hexdigest(), str(data.get("t", "")))
        except (ValueError, TypeError, KeyError, OverflowError, OSError):  # signed by us, so only an old or broken format
            raise invalid from None
        if self.clock.now() > claim.expires:
            raise LinkError("This link has expired. Reply to the chair by email, or ask them for a new link.")
        return claim
