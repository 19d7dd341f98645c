"""ICE servers for a user, with coturn's TURN REST credentials (`use-auth-secret`)."""

import base64
import hashlib
import hmac
import time

from django.conf import settings


def turn_credentials(*, user_id: int, secret: str, ttl: int, now: float | None = None):
    """Return (username, credential): "<expiry unix time>:<user id>" and its HMAC-SHA1."""
    expiry = int(now if now is not None else time.time()) + ttl
    username = f"{expiry}:{user_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def ice_config_for(user_id: int) -> dict:
    """Return the RTCPeerConnection settings of a user; the TURN secret stays here."""
    servers = []
    if settings.STUN_URLS:
        servers.append({"urls": list(settings.STUN_URLS)})
    expires_at = None
    if settings.TURN_URLS:
        username, credential = turn_credentials(
            user_id=user_id, secret=settings.TURN_SECRET, ttl=settings.TURN_CREDENTIAL_TTL
        )
        servers.append(
            {"urls": list(settings.TURN_URLS), "username": username, "credential": credential}
        )
        expires_at = int(username.split(":", 1)[0])
    return {
        "ice_servers": servers,
        "ice_transport_policy": settings.RTC_ICE_TRANSPORT_POLICY,
        "expires_at": expires_at,
    }
