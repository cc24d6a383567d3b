"""The Bot Framework's signing keys, played locally: its OpenID metadata and JWKS, served from a
thread (botbuilder fetches them with blocking `requests`, which would stall a server on the test's
own event loop). Tokens signed with this key are genuine to the bot; any other key is a forgery.
Point botbuilder at it with ChannelValidation.open_id_metadata_endpoint = keys.metadata_url."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

APP_ID = "00000000-0000-0000-0000-0000000000b0"
BOT_FRAMEWORK = "https://api.botframework.com"


def attacker_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class BotFrameworkKeys:
    def __init__(self):
        self.key = attacker_key()  # ours: the one the metadata publishes
        public = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        keys = {"keys": [{**public, "kid": "bf-key-1", "use": "sig", "endorsements": ["msteams"]}]}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                body = {"issuer": BOT_FRAMEWORK, "jwks_uri": f"{outer.url}/keys"} if self.path.endswith("openid-configuration") else keys
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.metadata_url = f"{self.url}/.well-known/openid-configuration"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def token(self, service_url: str, *, key=None, audience: str = APP_ID, kid: str = "bf-key-1", expires_in: int = 3600) -> str:
        """A channel token as the Bot Framework issues it; another `key` or `kid` makes a forgery."""
        now = int(time.time())  # botbuilder checks expiry against the real clock
        claims = {"iss": BOT_FRAMEWORK, "aud": audience, "serviceurl": service_url, "nbf": now - 60, "exp": now + expires_in}
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": kid})
