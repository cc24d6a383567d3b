"""The Bot Framework's signing keys, played locally: an OpenID metadata document and its JWKS,
served from a thread (botbuilder fetches them with blocking `requests`, which would stall a server
on the test's own event loop). Tokens signed with its key are genuine to the bot; any other key
is a forgery."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://api.botframework.com"


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class BotFrameworkKeys:
    def __init__(self):
        self.private_key = _key()
        self.kid = "local-signing-key"
        self._server: ThreadingHTTPServer | None = None

    @property
    def metadata_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/openid"

    def start(self) -> "BotFrameworkKeys":
        keys = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                if self.path == "/openid":
                    body = {"issuer": ISSUER, "jwks_uri": f"http://127.0.0.1:{self.server.server_port}/keys"}
                elif self.path == "/keys":
                    jwk = json.loads(RSAAlgorithm.to_jwk(keys.private_key.public_key()))
                    body = {"keys": [{**jwk, "kid": keys.kid, "use": "sig", "endorsements": ["msteams"]}]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def token(self, *, app_id: str, service_url: str, key=None, kid: str | None = None, issuer: str = ISSUER,
              expires_in: int = 3600) -> str:
        """A channel token as the Bot Framework issues it; `key`/`kid` other than ours make a forgery."""
        now = int(time.time())  # botbuilder checks expiry against the real clock
        claims = {"iss": issuer, "aud": app_id, "serviceurl": service_url, "nbf": now - 60, "iat": now - 60,
                  "exp": now + expires_in}
        return jwt.encode(claims, key or self.private_key, algorithm="RS256", headers={"kid": kid or self.kid})


def attacker_key():
    return _key()
