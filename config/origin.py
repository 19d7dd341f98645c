"""The WebSocket Origin check: a handshake is served only from the site's own origins.

An origin is a scheme, a host and a port, and all three must match one of:
- the site as this request reached it: the request's scheme (`https` when the proxy says so
  through SECURE_PROXY_SSL_HEADER) and its `Host` header, when that host is in ALLOWED_HOSTS;
- an entry of CSRF_TRUSTED_ORIGINS (`https://example.com`, `https://*.example.com`), as for
  Django's own CSRF origin check.

channels' AllowedHostsOriginValidator compared host names only, so a page served by another
program on another port of an allowed host (`http://127.0.0.1:9999`) could open the victim's
sockets. A handshake without an Origin header is refused as well: browsers always send one.
Refused handshakes are denied before they are accepted (HTTP 403) and reach no endpoint.
"""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain

DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, str, int] | None:
    """Return (scheme, host, port) of an origin, or None when it is not an http(s) origin."""
    try:
        parts = urlsplit(url.strip().lower())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        return None
    return parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme]


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin1")
    return None


def request_scheme(scope) -> str:
    """Return `https` or `http`: what the browser used to reach the site."""
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        name, secure_value = proxy_header
        header = name.removeprefix("HTTP_").lower().replace("_", "-").encode()
        value = _header(scope, header)
        if value is not None:
            return "https" if value.split(",")[0].strip() == secure_value else "http"
    return "https" if scope.get("scheme") in ("wss", "https") else "http"


def site_origin(scope) -> tuple[str, str, int] | None:
    """Return this request's own origin when its Host is allowed, else None."""
    host = _header(scope, b"host")
    if not host:
        return None
    domain, _port = split_domain_port(host.lower())
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return None
    return _origin(f"{request_scheme(scope)}://{host}")


def trusted_origin(origin: tuple[str, str, int]) -> bool:
    """Return whether CSRF_TRUSTED_ORIGINS names this origin (scheme, host and port)."""
    scheme, host, port = origin
    for entry in settings.CSRF_TRUSTED_ORIGINS:
        trusted_scheme, _, netloc = entry.lower().partition("://")
        wildcard = netloc.startswith("*.")
        pattern = _origin(f"{trusted_scheme}://{netloc.removeprefix('*.')}")
        if pattern is None:
            continue
        if (pattern[0], pattern[2]) != (scheme, port):
            continue
        if host == pattern[1] or (wildcard and is_same_domain(host, "." + pattern[1])):
            return True
    return False


def origin_allowed(scope) -> bool:
    header = _header(scope, b"origin")
    origin = _origin(header) if header else None
    if origin is None:
        return False
    return origin == site_origin(scope) or trusted_origin(origin)


class SiteOriginValidator:
    """Deny WebSocket handshakes whose Origin is not one of the site's (see the module doc)."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            raise ValueError("SiteOriginValidator guards WebSocket connections only.")
        if origin_allowed(scope):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)
