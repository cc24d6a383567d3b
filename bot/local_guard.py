"""What local mode answers. It checks no token (anyone who reaches it is taken for a chair), so it
listens on this machine only (settings.check_listening). A web page open in the developer's own
browser reaches this machine too (a security trial), in two ways, each refused here:
- a page of another site posting to it (a form, a fetch without reading the answer): refused by
  its Origin, which browsers send with every such request;
- a page of another site whose name is pointed at 127.0.0.1 once loaded ("DNS rebinding"), so the
  browser takes this service for that site and lets the page read its answers: refused by the
  name the request was addressed to (its Host), which is then that site's, not this machine's.
LOCAL_MODE_ON_NETWORK (a test rig reached by other machines) lifts the second, not the first."""
from __future__ import annotations

from functools import lru_cache

from aiohttp import web

from settings import on_loopback

ELSEWHERE = ("Local mode answers requests addressed to this machine (localhost, 127.0.0.1) only: "
             "set MICROSOFT_APP_ID to serve other names.")
ANOTHER_SITE = "Local mode does not take requests from another site's page."


def refusal(request: web.BaseRequest, *, on_network: bool) -> str | None:
    """Why local mode will not answer this request, or None."""
    host = request.host
    if not on_network and not _here(host):
        return ELSEWHERE
    origin = request.headers.get("Origin")  # browsers send it on a cross-site request; curl and the Playground's server do not
    if origin is not None and request.method not in ("GET", "HEAD") and origin != f"{request.scheme}://{host}":
        return ANOTHER_SITE
    return None


@lru_cache(maxsize=64)  # the few names this machine is reached by, asked on every request
def _here(host: str) -> bool:
    return on_loopback(_name(host))


def _name(host: str) -> str:
    """The name a Host header gives, without its port: "localhost:3978", "[::1]:3978", "127.0.0.1"."""
    if host.startswith("["):
        return host[1:host.find("]")]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
