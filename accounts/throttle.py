"""Log-in and sign-up throttling on the one rate limiter (config/ratelimit.py).

Failed log-ins are counted
- per account: the typed username, normalized and hashed, whether or not such an account
  exists, so an unknown name is counted and answered exactly like a real one (no enumeration);
- per client address: REMOTE_ADDR (an IPv6 address counts with its /64 network).
Once either count reaches its limit in LOGIN_LOCKOUT_S seconds, log-ins are refused (even with
the right password) until the oldest failure leaves the window: the lock-out expires by itself.

An attacker could lock the owner out by failing on purpose. So a browser that has logged in to
an account before carries a signed device cookie, and for that account it is counted on its own
(per account and device) instead of against the shared account count: the owner's usual
browser still logs in while strangers are locked out. There is no password-reset flow; a
logged-in session's password change is never throttled.

Sign-ups are counted per client address (SIGNUP_ATTEMPTS_PER_ADDRESS each SIGNUP_WINDOW_S).

REMOTE_ADDR must be the client's address: behind a proxy, serve with --proxy-headers
(config/serve.py) and have the proxy *set* (not append to) X-Forwarded-For.
X-Forwarded-For is never read here.
"""

import hashlib
import ipaddress
import math
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.utils.translation import ngettext

from config.ratelimit import RateLimit

DEVICE_COOKIE = "cohort_device"
DEVICE_SALT = "accounts.throttle.device"
DEVICE_MAX_AGE_S = 365 * 24 * 3600

ACCOUNT_FAILURES = RateLimit(
    "login.account",
    limit=lambda: settings.LOGIN_FAILURES_PER_ACCOUNT,
    window_s=lambda: settings.LOGIN_LOCKOUT_S,
)
DEVICE_FAILURES = RateLimit(
    "login.device",
    limit=lambda: settings.LOGIN_FAILURES_PER_ACCOUNT,
    window_s=lambda: settings.LOGIN_LOCKOUT_S,
)
ADDRESS_FAILURES = RateLimit(
    "login.address",
    limit=lambda: settings.LOGIN_FAILURES_PER_ADDRESS,
    window_s=lambda: settings.LOGIN_LOCKOUT_S,
)
SIGNUP_ATTEMPTS = RateLimit(
    "signup.address",
    limit=lambda: settings.SIGNUP_ATTEMPTS_PER_ADDRESS,
    window_s=lambda: settings.SIGNUP_WINDOW_S,
)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def client_address(request) -> str:
    """Return the key of the request's client address (see the module doc about proxies)."""
    raw = request.META.get("REMOTE_ADDR", "")
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return "unknown"
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def account_key(username: str) -> str:
    normalized = get_user_model().normalize_username(username or "").strip().casefold()
    return _digest(normalized)


def wait_message(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many attempts. Please try again in %(minutes)d minute.",
        "Too many attempts. Please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


@dataclass
class LoginAttempt:
    account: str
    address: str
    device: str | None  # this browser's device id, when it has logged in to this account

    @classmethod
    def of(cls, request) -> "LoginAttempt":
        account = account_key(request.POST.get("username", ""))
        device = None
        try:
            signed = request.get_signed_cookie(
                DEVICE_COOKIE, salt=DEVICE_SALT, max_age=DEVICE_MAX_AGE_S
            )
        except (KeyError, signing.BadSignature):
            signed = ""
        cookie_account, _, nonce = signed.partition(":")
        if nonce and cookie_account == account:
            device = f"{account}.{nonce}"
        return cls(account=account, address=client_address(request), device=device)

    def _account_limit(self) -> tuple[RateLimit, str]:
        if self.device is not None:
            return DEVICE_FAILURES, self.device
        return ACCOUNT_FAILURES, self.account

    def blocked_for(self) -> float | None:
        """Return the seconds until this attempt could be served, or None if it can be now."""
        limit, key = self._account_limit()
        waits = (limit.blocked_for(key), ADDRESS_FAILURES.blocked_for(self.address))
        return max((wait for wait in waits if wait is not None), default=None)

    def failed(self) -> None:
        limit, key = self._account_limit()
        limit.hit(key)
        ADDRESS_FAILURES.hit(self.address)

    def succeeded(self, response) -> None:
        """Forget this account's failures and mark this browser as one its owner uses."""
        limit, key = self._account_limit()
        limit.reset(key)
        nonce = self.device.partition(".")[2] if self.device else secrets.token_urlsafe(12)
        response.set_signed_cookie(
            DEVICE_COOKIE,
            f"{self.account}:{nonce}",
            salt=DEVICE_SALT,
            max_age=DEVICE_MAX_AGE_S,
            httponly=True,
            secure=settings.SESSION_COOKIE_SECURE,
            samesite="Lax",
        )


def signup_blocked_for(request) -> float | None:
    """Count a sign-up attempt; return the seconds to wait when it is one too many."""
    return SIGNUP_ATTEMPTS.hit(client_address(request))
